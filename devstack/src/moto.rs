//! Starts moto (from the project's virtualenv) on a free loopback port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use crate::Error;

pub struct Moto {
    pub endpoint: String,
    pub pid: u32,
    child: Mutex<Child>,
    /// Held open: moto serves until its standard input closes (see tools/moto_server.py), so
    /// it also ends when this process dies without running destructors.
    _stdin: ChildStdin,
}

/// The Python that has moto: `DEVSTACK_PYTHON`, else the project's `.venv`.
pub fn python(root: &Path) -> PathBuf {
    std::env::var_os("DEVSTACK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"))
}

impl Moto {
    /// `root` is the repository (for the virtualenv and `tools/moto_server.py`); moto's request
    /// log goes to `log` if given. Blocks until moto listens (about a second).
    pub fn start(root: &Path, log: Option<&Path>) -> Result<Self, Error> {
        let python = python(root);
        if !python.exists() {
            return Err(Error::Setup(format!(
                "{} not found: run scripts/setup-python.sh (the README's commands do)",
                python.display()
            )));
        }
        let stderr = match log {
            Some(path) => {
                Stdio::from(std::fs::File::create(path).map_err(|e| Error::Setup(e.to_string()))?)
            }
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
            .spawn()
            .map_err(|e| Error::Setup(format!("starting moto with {}: {e}", python.display())))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.starts_with("http") => line,
            _ => {
                let _ = child.kill();
                return Err(Error::Setup("moto did not start within 60 s".into()));
            }
        };
        Ok(Self {
            endpoint: line.trim().to_owned(),
            pid: child.id(),
            child: Mutex::new(child),
            _stdin: stdin,
        })
    }

    /// How moto ended, once it has (killed by the kernel for memory, crashed, stopped).
    pub fn exited(&self) -> Option<ExitStatus> {
        self.child
            .lock()
            .expect("moto lock")
            .try_wait()
            .ok()
            .flatten()
    }

    /// moto's resident memory now, in MiB (Linux; `None` elsewhere or once it has ended).
    pub fn rss_mib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        Some(kib / 1024)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let child = self.child.get_mut().expect("moto lock");
        let _ = child.kill();
        let _ = child.wait();
    }
}
