//! The Lambda artifact of every function in stacks/auth.yaml: see `functions::run`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run(env!("CARGO_BIN_NAME"), functions::registry::AUTH_HANDLERS).await
}
