//! Runs a private `isnsd` (open-isns) on 127.0.0.1 and a free port, in memory, with its own
//! configuration and control socket, and registers fixture targets with `isnsadm`. Stopped by
//! PID (TERM, then KILL) when dropped, never by name.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

/// Why isnsd could not be set up or a fixture registered.
#[derive(Debug)]
pub struct IsnsError(pub String);

impl std::fmt::Display for IsnsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IsnsError {}

/// Whether `isnsd` and `isnsadm` are installed.
pub fn available() -> bool {
    crate::process::installed(&["isnsd", "isnsadm"])
}

/// A running isnsd.
pub struct Isnsd {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Isnsd {
    /// Starts isnsd on 127.0.0.1 and a free port, its files under `dir`: configuration,
    /// control socket, PID file and log (`isnsd.log`, every PDU decoded: `-d all`). Nodes in no discovery domain see each other
    /// (`DefaultDiscoveryDomain = 1`); no authentication.
    ///
    /// # Errors
    ///
    /// When isnsd is missing or does not come up.
    pub fn start(dir: &Path) -> Result<Self, IsnsError> {
        if !available() {
            return Err(IsnsError(
                "isnsd/isnsadm are not installed (scripts/test.sh installs open-isns)".into(),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| IsnsError(format!("{}: {e}", dir.display())))?;
        let dir = dir
            .canonicalize()
            .map_err(|e| IsnsError(format!("{}: {e}", dir.display())))?;
        let port = free_port()?;
        let config = format!(
            "SourceName = isns.test.server\nBindAddress = 127.0.0.1:{port}\n\
             ControlSocket = {d}/isnsctl\nPIDFile = {d}/isnsd.pid\n\
             DefaultDiscoveryDomain = 1\nRegistrationPeriod = 10m\nSLPRegister = 0\n\
             Security = 0\n",
            d = dir.display()
        );
        std::fs::write(dir.join("isnsd.conf"), config).map_err(|e| IsnsError(e.to_string()))?;
        let mut isnsd = Self {
            child: None,
            port,
            dir,
        };
        isnsd.spawn()?;
        Ok(isnsd)
    }

    fn spawn(&mut self) -> Result<(), IsnsError> {
        let log = std::fs::File::create(self.dir.join("isnsd.log"))
            .map_err(|e| IsnsError(e.to_string()))?;
        let child = Command::new("isnsd")
            .arg("-f")
            .args(["-d", "all"])
            .arg("-c")
            .arg(self.dir.join("isnsd.conf"))
            .stdout(log.try_clone().map_err(|e| IsnsError(e.to_string()))?)
            .stderr(log)
            .spawn()
            .map_err(|e| IsnsError(format!("spawning isnsd: {e}")))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(IsnsError(format!(
                    "isnsd did not come up on port {}",
                    self.port
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// The port isnsd listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Writes an isnsadm client configuration whose source is `name`.
    fn client_config(&self, name: &str) -> Result<PathBuf, IsnsError> {
        let file = self
            .dir
            .join(format!("client-{}.conf", name.replace(':', "_")));
        let text = format!(
            "SourceName = {name}\nServerAddress = 127.0.0.1:{}\nSecurity = 0\n",
            self.port
        );
        std::fs::write(&file, text).map_err(|e| IsnsError(e.to_string()))?;
        Ok(file)
    }

    /// Registers target `name` in entity `entity` with a portal and portal group per
    /// `(port, tpgt)`, all on 127.0.0.1, as `isnsadm --register` (the target as source).
    ///
    /// # Errors
    ///
    /// When isnsadm fails.
    pub fn register_target(
        &self,
        entity: &str,
        name: &str,
        portals: &[(u16, u16)],
    ) -> Result<(), IsnsError> {
        let config = self.client_config(name)?;
        let mut args = vec![format!("entity={entity}"), format!("target={name}")];
        for (port, tpgt) in portals {
            args.push(format!("portal=127.0.0.1:{port}"));
            args.push(format!("pg,pgt={tpgt}"));
        }
        self.isnsadm(&config, "--register", &args)
    }

    /// Removes entity `entity` (registered by target `name`) with its nodes and portals.
    ///
    /// # Errors
    ///
    /// When isnsadm fails.
    pub fn deregister_entity(&self, entity: &str, name: &str) -> Result<(), IsnsError> {
        let config = self.client_config(name)?;
        self.isnsadm(&config, "--deregister", &[format!("eid={entity}")])
    }

    fn isnsadm(&self, config: &Path, action: &str, args: &[String]) -> Result<(), IsnsError> {
        let out = Command::new("isnsadm")
            .arg("-c")
            .arg(config)
            .arg(action)
            .args(args)
            .output()
            .map_err(|e| IsnsError(format!("isnsadm: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(IsnsError(format!(
                "isnsadm {action} {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// Stops isnsd (TERM, a grace period, KILL) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            crate::process::stop(&mut child, Duration::from_secs(3));
        }
    }
}

impl Drop for Isnsd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> Result<u16, IsnsError> {
    crate::process::free_port().map_err(|e| IsnsError(e.to_string()))
}
