//! Schemathesis drives every operation of docs/openapi.yaml against a running stack with a
//! valid token: no request may cause a server error, and every response must match the
//! documented status codes, content types and schemas.
//!
//! Not checked: acceptance of every schema-valid request (rules the schema cannot express,
//! such as an expiry in the past, are rightly refused with 422) and 405 for undeclared methods
//! (API Gateway answers 404 for a route it does not have, and so does the local stack).

use platform_tests::TestStack;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_conforms_to_the_openapi_document() {
    let t = TestStack::start().await;
    let token = t.login(&t.demo.demand).await;
    let root = devstack::repo_root();
    let st = root.join(".venv/bin/st");
    let output = tokio::process::Command::new(&st)
        .current_dir(&root)
        .args(["run", "docs/openapi.yaml", "--url", &t.base])
        .args(["--header", &format!("Authorization: {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", "15", "--seed", "20261122", "--workers", "2"])
        .args(["--suppress-health-check", "all"])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .env("NO_COLOR", "1")
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} runs: {e}", st.display()));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
