//! The sys_admin side of the Organizations API and sign-up: a sys_admin signs up and confirms
//! an organization whose admin then logs in; anonymous sign-up with an approval; sys_admin
//! changes to another organization's personas, care types and trusted network (with
//! `OrgTrustedNetworkUpdated` to the demand); a supplier joining and leaving demand networks;
//! API keys sealed at rest; participants refused on every sys_admin route; bad input writes
//! nothing.

use devstack::seed::{DEMAND_ORG, DEMO_APPROVAL, SUPPLY_A_ORG, SUPPLY_B_ORG};
use platform_tests::given::{self, SIGN_UP_PASSWORD as PASSWORD, ids, sign_up_body, text};
use platform_tests::{TestStack, assert_fields};
use serde_json::{Value, json};
use shared::kernel::ids::OrgId;

/// Whether Cognito has a user of that name (a refused sign-up must leave none).
async fn user_exists(t: &TestStack, username: &str) -> bool {
    let (app, pool) = (t.stack.app(), &t.stack.app().config.user_pool_id);
    let get = app.aws.cognito().await.admin_get_user().user_pool_id(pool);
    get.username(username).send().await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_admin_signs_up_an_organization_whose_admin_logs_in() {
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    let demand = t.login(&t.demo.demand).await;
    let sa = t.organizations(&admin).sys_admin();
    let username = "riverside-admin@example.org";
    let host = "https://care.riverside.example";

    // Refused input: a 400 with the AlayaMarket body, no item, no Cognito user.
    let before = t.item_count().await;
    let body = sign_up_body(username, host);
    for (field, value) in [
        ("host", json!("http://care.riverside.example")),
        ("host", json!("https://riverside.example/")),
        ("email", json!("not-an-email")),
        ("password", json!("")),
        ("address", json!({"address": "1 King St W"})),
        ("phone_number", Value::Null),
        // Cognito's password policy refuses it: also a 400, and the claim is released.
        ("password", json!("short")),
    ] {
        let bad = given::with(&body, field, value);
        sa.sign_up(bad).await.refused(400, "");
    }
    // An alayacare organization needs its branch: 422.
    let no_branch = given::with(&body, "source", "alayacare");
    sa.sign_up(no_branch).await.ok(422);
    // A participant may not sign organizations up.
    let participant = t.organizations(&demand).sys_admin();
    participant.sign_up(body.clone()).await.ok(403);
    t.assert_wrote_nothing(before).await;
    assert!(!user_exists(&t, username).await);

    let org = sa.sign_up(body).await.ok(200);
    let org_id = text(&org["id"]);
    assert_eq!(org["username"], username);
    assert_eq!(org["name"], "Riverside Care");
    assert_eq!(org["host"], host);
    let phone = json!({"number": "+14165550111", "extension": "12"});
    assert_eq!(org["phone"], phone);
    assert_eq!(org["address"]["city"], "Toronto");
    assert_eq!(org["demand_persona"], json!({"status": "disabled"}));
    let disabled = json!({"status": "disabled", "care_types": []});
    assert_eq!(org["supply_persona"], disabled);
    assert!(!org.to_string().contains(PASSWORD));
    assert!(!t.stored_anywhere(PASSWORD).await);

    // The username and the host are taken; the refused second sign-up leaves no user.
    let other_host = sign_up_body(username, "https://other.riverside.example");
    sa.sign_up(other_host).await.ok(409);
    let copycat = sign_up_body("copycat@example.org", host);
    sa.sign_up(copycat).await.ok(409);
    assert!(!user_exists(&t, "copycat@example.org").await);

    // Unconfirmed: no login yet.
    let user = given::signed_up_user(username, PASSWORD);
    let credentials = json!({"username": username, "password": PASSWORD});
    t.auth().login(credentials).await.ok(401);
    // Only users of a finished sign-up can be confirmed.
    let copycat = json!({"username": "copycat@example.org"});
    sa.admin_confirm_sign_up(copycat).await.ok(404);
    let confirm = json!({"username": username});
    sa.admin_confirm_sign_up(confirm).await.ok(204);
    // Confirming again (with a code this time) changes nothing.
    let confirm = json!({"username": username, "confirmation_code": "123456"});
    sa.confirm_sign_up(confirm).await.ok(204);

    let token = t.login(&user).await;
    let me = t.auth_as(&token).current_identity().await.ok(200);
    assert_fields!(me, {"organization_id": org_id, "groups": ["org_admin"], "email": username});
    let persona = t.organizations(&token).demand_persona().await.ok(200);
    assert_eq!(persona, json!({"status": "disabled"}));

    // The sys_admin directory finds it by username; edit renames it.
    let r = sa.list(&format!("username={username}")).await;
    assert_eq!(ids(&r.body), vec![org_id.clone()]);
    assert_eq!(r.body["items"][0]["email"], "contact@riverside.example.org");
    let edit = json!({"name": "Riverside Home Care", "address": {"name": "Main office"}});
    sa.edit(&org_id, edit).await.ok(204);
    let r = sa.get(&org_id).await;
    assert_fields!(r.body, {"name": "Riverside Home Care", "address": {"name": "Main office"}});
    sa.get(&OrgId::new().to_string()).await.ok(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_sign_up_uses_its_approval_once() {
    let t = TestStack::start().await;
    let anonymous = t.organizations_anonymously();
    let guessed = json!({"approval_id": "guessed"});
    anonymous.directory_with_approval("", guessed).await.ok(403);
    let approval = json!({"approval_id": DEMO_APPROVAL});
    let directory = anonymous.directory_with_approval("is_supply=true", approval.clone());
    directory.await.counted(2);

    let mut body = sign_up_body("self-serve@example.org", "https://care.selfserve.example");
    body["approval_id"] = json!("guessed");
    anonymous.sign_up(body.clone()).await.ok(403);
    // The anonymous username is the admin's email.
    body["approval_id"] = json!(DEMO_APPROVAL);
    body["username"] = json!("self-serve");
    anonymous.sign_up(body.clone()).await.ok(400);
    assert!(!user_exists(&t, "self-serve@example.org").await);

    body["username"] = json!("self-serve@example.org");
    let signed_up = anonymous.sign_up(body.clone()).await.ok(200);
    let org_id = text(&signed_up["id"]);
    assert_eq!(signed_up.as_object().unwrap().len(), 1, "{signed_up}");
    // Confirmed by the approval: the admin logs in at once, into its organization.
    let admin = given::signed_up_user("self-serve@example.org", PASSWORD);
    let token = t.login(&admin).await;
    let me = t.auth_as(&token).current_identity().await;
    assert_eq!(me.body["organization_id"], org_id.as_str());
    // The approval is used up.
    body["username"] = json!("second@example.org");
    body["host"] = json!("https://care.second.example");
    anonymous.sign_up(body).await.ok(403);
    assert!(!user_exists(&t, "second@example.org").await);
    let used_up = anonymous.directory_with_approval("", approval).await;
    used_up.ok(403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sys_admin_manages_another_organizations_settings() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let admin = logins.sys_admin.clone();
    let (demand, supply_a, supply_b) = logins.parties();
    let demand_sub = given::subscriber(&t, &t.demo.demand).await;

    // Every sys_admin route refuses a participant with 403, and writes nothing.
    let before = t.item_count().await;
    let mut checked = 0;
    for (_, _, method, path) in t.routes() {
        if !path.starts_with("/organizations/v1/sys_admin") {
            continue;
        }
        let path = path.replace("{organization_id}", SUPPLY_A_ORG);
        let body = (method == "POST").then(|| json!({}));
        let r = t.call(method, &path, Some(&demand), body).await;
        r.ok_as(403, format!("{method} {path}"));
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
    t.assert_wrote_nothing(before).await;

    // Personas and care types of another organization, through the participant use cases.
    let orgs = t.organizations(&admin);
    let a = orgs.of(SUPPLY_A_ORG);
    let own_a = t.organizations(&supply_a);
    a.deactivate_supply().await.ok(204);
    assert_eq!(own_a.supply_persona().await.body["status"], "disabled");
    a.activate_supply().await.ok(204);
    let care_types = json!({"care_types": ["nursing"]});
    a.set_care_types(care_types).await.ok(204);
    let nursing = json!({"status": "active", "care_types": ["nursing"]});
    assert_eq!(a.supply_persona().await.body, nursing);
    a.activate_demand().await.ok(204);
    let demand_persona = own_a.demand_persona().await.body;
    assert_eq!(demand_persona, json!({"status": "active"}));
    let care_types = json!({"care_types": ["dentistry"]});
    a.set_care_types(care_types).await.ok(400);
    let unknown = OrgId::new().to_string();
    orgs.of(&unknown).activate_demand().await.ok(404);

    // The demand's trusted network: remove, add (twice: the second is a no-op), set.
    let d = orgs.of(DEMAND_ORG);
    let network = |query: &'static str| async move { ids(&d.demand_network(query).await.ok(200)) };
    let only_b = || json!({"supply_persona_ids": [SUPPLY_B_ORG]});
    d.remove_from_demand_network(only_b()).await.ok(204);
    assert_eq!(network("").await, vec![SUPPLY_A_ORG.to_owned()]);
    for _ in 0..2 {
        d.add_to_demand_network(only_b()).await.ok(204);
    }
    assert_eq!(network("").await.len(), 2);
    d.set_demand_network(only_b()).await.ok(204);
    assert_eq!(network("").await, vec![SUPPLY_B_ORG.to_owned()]);
    assert_eq!(network("status=disabled").await, Vec::<String>::new());
    let before = t.item_count().await;
    let unknown = json!({"supply_persona_ids": [OrgId::new()]});
    d.add_to_demand_network(unknown).await.ok(422);
    t.assert_wrote_nothing(before).await;

    // A supplier joins and leaves a demand's network itself.
    let join = json!({"demand_persona_ids": [DEMAND_ORG]});
    own_a.set_supply_network(join).await.ok(204);
    let own_network = t.organizations(&demand).demand_network("").await;
    assert_eq!(own_network.body["total_items"], 2);
    // Joining a network whose organization has no active demand persona is refused.
    let join = json!({"demand_persona_ids": [DEMAND_ORG, SUPPLY_B_ORG]});
    own_a.set_supply_network(join).await.ok(422);
    let leave = json!({"demand_persona_ids": []});
    let left = t.organizations(&supply_b).set_supply_network(leave).await;
    left.ok(204);
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
    let keys = json!({"username": "maple-api", "password": "Maple-Api-Secret-1"});
    t.organizations(&demand).set_api_keys(keys).await.ok(204);
    let northern = json!({"username": "northern-api", "password": "Northern-Api-Secret-2"});
    a.set_api_keys(northern.clone()).await.ok(204);
    assert!(!t.stored_anywhere("Maple-Api-Secret-1").await);
    assert!(!t.stored_anywhere("Northern-Api-Secret-2").await);
    let app = t.stack.app();
    let sealed = app.db.get_api_keys(SUPPLY_A_ORG.parse().unwrap()).await;
    let sealed = sealed.unwrap().expect("saved");
    let context = shared::marketplace::usecases::organizations::api_keys_context(SUPPLY_A_ORG);
    let clear = shared::infra::sealed::unseal(&app.aws, &sealed, &context).await;
    let clear: Value = serde_json::from_slice(&clear.unwrap()).unwrap();
    assert_eq!(clear, northern);
    let r = orgs.sys_admin().get(DEMAND_ORG).await;
    assert!(!r.body.to_string().contains("Maple-Api-Secret-1"));
    assert_eq!(r.body["username"], "demand-admin@example.com");
}
