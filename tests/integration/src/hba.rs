//! The C client harness of the HBA tests: `c/hba_client.c` compiled once per test
//! process and run as one process per step against `libima.so` and our plugin, with a
//! private `ima.conf` and state file, the plugin's engine embedded in each client process
//! ([`Mode::Embedded`]) or served by an `iscsi-hbad` the harness starts ([`Mode::Daemon`]).
//! The scenarios themselves are in [`crate::hba_scenarios`]; they run in both modes.

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use crate::tgt::Tgtd;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
/// A target of the scenarios.
pub const TARGET_A: &str = "iqn.2026-12.test.hba:disk-a";
/// A target of the scenarios.
pub const TARGET_B: &str = "iqn.2026-12.test.hba:disk-b";
/// A target of the scenarios.
pub const TARGET_C: &str = "iqn.2026-12.test.hba:disk-c";
/// `IMA_ERROR_LOGIN_REJECTED` as the client prints it.
pub const LOGIN_REJECTED: &str = "0x8000000a";
/// `IMA_ERROR_INVALID_PARAMETER` as the client prints it.
pub const INVALID_PARAMETER: &str = "0xc0000000";
/// One mebibyte.
pub const MIB: u64 = 1 << 20;

/// Where the plugin's engine runs.
#[derive(Clone, Debug)]
pub enum Mode {
    /// In each client process (the daemon socket variable points at nothing).
    Embedded,
    /// In an `iscsi-hbad` (this binary) the harness starts per scenario.
    Daemon(PathBuf),
}

impl Mode {
    /// Whether this is daemon mode.
    pub fn is_daemon(&self) -> bool {
        matches!(self, Self::Daemon(_))
    }
}

/// A built artifact next to this test executable (cargo builds the cdylibs of the
/// dev-dependencies ima-lib and ima-plugin-soft before the tests run).
pub fn artifact(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("executable directory").to_path_buf();
    let candidates = [
        deps.join(name),
        deps.parent().map(|p| p.join(name)).unwrap_or_default(),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| panic!("{name} not built; looked at {candidates:?}"))
}

/// A directory laid out like an installed `libima.so`: `libima.so.1` (the SONAME the library
/// is linked with, see `ima-lib/build.rs`) and the development link `libima.so`, both
/// pointing at the built artifact. C clients link with `-L` and `-rpath` to it, so they find
/// the library by its SONAME at run time as they would after `scripts/install.sh`.
pub fn libima_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("libima-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let built = artifact("libima.so");
        for (link, to) in [
            ("libima.so.1", built.as_path()),
            ("libima.so", Path::new("libima.so.1")),
        ] {
            let link = dir.join(link);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(to, &link).expect("symlink in the temp dir");
        }
        dir
    })
}

/// The C client, compiled once per test process.
pub fn client() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("hba-c-client-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let libdir = libima_dir();
        let out = dir.join("hba_client");
        let result = Command::new("cc")
            .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror"])
            .arg(format!(
                "-I{}",
                Path::new(MANIFEST).join("../../ima-lib/include").display()
            ))
            .arg(format!(
                "-I{}",
                Path::new(MANIFEST)
                    .join("../../ima-plugin-soft/include")
                    .display()
            ))
            .arg("-pthread")
            .arg(Path::new(MANIFEST).join("c/hba_client.c"))
            .arg("-o")
            .arg(&out)
            .arg(format!("-L{}", libdir.display()))
            .arg(format!("-Wl,-rpath,{}", libdir.display()))
            .arg("-lima")
            .output()
            .expect("cc must be installed (scripts/test.sh)");
        assert!(
            result.status.success(),
            "cc failed:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
        out
    })
}

/// What iscsi-hbad logs (at info) once its engine has started.
const SERVING: &str = "iscsi-hbad serving";

/// One HBA: an `ima.conf` naming the plugin, the engine's state file, and in daemon mode
/// the daemon serving them.
pub struct Hba {
    dir: PathBuf,
    mode: Mode,
    daemon: Option<Child>,
}

impl Hba {
    /// A fresh HBA directory (and daemon).
    pub fn new(name: &str, mode: &Mode) -> Self {
        let tag = if mode.is_daemon() { "d" } else { "e" };
        let dir =
            std::env::temp_dir().join(format!("hba-scenario-{}-{tag}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scenario dir");
        let plugin = artifact("libima_plugin_soft.so");
        std::fs::write(
            dir.join("ima.conf"),
            format!("org.iscsi-ima.soft\t{}\n", plugin.display()),
        )
        .expect("ima.conf");
        let mut hba = Self {
            dir,
            mode: mode.clone(),
            daemon: None,
        };
        if mode.is_daemon() {
            hba.start_daemon();
        }
        hba
    }

    /// The engine's state file.
    pub fn state(&self) -> PathBuf {
        self.dir.join("hba.json")
    }

    /// The daemon's socket (in daemon mode; a path nobody listens on otherwise).
    pub fn socket(&self) -> PathBuf {
        self.dir.join("hbad.sock")
    }

    /// The daemon's log so far.
    pub fn daemon_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("hbad.log")).unwrap_or_default()
    }

    /// Starts the daemon on [`Hba::socket`] with [`Hba::state`] and waits until it answers.
    pub fn start_daemon(&mut self) {
        self.start_daemon_with(&[]);
    }

    /// As [`Hba::start_daemon`], with more options.
    pub fn start_daemon_with(&mut self, extra: &[&str]) {
        let Mode::Daemon(bin) = &self.mode else {
            panic!("start_daemon in embedded mode");
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("hbad.log"))
            .expect("daemon log");
        // The daemon listens before its engine has started (a second daemon must fail
        // before it touches the state), so a connection that succeeds does not yet mean
        // the engine has read and written the state file; its "serving" log line does.
        let served_before = self.daemon_log().matches(SERVING).count();
        let child = Command::new(bin)
            .args(["--socket".as_ref(), self.socket().as_os_str()])
            .args(["--state".as_ref(), self.state().as_os_str()])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start iscsi-hbad");
        self.daemon = Some(child);
        let start = Instant::now();
        while std::os::unix::net::UnixStream::connect(self.socket()).is_err()
            || self.daemon_log().matches(SERVING).count() <= served_before
        {
            if let Some(status) = self
                .daemon
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("iscsi-hbad exited ({status}):\n{}", self.daemon_log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "iscsi-hbad did not listen:\n{}",
                self.daemon_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the daemon with SIGKILL (a crash: no logout, the socket file stays).
    pub fn kill_daemon(&mut self) {
        if let Some(mut child) = self.daemon.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    pub fn stop_daemon(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.daemon.take()?;
        crate::process::stop(&mut child, Duration::from_secs(30))
    }

    /// The client with the scenario's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(client());
        c.args(args)
            .env("IMA_CONF", self.dir.join("ima.conf"))
            .env("IMA_NODE_STATE", self.dir.join("node-state"))
            .env("ISCSI_HBA_STATE", self.state())
            // Embedded mode: a path nobody listens on, so no system daemon is used.
            .env("ISCSI_HBAD_SOCKET", self.socket());
        c
    }

    /// Runs the client (60 s limit): (exit success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the client");
        let start = Instant::now();
        while child.try_wait().expect("wait").is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("hba_client {args:?} hung");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs the client and requires success.
    pub fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(
            ok,
            "hba_client {args:?} failed:\n{out}\n{err}\n{}",
            self.daemon_log()
        );
        out
    }
}

impl Drop for Hba {
    fn drop(&mut self) {
        self.stop_daemon();
    }
}

/// The lines of `out` that start with `prefix`.
pub fn lines_with<'a>(out: &'a str, prefix: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.starts_with(prefix)).collect()
}

/// The value of `key=` in `line`.
pub fn value<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

/// A private tgtd.
pub fn tgtd() -> Tgtd {
    let dir = std::env::temp_dir().join(format!("hba-tgtd-{}", std::process::id()));
    Tgtd::start(&dir).expect("tgtd must be installed and start (scripts/test.sh installs it)")
}

/// The session lines of a `sessions` run, by target name.
pub fn session_of<'a>(out: &'a str, target: &str) -> &'a str {
    lines_with(out, "session ")
        .into_iter()
        .find(|l| value(l, "target") == target)
        .unwrap_or_else(|| panic!("no session to {target}:\n{out}"))
}

/// Runs an `events-*` client: waits for its "ready" line, calls `between`, lets it go on,
/// and returns its output.
pub fn events_run(hba: &Hba, mode: &str, between: impl FnOnce()) -> (bool, String) {
    let mut child = hba
        .command(&[mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("client");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut out = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            panic!("client ended before ready:\n{out}");
        }
        out.push_str(&line);
        if line.starts_with("ready") {
            break;
        }
    }
    between();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("go");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest");
    out.push_str(&rest);
    let ok = child.wait().expect("wait").success();
    (ok, out)
}
