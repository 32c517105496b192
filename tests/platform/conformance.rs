//! Schemathesis drives every operation of docs/openapi.yaml against a running stack with valid
//! credentials for each API family: no request may cause a server error, and every response
//! must match the documented status codes, content types and schemas.
//!
//! Not checked: acceptance of every schema-valid request (rules the schema cannot express,
//! such as an expiry in the past, are rightly refused with 422) and 405 for undeclared methods
//! (API Gateway answers 404 for a route it does not have, and so does the local stack).

use platform_tests::TestStack;
use platform_tests::given::text;

/// Runs schemathesis over the operations `filter` selects, sending `headers` on every request.
async fn schemathesis(t: &TestStack, filter: [&str; 2], headers: &[String]) {
    let root = devstack::repo_root();
    let st = root.join(".venv/bin/st");
    let mut cmd = tokio::process::Command::new(&st);
    cmd.current_dir(&root)
        .args(["run", "docs/openapi.yaml", "--url", &t.base])
        .args(filter);
    for h in headers {
        cmd.args(["--header", h]);
    }
    let output = cmd
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", "15", "--seed", "20261122", "--workers", "1"])
        .args(["--suppress-health-check", "all"])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .env("NO_COLOR", "1")
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} runs: {e}", st.display()));
    let report = String::from_utf8_lossy(&output.stdout);
    // "Operations:  13 selected / 40 total": a filter that selects nothing tests nothing.
    let count = |(before, _): (&str, _)| before.split_whitespace().last()?.parse().ok();
    let selected: usize = report.split_once(" selected").and_then(count).unwrap_or(0);
    assert!(
        selected > 0,
        "no operation selected by {filter:?}:\n{report}"
    );
    eprintln!("schemathesis {filter:?}: {selected} operations");
    assert!(
        output.status.success(),
        "schemathesis found failures ({filter:?}):\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_conforms_to_the_openapi_document() {
    let t = TestStack::start().await;
    // Participants: the AlayaMarket APIs and client registration, with an org_admin's IdToken.
    let token = t.login(&t.demo.demand).await;
    let participants = [
        "--exclude-path-regex",
        "^/(api/v1|notification|externalapi)/",
    ];
    schemathesis(&t, participants, &[format!("Authorization: {token}")]).await;
    // The sys_admin operations of the Offers and Organizations APIs, with a sys_admin's
    // IdToken (the pass above only sees their 403).
    let admin = t.login(&t.demo.sys_admin).await;
    let sys_admin = [
        "--include-path-regex",
        "^/(offers|organizations)/v1/sys_admin/",
    ];
    schemathesis(&t, sys_admin, &[format!("Authorization: {admin}")]).await;
    // Machine clients, with the demo tenant's token (every machine scope).
    let m = &t.demo.machine;
    let client = [
        ("client_id", m.client_id.as_str()),
        ("client_secret", &m.secret),
    ];
    let form = [&[("grant_type", "client_credentials")][..], &client].concat();
    let grant = t.token_request(&m.tenant, &form).await;
    let bearer = format!(
        "Authorization: Bearer {}",
        text(&grant.body["access_token"])
    );
    let collector = ["--include-path-regex", "^/api/v1/"];
    let tenant = format!("X-TWC-Tenant: {}", m.tenant);
    schemathesis(&t, collector, &[bearer.clone(), tenant]).await;
    let others = ["--include-path-regex", "^/(notification|externalapi)/"];
    schemathesis(&t, others, &[bearer]).await;
}
