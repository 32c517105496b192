//! Links the Lambda artifacts (this package's binaries) as non-PIE executables.
//!
//! A position-independent binary of this size carries 30–45 k relative relocations: the loader
//! writes each one at start-up, which copies every page of `.data.rel.ro` (about 150 pages)
//! before `main`. That was most of our cold init over an empty lambda_runtime binary (1.22–1.31 ×
//! against 1.06–1.10 × non-PIE; docs/performance.md, "Cold init"). What is given up is the random
//! load address of the executable image itself; libraries, heap, stack and mappings stay
//! randomized, and NX and full RELRO stay on (docs/architecture.md, "Binaries").
//!
//! `-no-pie` is a link argument, so the objects and the build scripts are unchanged; gcc and
//! cargo-lambda's `zig cc` both honour it after rustc's own `-pie`.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
