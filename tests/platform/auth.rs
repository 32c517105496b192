//! The Auth API against the Cognito pool, and token verification on every other route.

use platform_tests::TestStack;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_identity_and_password_flows() {
    let t = TestStack::start().await;
    let u = &t.demo.demand;

    let login = t
        .call(
            "POST",
            "/auth/v1/login",
            None,
            Some(json!({"username": u.email, "password": u.password})),
        )
        .await;
    assert_eq!(login.status, 200);
    let keys: Vec<&String> = login.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "AccessToken",
            "ExpiresIn",
            "IdToken",
            "RefreshToken",
            "TokenType"
        ]
    );
    assert_eq!(login.body["TokenType"], "Bearer");

    let id_token = login.body["IdToken"].as_str().unwrap();
    let me = t
        .call("GET", "/auth/v1/current_identity", Some(id_token), None)
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], u.email.as_str());
    assert_eq!(me.body["groups"], json!(["org_admin"]));
    assert_eq!(
        me.body["organization_id"],
        u.organization.as_ref().unwrap().id.to_string()
    );

    let wrong = t
        .call(
            "POST",
            "/auth/v1/login",
            None,
            Some(json!({"username": u.email, "password": "nope-Passw0rd!"})),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["error"], "unauthorized");
    let unknown = t
        .call(
            "POST",
            "/auth/v1/login",
            None,
            Some(json!({"username": "ghost@example.com", "password": "x"})),
        )
        .await;
    assert_eq!(unknown.status, 401);
    assert_eq!(
        unknown.body["message"], wrong.body["message"],
        "no user enumeration"
    );
    assert_eq!(
        t.call(
            "POST",
            "/auth/v1/login",
            None,
            Some(json!({"username": ""}))
        )
        .await
        .status,
        400
    );

    let access = login.body["AccessToken"].as_str().unwrap();
    let changed = t
        .call("POST", "/auth/v1/change_password", None, Some(json!({"access_token": access, "old_password": u.password, "new_password": "Changed-Passw0rd!"})))
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    let relog = t
        .call(
            "POST",
            "/auth/v1/login",
            None,
            Some(json!({"username": u.email, "password": "Changed-Passw0rd!"})),
        )
        .await;
    assert_eq!(relog.status, 200);

    assert_eq!(
        t.call(
            "POST",
            "/auth/v1/forgot_password",
            None,
            Some(json!({"username": u.email}))
        )
        .await
        .status,
        204
    );
    assert_eq!(
        t.call(
            "POST",
            "/auth/v1/forgot_password",
            None,
            Some(json!({"username": "ghost@example.com"}))
        )
        .await
        .status,
        204
    );
    // A wrong code and an unknown user get the same 400 (moto checks codes it issued itself).
    let confirm = |username: &str, code: &str| json!({"username": username, "confirmation_code": code, "new_password": "Another-Passw0rd!"});
    let wrong_code = t
        .call(
            "POST",
            "/auth/v1/confirm_forgot_password",
            None,
            Some(confirm(&u.email, "moto-confirmation-code:wrong")),
        )
        .await;
    assert_eq!(wrong_code.status, 400, "{:?}", wrong_code.body);
    let ghost = t
        .call(
            "POST",
            "/auth/v1/confirm_forgot_password",
            None,
            Some(confirm("ghost@example.com", "123456")),
        )
        .await;
    assert_eq!(ghost.status, 400, "{:?}", ghost.body);
    assert_eq!(ghost.body, wrong_code.body);
    assert_eq!(
        t.call("GET", "/auth/v1/status/healthz", None, None)
            .await
            .body,
        json!({"status": "ok"})
    );
    assert_eq!(
        t.call("GET", "/offers/v1/status/healthz", None, None)
            .await
            .body,
        json!({"status": "ok"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_route_verifies_the_token() {
    let t = TestStack::start().await;
    let app = t.stack.app();
    let now = chrono::Utc::now().timestamp();
    let org = t.demo.demand.organization.as_ref().unwrap().id.to_string();
    let claims = |exp: i64, aud: &str, token_use: &str, iss: String| {
        json!({"sub": "u1", "aud": aud, "iss": iss, "exp": exp, "iat": now - 10, "token_use": token_use,
               "email": "x@example.com", "cognito:groups": ["org_admin"], "custom:organization_id": org})
    };
    let iss = app.config.issuer();
    let client = app.config.user_pool_client_id.clone();
    let good = t.forge_token(&claims(now + 600, &client, "id", iss.clone()));
    let expired = t.forge_token(&claims(now - 60, &client, "id", iss.clone()));
    let wrong_audience = t.forge_token(&claims(now + 600, "someone-else", "id", iss.clone()));
    let access_token = t.forge_token(&claims(now + 600, &client, "access", iss.clone()));
    let other_pool = t.forge_token(&claims(
        now + 600,
        &client,
        "id",
        "https://cognito-idp.us-east-1.amazonaws.com/other".into(),
    ));
    let mut tampered = good.clone();
    tampered.insert(good.find('.').unwrap() + 3, 'x');

    // The control: a well-formed token is accepted.
    assert_eq!(
        t.call("GET", "/offers/v1/outbox/offers", Some(&good), None)
            .await
            .status,
        200
    );
    let bearer = format!("Bearer {good}");
    assert_eq!(
        t.call("GET", "/offers/v1/outbox/offers", Some(&bearer), None)
            .await
            .status,
        200
    );

    let routes = [
        ("GET", "/auth/v1/current_identity"),
        ("GET", "/offers/v1/outbox/offers"),
        ("POST", "/offers/v1/outbox/offers"),
        ("GET", "/offers/v1/inbox/offers"),
        ("GET", "/offers/v1/outbox/referrals"),
        ("GET", "/offers/v1/inbox/referrals"),
        ("GET", "/offers/v1/demand_personas/settings/assignment"),
    ];
    for (method, path) in routes {
        for (what, token) in [
            ("missing", None),
            ("garbage", Some("not-a-jwt")),
            ("expired", Some(expired.as_str())),
            ("wrong audience", Some(wrong_audience.as_str())),
            ("access token", Some(access_token.as_str())),
            ("other issuer", Some(other_pool.as_str())),
            ("tampered", Some(tampered.as_str())),
        ] {
            let r = t.call(method, path, token, Some(json!({}))).await;
            assert_eq!(
                r.status, 401,
                "{what} token on {method} {path}: {:?}",
                r.body
            );
            assert_eq!(
                r.body,
                json!({"error": "unauthorized", "message": "Unauthorized"})
            );
        }
    }

    // A valid user outside org_admin is refused on organization routes.
    let sys = t.login(&t.demo.sys_admin).await;
    let r = t
        .call("GET", "/offers/v1/outbox/offers", Some(&sys), None)
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
}
