//! The Auth API against the Cognito pool, and token verification on every other route.

use platform_tests::given::{self, text};
use platform_tests::{TestStack, assert_fields};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_identity_and_password_flows() {
    let t = TestStack::start().await;
    let u = &t.demo.demand;

    let auth = t.auth();
    let credentials = |password: &str| json!({"username": u.email, "password": password});

    let login = auth.login(credentials(&u.password)).await.ok(200);
    let keys = login.as_object().unwrap().keys();
    let keys: Vec<&str> = keys.map(String::as_str).collect();
    let expected = "AccessToken ExpiresIn IdToken RefreshToken TokenType";
    assert_eq!(keys.join(" "), expected);
    assert_eq!(login["TokenType"], "Bearer");

    let id_token = text(&login["IdToken"]);
    let me = t.auth_as(&id_token).current_identity().await.ok(200);
    assert_fields!(me, {"email": u.email, "groups": ["org_admin"],
        "organization_id": given::org(u).to_string()});

    let wrong = auth.login(credentials("nope-Passw0rd!")).await.ok(401);
    assert_eq!(wrong["error"], "unauthorized");
    let ghost = json!({"username": "ghost@example.com", "password": "x"});
    let unknown = auth.login(ghost).await.ok(401);
    assert_eq!(unknown["message"], wrong["message"], "no user enumeration");
    auth.login(json!({"username": ""})).await.ok(400);

    let change = json!({"access_token": login["AccessToken"], "old_password": u.password,
        "new_password": "Changed-Passw0rd!"});
    auth.change_password(change).await.ok(204);
    auth.login(credentials("Changed-Passw0rd!")).await.ok(200);

    let forgot = json!({"username": u.email});
    auth.forgot_password(forgot).await.ok(204);
    let forgot = json!({"username": "ghost@example.com"});
    auth.forgot_password(forgot).await.ok(204);
    // A wrong code and an unknown user get the same 400 (moto checks codes it issued itself).
    let confirm = |username: &str, code: &str| json!({"username": username, "confirmation_code": code, "new_password": "Another-Passw0rd!"});
    let wrong_code = confirm(&u.email, "moto-confirmation-code:wrong");
    let wrong_code = auth.confirm_forgot_password(wrong_code).await.ok(400);
    let ghost = confirm("ghost@example.com", "123456");
    let ghost = auth.confirm_forgot_password(ghost).await.ok(400);
    assert_eq!(ghost, wrong_code);
    assert_eq!(auth.health().await.body, json!({"status": "ok"}));
    let offers = t.call("GET", "/offers/v1/status/healthz", None, None).await;
    assert_eq!(offers.body, json!({"status": "ok"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_route_verifies_the_token() {
    let t = TestStack::start().await;
    let app = t.stack.app();
    let now = chrono::Utc::now().timestamp();
    let org = given::org(&t.demo.demand).to_string();
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
    let other_issuer = "https://cognito-idp.us-east-1.amazonaws.com/other".to_owned();
    let other_pool = t.forge_token(&claims(now + 600, &client, "id", other_issuer));
    let mut tampered = good.clone();
    tampered.insert(good.find('.').unwrap() + 3, 'x');

    // The control: a well-formed token is accepted.
    t.offers(&good).outbox_list("").await.ok(200);
    let bearer = format!("Bearer {good}");
    t.offers(&bearer).outbox_list("").await.ok(200);

    let routes = [
        ("GET", "/auth/v1/current_identity"),
        ("GET", "/offers/v1/outbox/offers"),
        ("POST", "/offers/v1/outbox/offers"),
        ("GET", "/offers/v1/inbox/offers"),
        ("GET", "/offers/v1/outbox/referrals"),
        ("GET", "/offers/v1/inbox/referrals"),
        ("GET", "/offers/v1/demand_personas/settings/assignment"),
    ];
    let unauthorized = json!({"error": "unauthorized", "message": "Unauthorized"});
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
            let body = r.ok_as(401, format!("{what} token on {method} {path}"));
            assert_eq!(body, unauthorized);
        }
    }

    // A valid user outside org_admin is refused on organization routes.
    let sys = t.login(&t.demo.sys_admin).await;
    t.offers(&sys).outbox_list("").await.ok(403);
}
