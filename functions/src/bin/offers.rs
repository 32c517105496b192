//! The Lambda artifact of every function in stacks/offers.yaml: see `functions::run`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run(env!("CARGO_BIN_NAME"), functions::registry::OFFERS_HANDLERS).await
}
