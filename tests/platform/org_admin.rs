//! The sys_admin side of the Organizations API and sign-up: a sys_admin signs up and confirms
//! an organization whose admin then logs in; anonymous sign-up with an approval; sys_admin
//! changes to another organization's personas, care types and trusted network (with
//! `OrgTrustedNetworkUpdated` to the demand); a supplier joining and leaving demand networks;
//! API keys sealed at rest; participants refused on every sys_admin route; bad input writes
//! nothing.

use devstack::seed::{DEMAND_ORG, DEMO_APPROVAL, SUPPLY_A_ORG, SUPPLY_B_ORG, User};
use platform_tests::{Subscriber, TestStack};
use serde_json::{Value, json};
use shared::ids::OrgId;

fn address() -> Value {
    json!({"address": "1 King St W", "city": "Toronto", "state": "ON", "zip": "M5H 1A1",
           "country": "CA", "latitude": 43.65, "longitude": -79.38})
}

fn sign_up_body(username: &str, host: &str) -> Value {
    json!({
        "username": username, "email": "contact@riverside.example.org", "name": "Riverside Care",
        "source": "internal", "host": host, "password": "Riverside-Passw0rd!",
        "phone_number": "+14165550111", "phone_extension": "12", "address": address()
    })
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Whether Cognito has a user of that name (a refused sign-up must leave none).
async fn user_exists(t: &TestStack, username: &str) -> bool {
    let app = t.stack.app();
    app.aws
        .cognito()
        .await
        .admin_get_user()
        .user_pool_id(&app.config.user_pool_id)
        .username(username)
        .send()
        .await
        .is_ok()
}

/// No item of the table holds `secret` anywhere (passwords are never stored).
async fn stored_anywhere(t: &TestStack, secret: &str) -> bool {
    t.items()
        .await
        .iter()
        .any(|i| format!("{i:?}").contains(secret))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_admin_signs_up_an_organization_whose_admin_logs_in() {
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    let demand = t.login(&t.demo.demand).await;
    let path = "/organizations/v1/sys_admin/sign_up";
    let username = "riverside-admin@example.org";
    let host = "https://care.riverside.example";

    // Refused input: a 400 with the AlayaMarket body, no item, no Cognito user.
    let before = t.items().await.len();
    let mut bad_bodies = Vec::new();
    for (field, value) in [
        ("host", json!("http://care.riverside.example")),
        ("host", json!("https://riverside.example/")),
        ("email", json!("not-an-email")),
        ("password", json!("")),
        ("address", json!({"address": "1 King St W"})),
        ("phone_number", Value::Null),
    ] {
        let mut body = sign_up_body(username, host);
        body[field] = value;
        bad_bodies.push(body);
    }
    // Cognito's password policy refuses it: also a 400, and the claim is released.
    let mut weak = sign_up_body(username, host);
    weak["password"] = json!("short");
    bad_bodies.push(weak);
    for body in bad_bodies {
        let r = t.call("POST", path, Some(&admin), Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        assert!(r.body["message"].is_string(), "{:?}", r.body);
    }
    // An alayacare organization needs its branch: 422.
    let mut no_branch = sign_up_body(username, host);
    no_branch["source"] = json!("alayacare");
    let r = t.call("POST", path, Some(&admin), Some(no_branch)).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    // A participant may not sign organizations up.
    let r = t
        .call(
            "POST",
            path,
            Some(&demand),
            Some(sign_up_body(username, host)),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(t.items().await.len(), before);
    assert!(!user_exists(&t, username).await);

    let r = t
        .call(
            "POST",
            path,
            Some(&admin),
            Some(sign_up_body(username, host)),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let org_id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["username"], username);
    assert_eq!(r.body["name"], "Riverside Care");
    assert_eq!(r.body["host"], host);
    assert_eq!(
        r.body["phone"],
        json!({"number": "+14165550111", "extension": "12"})
    );
    assert_eq!(r.body["address"]["city"], "Toronto");
    assert_eq!(r.body["demand_persona"], json!({"status": "disabled"}));
    assert_eq!(
        r.body["supply_persona"],
        json!({"status": "disabled", "care_types": []})
    );
    assert!(!r.body.to_string().contains("Riverside-Passw0rd!"));
    assert!(!stored_anywhere(&t, "Riverside-Passw0rd!").await);

    // The username and the host are taken; the refused second sign-up leaves no user.
    let r = t
        .call(
            "POST",
            path,
            Some(&admin),
            Some(sign_up_body(username, "https://other.riverside.example")),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let r = t
        .call(
            "POST",
            path,
            Some(&admin),
            Some(sign_up_body("copycat@example.org", host)),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(!user_exists(&t, "copycat@example.org").await);

    // Unconfirmed: no login yet.
    let user = User {
        email: username.into(),
        password: "Riverside-Passw0rd!".into(),
        group: "org_admin".into(),
        organization: None,
    };
    let r = t
        .call(
            "POST",
            "/auth/v1/login",
            None,
            Some(json!({"username": username, "password": "Riverside-Passw0rd!"})),
        )
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    // Only users of a finished sign-up can be confirmed.
    let r = t
        .call(
            "POST",
            "/organizations/v1/sys_admin/admin_confirm_sign_up",
            Some(&admin),
            Some(json!({"username": "copycat@example.org"})),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let r = t
        .call(
            "POST",
            "/organizations/v1/sys_admin/admin_confirm_sign_up",
            Some(&admin),
            Some(json!({"username": username})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    // Confirming again (with a code this time) changes nothing.
    let r = t
        .call(
            "POST",
            "/organizations/v1/sys_admin/confirm_sign_up",
            Some(&admin),
            Some(json!({"username": username, "confirmation_code": "123456"})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);

    let token = t.login(&user).await;
    let me = t
        .call("GET", "/auth/v1/current_identity", Some(&token), None)
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["organization_id"], org_id.as_str());
    assert_eq!(me.body["groups"], json!(["org_admin"]));
    assert_eq!(me.body["email"], username);
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona",
            Some(&token),
            None,
        )
        .await;
    assert_eq!((r.status, r.body), (200, json!({"status": "disabled"})));

    // The sys_admin directory finds it by username; edit renames it.
    let r = t
        .call(
            "GET",
            &format!("/organizations/v1/sys_admin?username={username}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(ids(&r.body), vec![org_id.clone()]);
    assert_eq!(r.body["items"][0]["email"], "contact@riverside.example.org");
    let r = t
        .call(
            "POST",
            &format!("/organizations/v1/sys_admin/{org_id}/edit"),
            Some(&admin),
            Some(json!({"name": "Riverside Home Care", "address": {"name": "Main office"}})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = t
        .call(
            "GET",
            &format!("/organizations/v1/sys_admin/{org_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.body["name"], "Riverside Home Care");
    assert_eq!(r.body["address"]["name"], "Main office");
    let r = t
        .call(
            "GET",
            &format!("/organizations/v1/sys_admin/{}", OrgId::new()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_sign_up_uses_its_approval_once() {
    let t = TestStack::start().await;
    let r = t
        .call(
            "POST",
            "/organizations/v1",
            None,
            Some(json!({"approval_id": "guessed"})),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = t
        .call(
            "POST",
            "/organizations/v1?is_supply=true",
            None,
            Some(json!({"approval_id": DEMO_APPROVAL})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["total_items"], 2);

    let mut body = sign_up_body("self-serve@example.org", "https://care.selfserve.example");
    body["approval_id"] = json!("guessed");
    let r = t
        .call(
            "POST",
            "/organizations/v1/sign_up",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    // The anonymous username is the admin's email.
    body["approval_id"] = json!(DEMO_APPROVAL);
    body["username"] = json!("self-serve");
    let r = t
        .call(
            "POST",
            "/organizations/v1/sign_up",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(!user_exists(&t, "self-serve@example.org").await);

    body["username"] = json!("self-serve@example.org");
    let r = t
        .call(
            "POST",
            "/organizations/v1/sign_up",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let org_id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body.as_object().unwrap().len(), 1, "{:?}", r.body);
    // Confirmed by the approval: the admin logs in at once, into its organization.
    let token = t
        .login(&User {
            email: "self-serve@example.org".into(),
            password: "Riverside-Passw0rd!".into(),
            group: "org_admin".into(),
            organization: None,
        })
        .await;
    let me = t
        .call("GET", "/auth/v1/current_identity", Some(&token), None)
        .await;
    assert_eq!(me.body["organization_id"], org_id.as_str());
    // The approval is used up.
    body["username"] = json!("second@example.org");
    body["host"] = json!("https://care.second.example");
    let r = t
        .call("POST", "/organizations/v1/sign_up", None, Some(body))
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert!(!user_exists(&t, "second@example.org").await);
    let r = t
        .call(
            "POST",
            "/organizations/v1",
            None,
            Some(json!({"approval_id": DEMO_APPROVAL})),
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_admin_manages_another_organizations_settings() {
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let demand_sub = Subscriber::new(&t, DEMAND_ORG.parse().unwrap()).await;

    // Every sys_admin route refuses a participant with 403, and writes nothing.
    let before = t.items().await.len();
    let mut checked = 0;
    for (_, _, method, path) in t.routes() {
        if !path.starts_with("/organizations/v1/sys_admin") {
            continue;
        }
        let path = path.replace("{organization_id}", SUPPLY_A_ORG);
        let body = (method == "POST").then(|| json!({}));
        let r = t.call(method, &path, Some(&demand), body).await;
        assert_eq!(r.status, 403, "{method} {path}: {:?}", r.body);
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
    assert_eq!(t.items().await.len(), before);

    let sa = |rest: &str| format!("/organizations/v1/sys_admin/{rest}");
    // Personas and care types of another organization, through the participant use cases.
    let r = t
        .call(
            "POST",
            &sa(&format!("{SUPPLY_A_ORG}/supply_persona/deactivate")),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = t
        .call(
            "GET",
            "/organizations/v1/supply_persona",
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(r.body["status"], "disabled");
    let r = t
        .call(
            "POST",
            &sa(&format!("{SUPPLY_A_ORG}/supply_persona/activate")),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = t
        .call(
            "POST",
            &sa(&format!("{SUPPLY_A_ORG}/supply_persona/care_types")),
            Some(&admin),
            Some(json!({"care_types": ["nursing"]})),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = t
        .call(
            "GET",
            &sa(&format!("{SUPPLY_A_ORG}/supply_persona")),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        r.body,
        json!({"status": "active", "care_types": ["nursing"]})
    );
    let r = t
        .call(
            "POST",
            &sa(&format!("{SUPPLY_A_ORG}/demand_persona/activate")),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona",
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(r.body, json!({"status": "active"}));
    let r = t
        .call(
            "POST",
            &sa(&format!("{SUPPLY_A_ORG}/supply_persona/care_types")),
            Some(&admin),
            Some(json!({"care_types": ["dentistry"]})),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = t
        .call(
            "POST",
            &sa(&format!("{}/demand_persona/activate", OrgId::new())),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 404);

    // The demand's trusted network: remove, add (twice: the second is a no-op), set.
    let network = |q: &'static str| {
        let t = &t;
        let admin = &admin;
        async move {
            let r = t
                .call(
                    "GET",
                    &format!(
                        "/organizations/v1/sys_admin/{DEMAND_ORG}/demand_persona/trusted_network{q}"
                    ),
                    Some(admin),
                    None,
                )
                .await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            ids(&r.body)
        }
    };
    let tn = sa(&format!("{DEMAND_ORG}/demand_persona/trusted_network"));
    let r = t
        .call(
            "POST",
            &format!("{tn}/remove"),
            Some(&admin),
            Some(json!({"supply_persona_ids": [SUPPLY_B_ORG]})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(network("").await, vec![SUPPLY_A_ORG.to_owned()]);
    for _ in 0..2 {
        let r = t
            .call(
                "POST",
                &format!("{tn}/add"),
                Some(&admin),
                Some(json!({"supply_persona_ids": [SUPPLY_B_ORG]})),
            )
            .await;
        assert_eq!(r.status, 204, "{:?}", r.body);
    }
    assert_eq!(network("").await.len(), 2);
    let r = t
        .call(
            "POST",
            &tn,
            Some(&admin),
            Some(json!({"supply_persona_ids": [SUPPLY_B_ORG]})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(network("").await, vec![SUPPLY_B_ORG.to_owned()]);
    assert_eq!(network("?status=disabled").await, Vec::<String>::new());
    let before = t.items().await.len();
    let r = t
        .call(
            "POST",
            &format!("{tn}/add"),
            Some(&admin),
            Some(json!({"supply_persona_ids": [OrgId::new()]})),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(t.items().await.len(), before);

    // A supplier joins and leaves a demand's network itself.
    let r = t
        .call(
            "POST",
            "/organizations/v1/supply_persona/trusted_network",
            Some(&supply_a),
            Some(json!({"demand_persona_ids": [DEMAND_ORG]})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = t
        .call(
            "GET",
            "/organizations/v1/demand_persona/trusted_network",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.body["total_items"], 2);
    // Joining a network whose organization has no active demand persona is refused.
    let r = t
        .call(
            "POST",
            "/organizations/v1/supply_persona/trusted_network",
            Some(&supply_a),
            Some(json!({"demand_persona_ids": [DEMAND_ORG, SUPPLY_B_ORG]})),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = t
        .call(
            "POST",
            "/organizations/v1/supply_persona/trusted_network",
            Some(&supply_b),
            Some(json!({"demand_persona_ids": []})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(network("").await, vec![SUPPLY_A_ORG.to_owned()]);

    // remove, add, set, supplier A joins, supplier B leaves: five changes, five events,
    // each to the demand organization alone.
    t.settle().await;
    let got = demand_sub.drain().await;
    assert_eq!(got.len(), 5, "{got:?}");
    for e in &got {
        assert_eq!(e.name(), "OrgTrustedNetworkUpdated");
        assert_eq!(e.payload["organization_id"], DEMAND_ORG);
    }

    // API keys: saved sealed, never readable back.
    let r = t
        .call(
            "POST",
            "/organizations/v1/api_keys",
            Some(&demand),
            Some(json!({"username": "maple-api", "password": "Maple-Api-Secret-1"})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = t
        .call(
            "POST",
            &sa(&format!("{SUPPLY_A_ORG}/api_keys")),
            Some(&admin),
            Some(json!({"username": "northern-api", "password": "Northern-Api-Secret-2"})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert!(!stored_anywhere(&t, "Maple-Api-Secret-1").await);
    assert!(!stored_anywhere(&t, "Northern-Api-Secret-2").await);
    let app = t.stack.app();
    let sealed = app
        .db
        .get_api_keys(SUPPLY_A_ORG.parse().unwrap())
        .await
        .unwrap()
        .expect("saved");
    let org = SUPPLY_A_ORG.to_string();
    let clear = shared::sealed::unseal(
        &app.aws,
        &sealed,
        &shared::service::organizations::api_keys_context(&org),
    )
    .await
    .unwrap();
    let clear: Value = serde_json::from_slice(&clear).unwrap();
    assert_eq!(
        clear,
        json!({"username": "northern-api", "password": "Northern-Api-Secret-2"})
    );
    let r = t.call("GET", &sa(DEMAND_ORG), Some(&admin), None).await;
    assert!(!r.body.to_string().contains("Maple-Api-Secret-1"));
    assert_eq!(r.body["username"], "demand-admin@example.com");
}
