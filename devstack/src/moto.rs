//! Starts moto (from the project's virtualenv) on a free loopback port.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::Error;

pub struct Moto {
    pub endpoint: String,
    _child: Child,
    /// Held open: moto serves until its standard input closes (see tools/moto_server.py).
    _stdin: ChildStdin,
}

impl Moto {
    /// `root` is the repository (for `.venv/bin/python` and `tools/moto_server.py`); moto's
    /// request log goes to `log` if given.
    pub async fn start(root: &Path, log: Option<&Path>) -> Result<Self, Error> {
        let python = std::env::var_os("DEVSTACK_PYTHON")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join(".venv/bin/python"));
        if !python.exists() {
            return Err(Error::Setup(format!(
                "{} not found: create the virtualenv with scripts/setup-python.sh",
                python.display()
            )));
        }
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).map_err(|e| Error::Setup(e.to_string()))?),
            None => Stdio::null(),
        };
        let mut child = Command::new(&python)
            .arg(root.join("tools/moto_server.py"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Setup(format!("starting moto with {}: {e}", python.display())))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .map_err(|_| Error::Setup("moto did not start within 60 s".into()))?
            .map_err(|e| Error::Setup(e.to_string()))?
            .ok_or_else(|| Error::Setup("moto exited before printing its endpoint".into()))?;
        Ok(Self { endpoint: first.trim().to_owned(), _child: child, _stdin: stdin })
    }
}
