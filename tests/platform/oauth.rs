//! Machine clients: registration, the client-credentials grant and token checks on the
//! machine APIs.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use platform_tests::given::text;
use platform_tests::{TestStack, assert_fields};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_grant_and_registration() {
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    let org_admin = t.login(&t.demo.demand).await;

    // Only a sys_admin registers clients; the secret is shown once and stored only hashed.
    let body = json!({"client_id": "shop-etl", "tenant": "shop", "scopes": ["collector:events", "collector:jobs"]});
    let clients = t.oauth_clients(&admin);
    let refused = t.oauth_clients(&org_admin).register(body.clone()).await;
    assert_eq!(refused.ok(403)["error"], "unauthorized_client");
    let created = clients.register(body.clone()).await.ok(201);
    let secret = text(&created["client_secret"]);
    let secret = secret.as_str();
    clients.register(body).await.ok(409);
    let shown = clients.get("shop-etl").await.ok(200);
    assert!(shown.get("client_secret").is_none());
    let stored = format!("{:?}", t.items().await);
    assert!(!stored.contains(secret), "the secret is stored in clear");

    // The grant, as TWC's documentation shows it.
    let form = |id, s| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", s),
        ]
    };
    let ask = async |realm, f: Vec<(&str, &str)>| t.token_request(realm, &f).await;
    let ok = ask("shop", form("shop-etl", secret)).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_fields!(ok.body, {"token_type": "Bearer", "expires_in": 3600,
        "scope": "collector:events collector:jobs"});
    let token = ok.body["access_token"].as_str().unwrap();
    let payload = URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap());
    let claims: serde_json::Value = serde_json::from_slice(&payload.unwrap()).unwrap();
    assert_fields!(claims, {"tenant": "shop", "client_id": "shop-etl"});

    // Credentials in an HTTP Basic header work too.
    let basic = format!("Basic {}", STANDARD.encode(format!("shop-etl:{secret}")));
    let form_type = ("content-type", "application/x-www-form-urlencoded");
    let path = "/auth/realms/shop/protocol/openid-connect/token";
    let body = "grant_type=client_credentials&scope=collector%3Ajobs";
    let headers = [form_type, ("authorization", &basic)];
    let r = t.request("POST", path, &headers, Some(body)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["scope"], "collector:jobs");

    // Refusals, in RFC 6749's shape.
    let password_grant = vec![("grant_type", "password"), ("client_id", "shop-etl")];
    let no_grant = vec![("client_id", "shop-etl")];
    let other_scope = [form("shop-etl", secret), vec![("scope", "listener:hub")]].concat();
    for (realm, f, status, error) in [
        ("shop", form("shop-etl", "wrong"), 401, "invalid_client"),
        ("other", form("shop-etl", secret), 401, "invalid_client"),
        ("shop", form("nobody", secret), 401, "invalid_client"),
        ("shop", password_grant, 400, "unsupported_grant_type"),
        ("shop", no_grant, 400, "invalid_request"),
        ("shop", other_scope, 400, "invalid_scope"),
    ] {
        let r = ask(realm, f.clone()).await;
        assert_eq!(r.status, status, "{realm} {f:?}: {:?}", r.body);
        assert_eq!(r.body["error"], error, "{f:?}");
        assert!(r.body["error_description"].is_string());
    }

    // A deactivated client gets no more tokens.
    clients.deactivate("shop-etl").await.ok(204);
    let r = ask("shop", form("shop-etl", secret)).await;
    assert_eq!(r.status, 401);
}
