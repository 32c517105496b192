//! The Lambda artifact of every function in stacks/notification.yaml: see `functions::run`.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run(
        env!("CARGO_BIN_NAME"),
        functions::registry::NOTIFICATION_HANDLERS,
    )
    .await
}
