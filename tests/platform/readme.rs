//! The README's sessions work as written: every shell block marked as runnable runs on a fresh
//! stack and again on the same stack, each on its own (a block defines what it uses), and
//! fails on any command's non-zero exit or HTTP error answer. The stack runs its stream and
//! queue pumps in the background, as `scripts/local.sh` does, so a block waits for deliveries
//! the way a reader's shell does.

use std::time::Duration;

use platform_tests::TestStack;

const MARK: &str = "<!-- runs twice in tests/platform/readme.rs -->";

/// The README's `sh` blocks, each with whether the line before it marks it as runnable.
fn shell_blocks(readme: &str) -> Vec<(bool, String)> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines().peekable();
    let mut previous = "";
    while let Some(line) = lines.next() {
        if line.trim() == "```sh" {
            let mut block = String::new();
            for l in lines.by_ref() {
                if l.trim() == "```" {
                    break;
                }
                block.push_str(l);
                block.push('\n');
            }
            blocks.push((previous.trim() == MARK, block));
        }
        previous = line;
    }
    blocks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_sessions_run_twice_on_one_stack() {
    let root = devstack::repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = shell_blocks(&readme);
    let runnable: Vec<&String> = blocks.iter().filter(|(r, _)| *r).map(|(_, b)| b).collect();
    assert!(runnable.len() >= 2, "the sessions are marked with {MARK}");
    // A block that talks to the local stack and is not marked would go untested.
    for (marked, block) in &blocks {
        let calls = block.contains("$B") || block.contains("curl ");
        let why = "this README block calls the local stack but is not marked";
        assert!(*marked || !calls, "{why} {MARK}:\n{block}");
    }

    let t = TestStack::start().await;
    let pumps = [
        t.stack.spawn_stream_pump(Duration::from_millis(100)),
        t.stack.spawn_queue_pump(Duration::from_millis(100)),
    ];
    for round in 1..=2 {
        for block in &runnable {
            // Every curl fails on an error answer, still printing the body.
            let script = format!(
                "curl() {{ command curl --fail-with-body \"$@\"; }}\nset -euo pipefail\n{block}"
            );
            let mut bash = tokio::process::Command::new("bash");
            bash.args(["-c", &script])
                .current_dir(&root)
                .env("B", &t.base);
            let out = bash.output().await.expect("bash runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let (status, failed) = (out.status, format!("round {round}: the block failed"));
            let shown = format!("{block}\nstdout:\n{stdout}");
            assert!(
                status.success(),
                "{failed} ({status}):\n{shown}\nstderr:\n{stderr}"
            );
            let empty = stdout.lines().any(|l| l.trim() == "null");
            let error = stdout.contains("\"error\"");
            assert!(
                !error && !empty,
                "round {round}: an error or an empty answer:\n{shown}"
            );
        }
    }
    for pump in pumps {
        pump.abort();
    }
}
