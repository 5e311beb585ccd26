//! Runs a private `tgtd` (the Linux SCSI target framework daemon) on a free loopback port,
//! with file-backed LUs, for interoperability tests against a real target.
//!
//! Each [`Tgtd`] has its own portal port and control port, so tests can run several in
//! parallel, and is stopped by PID (TERM, then KILL) when dropped — never by name, since
//! other daemons may be running.

use std::{
    net::Ipv4Addr,
    path::{Path, PathBuf},
    process::{Child, Command},
    sync::atomic::{AtomicU16, Ordering},
    time::{Duration, Instant},
};

use iscsi_initiator::Portal;
use iscsi_proto::discovery::Host;

/// Why a tgtd could not be set up.
#[derive(Debug)]
pub struct TgtError(pub String);

impl std::fmt::Display for TgtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TgtError {}

/// Whether `tgtd` and `tgtadm` are installed.
pub fn available() -> bool {
    crate::process::installed(&["tgtd", "tgtadm"])
}

/// A running tgtd.
pub struct Tgtd {
    child: Option<Child>,
    control: u16,
    port: u16,
    dir: PathBuf,
    next_tid: u32,
}

/// Control ports are small numbers (tgtadm refuses large ones); spread by PID so parallel
/// test binaries do not collide.
static NEXT_CONTROL: AtomicU16 = AtomicU16::new(0);

impl Tgtd {
    /// Starts a tgtd on 127.0.0.1 and a free port, keeping its files under `dir`.
    ///
    /// # Errors
    ///
    /// When tgtd is missing or does not come up.
    pub fn start(dir: &Path) -> Result<Self, TgtError> {
        if !available() {
            return Err(TgtError(
                "tgtd is not installed (scripts/test.sh installs it)".into(),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| TgtError(format!("{}: {e}", dir.display())))?;
        let port = free_port()?;
        let base = 1000 + (std::process::id() % 400) as u16 * 50;
        let control = base + NEXT_CONTROL.fetch_add(1, Ordering::Relaxed) % 50;
        let log =
            std::fs::File::create(dir.join("tgtd.log")).map_err(|e| TgtError(e.to_string()))?;
        let child = Command::new("tgtd")
            .args([
                "-f",
                "-C",
                &control.to_string(),
                "--iscsi",
                &format!("portal=127.0.0.1:{port}"),
            ])
            .stdout(log.try_clone().map_err(|e| TgtError(e.to_string()))?)
            .stderr(log)
            .spawn()
            .map_err(|e| TgtError(format!("spawning tgtd: {e}")))?;
        let tgtd = Self {
            child: Some(child),
            control,
            port,
            dir: dir.to_owned(),
            next_tid: 1,
        };
        // Ready when the control socket answers and the portal accepts connections.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let control_ok = tgtd.adm(&["--op", "show", "--mode", "target"]).is_ok();
            let portal_ok = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if control_ok && portal_ok {
                break;
            }
            if Instant::now() > deadline {
                return Err(TgtError(format!("tgtd did not come up on port {port}")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(tgtd)
    }

    /// The portal, `127.0.0.1:port`.
    pub fn portal(&self) -> Portal {
        Portal {
            host: Host::Ipv4(Ipv4Addr::LOCALHOST),
            port: self.port,
            tpgt: None,
        }
    }

    /// The portal port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Adds a target with one file-backed LU (LUN 1) of `size` bytes; returns the target
    /// name and the backing file.
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn add_target(&mut self, name: &str, size: u64) -> Result<(u32, PathBuf), TgtError> {
        let tid = self.next_tid;
        self.next_tid += 1;
        let file = self.dir.join(format!("lun-{tid}.img"));
        let f = std::fs::File::create(&file).map_err(|e| TgtError(e.to_string()))?;
        f.set_len(size).map_err(|e| TgtError(e.to_string()))?;
        let tid_s = tid.to_string();
        self.adm(&[
            "--op", "new", "--mode", "target", "--tid", &tid_s, "-T", name,
        ])?;
        self.adm(&[
            "--op",
            "new",
            "--mode",
            "logicalunit",
            "--tid",
            &tid_s,
            "--lun",
            "1",
            "-b",
            &file.to_string_lossy(),
        ])?;
        self.adm(&[
            "--op", "bind", "--mode", "target", "--tid", &tid_s, "-I", "ALL",
        ])?;
        Ok((tid, file))
    }

    /// Requires CHAP for target `tid` with `user`/`secret`; with `outgoing`, the target
    /// also authenticates itself as `target_user`/`target_secret` (mutual CHAP).
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn require_chap(
        &self,
        tid: u32,
        user: &str,
        secret: &str,
        outgoing: Option<(&str, &str)>,
    ) -> Result<(), TgtError> {
        let tid = tid.to_string();
        self.adm(&[
            "--op",
            "new",
            "--mode",
            "account",
            "--user",
            user,
            "--password",
            secret,
        ])?;
        self.adm(&[
            "--op", "bind", "--mode", "account", "--tid", &tid, "--user", user,
        ])?;
        if let Some((tuser, tsecret)) = outgoing {
            self.adm(&[
                "--op",
                "new",
                "--mode",
                "account",
                "--user",
                tuser,
                "--password",
                tsecret,
            ])?;
            self.adm(&[
                "--op",
                "bind",
                "--mode",
                "account",
                "--tid",
                &tid,
                "--user",
                tuser,
                "--outgoing",
            ])?;
        }
        Ok(())
    }

    /// Sets a target's iSCSI parameter, e.g. `HeaderDigest` to `CRC32C,None` (tgt allows
    /// only `None` by default).
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn set_param(&self, tid: u32, name: &str, value: &str) -> Result<(), TgtError> {
        self.adm(&[
            "--op",
            "update",
            "--mode",
            "target",
            "--tid",
            &tid.to_string(),
            "-n",
            name,
            "-v",
            value,
        ])
        .map(drop)
    }

    /// Registers this tgtd's targets with the iSNS server at 127.0.0.1:`port` (tgt's
    /// iSNSServerIP/Port, iSNSAccessControl Off, iSNS On). Keep one target per such tgtd:
    /// tgt 1.0.85 spins when isnsd opens a second SCN connection to it.
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn enable_isns(&self, port: u16) -> Result<(), TgtError> {
        let port = port.to_string();
        for (name, value) in [
            ("iSNSServerIP", "127.0.0.1"),
            ("iSNSServerPort", port.as_str()),
            ("iSNSAccessControl", "Off"),
            ("iSNS", "On"),
        ] {
            self.adm(&[
                "--op", "update", "--mode", "sys", "--name", name, "--value", value,
            ])?;
        }
        Ok(())
    }

    /// Deregisters from the iSNS server (iSNS Off).
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn disable_isns(&self) -> Result<(), TgtError> {
        self.adm(&[
            "--op", "update", "--mode", "sys", "--name", "iSNS", "--value", "Off",
        ])
        .map(drop)
    }

    /// Deletes a logical unit of a target (its backing file stays).
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn delete_lun(&self, tid: u32, lun: u64) -> Result<(), TgtError> {
        self.adm(&[
            "--op",
            "delete",
            "--mode",
            "logicalunit",
            "--tid",
            &tid.to_string(),
            "--lun",
            &lun.to_string(),
        ])
        .map(drop)
    }

    /// Deletes target `tid` with its LUs, closing its sessions (`--force`).
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn delete_target(&self, tid: u32) -> Result<(), TgtError> {
        self.adm(&[
            "--op",
            "delete",
            "--force",
            "--mode",
            "target",
            "--tid",
            &tid.to_string(),
        ])
        .map(drop)
    }

    /// Kills tgtd at once (SIGKILL), as a crash: connections drop, LU files stay.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts tgtd again on the same port and control port after [`Tgtd::kill`], and
    /// recreates targets with `setup`.
    ///
    /// # Errors
    ///
    /// When tgtd does not come back up.
    pub fn restart(&mut self) -> Result<(), TgtError> {
        self.kill();
        let log = std::fs::File::create(self.dir.join("tgtd-restart.log"))
            .map_err(|e| TgtError(e.to_string()))?;
        let child = Command::new("tgtd")
            .args([
                "-f",
                "-C",
                &self.control.to_string(),
                "--iscsi",
                &format!("portal=127.0.0.1:{}", self.port),
            ])
            .stdout(log.try_clone().map_err(|e| TgtError(e.to_string()))?)
            .stderr(log)
            .spawn()
            .map_err(|e| TgtError(format!("spawning tgtd: {e}")))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.adm(&["--op", "show", "--mode", "target"]).is_err() {
            if Instant::now() > deadline {
                return Err(TgtError("tgtd did not come back".into()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Re-creates a target after a restart, with the same tid, name and backing file.
    ///
    /// # Errors
    ///
    /// When tgtadm fails.
    pub fn recreate_target(&self, tid: u32, name: &str, file: &Path) -> Result<(), TgtError> {
        let tid = tid.to_string();
        self.adm(&["--op", "new", "--mode", "target", "--tid", &tid, "-T", name])?;
        self.adm(&[
            "--op",
            "new",
            "--mode",
            "logicalunit",
            "--tid",
            &tid,
            "--lun",
            "1",
            "-b",
            &file.to_string_lossy(),
        ])?;
        self.adm(&[
            "--op", "bind", "--mode", "target", "--tid", &tid, "-I", "ALL",
        ])?;
        Ok(())
    }

    fn adm(&self, args: &[&str]) -> Result<String, TgtError> {
        let out = Command::new("tgtadm")
            .args(["-C", &self.control.to_string(), "--lld", "iscsi"])
            .args(args)
            .output()
            .map_err(|e| TgtError(format!("tgtadm: {e}")))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(TgtError(format!(
                "tgtadm {args:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }
}

impl Drop for Tgtd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            crate::process::stop(&mut child, Duration::from_secs(2));
        }
    }
}

fn free_port() -> Result<u16, TgtError> {
    crate::process::free_port().map_err(|e| TgtError(e.to_string()))
}
