//! `scripts/devstack.sh` builds the local stack with `cargo build --workspace --bin devstack`
//! and expects to find what `scripts/test.sh` built: that holds while no member's
//! dev-dependencies turn on a feature the normal build lacks (a test build would then compile
//! every crate above that one again, the AWS SDK included, for the local stack).

use std::collections::BTreeMap;
use std::process::Command;

/// `package version` → its enabled features, as `cargo tree` resolves them for `edges`.
fn features(edges: &str) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--workspace",
            "--offline",
            "-e",
            edges,
            "--prefix",
            "none",
            "-f",
            "{p}|{f}",
        ])
        .current_dir(devstack::repo_root())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (package, features) = l.trim_end_matches(" (*)").split_once('|')?;
            let package: Vec<&str> = package.split(' ').take(2).collect();
            Some((package.join(" "), features.to_owned()))
        })
        .collect()
}

#[test]
fn dev_dependencies_add_no_features_to_the_local_stacks_build() {
    let normal = features("normal,build");
    let with_dev = features("normal,build,dev");
    let differing: Vec<String> = normal
        .iter()
        .filter_map(|(package, f)| {
            let dev = with_dev.get(package)?;
            (dev != f).then(|| format!("{package}: [{f}] in the build, [{dev}] in the tests"))
        })
        .collect();
    assert!(
        differing.is_empty(),
        "give these features to a normal dependency, or drop them from the dev-dependency:\n{}",
        differing.join("\n")
    );
}
