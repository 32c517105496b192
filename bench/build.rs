//! The cold-init baseline is linked like the Lambda artifacts it is compared with
//! (functions/build.rs): an empty binary with the same profile and the same `-no-pie`.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=empty-lambda=-no-pie");
    }
}
