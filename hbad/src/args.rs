//! Command-line options.

use std::{ffi::OsString, path::PathBuf, time::Duration};

use ima_plugin_soft::remote::DEFAULT_SOCKET;
use iscsi_hba::EngineConfig;

/// The usage text (`--help`).
pub const USAGE: &str = "\
usage: iscsi-hbad [OPTIONS]

The software iSCSI HBA as a daemon: one engine (targets, sessions, statistics) for every
process whose IMA plugin finds the socket. Runs in the foreground; SIGTERM or SIGINT logs
every session out and exits.

options:
  --socket PATH           the Unix socket to serve (default /run/iscsi-hbad.sock, or
                          $ISCSI_HBAD_SOCKET); created with mode 0600 (0666 with
                          --allow-uid: the per-connection user check then keeps
                          everyone else out)
  --state PATH            the engine's state file (default $ISCSI_HBA_STATE, else
                          /var/lib/iscsi-ima/hba.json)
  --allow-uid UID         also serve this user (repeatable); root and the daemon's own
                          user are always served, everyone else is refused
  --rescan-interval SECS  run discovery again every SECS seconds (0: never; default 300)
  -h, --help              this text
  -V, --version           the version

environment: RUST_LOG sets the log filter (default info); logs go to standard error.";

/// What the daemon runs with.
#[derive(Debug, Clone)]
pub struct Options {
    /// The socket to serve.
    pub socket: PathBuf,
    /// The engine's state file (`None`: the engine's default).
    pub state: Option<PathBuf>,
    /// Users served besides root and the daemon's own.
    pub allow_uids: Vec<u32>,
    /// Periodic discovery: `None` keeps the engine's default, `Some(None)` turns it off.
    pub rescan_interval: Option<Option<Duration>>,
}

impl Options {
    /// Options for a socket and state file, the rest default.
    pub fn new(socket: impl Into<PathBuf>, state: impl Into<PathBuf>) -> Self {
        Self {
            socket: socket.into(),
            state: Some(state.into()),
            allow_uids: Vec::new(),
            rescan_interval: None,
        }
    }

    /// The engine's configuration: the environment's, with the options on top.
    pub fn engine_config(&self) -> EngineConfig {
        let mut c = EngineConfig::from_env();
        if let Some(state) = &self.state {
            c.state_path.clone_from(state);
        }
        if let Some(interval) = self.rescan_interval {
            c.rescan_interval = interval;
        }
        c
    }
}

/// The outcome of parsing.
#[derive(Debug)]
pub enum Parsed {
    /// Run with these options.
    Run(Options),
    /// Print this and exit 0 (`--help`, `--version`).
    Exit(String),
}

/// Parses the arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    let mut options = Options {
        socket: std::env::var_os(ima_plugin_soft::remote::SOCKET_ENV)
            .filter(|s| !s.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_SOCKET), PathBuf::from),
        state: None,
        allow_uids: Vec::new(),
        rescan_interval: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument {a:?} is not UTF-8"))?;
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(Parsed::Exit(USAGE.to_owned())),
            "-V" | "--version" => {
                return Ok(Parsed::Exit(format!(
                    "iscsi-hbad {} (protocol {})",
                    env!("CARGO_PKG_VERSION"),
                    ima_plugin_soft::remote::PROTOCOL_VERSION
                )));
            }
            "--socket" => options.socket = PathBuf::from(value("--socket")?),
            "--state" => options.state = Some(PathBuf::from(value("--state")?)),
            "--allow-uid" => {
                let v = value("--allow-uid")?;
                let uid = v
                    .to_str()
                    .and_then(|s| s.parse::<u32>().ok())
                    .ok_or_else(|| format!("--allow-uid {v:?} is not a user id"))?;
                options.allow_uids.push(uid);
            }
            "--rescan-interval" => {
                let v = value("--rescan-interval")?;
                let secs = v
                    .to_str()
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| format!("--rescan-interval {v:?} is not a number of seconds"))?;
                options.rescan_interval = Some((secs > 0).then(|| Duration::from_secs(secs)));
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.socket.as_os_str().is_empty() {
        return Err("the socket path is empty".into());
    }
    Ok(Parsed::Run(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(OsString::from))? {
            Parsed::Run(o) => Ok(o),
            Parsed::Exit(t) => Err(t),
        }
    }

    #[test]
    fn options_parse_and_refuse_nonsense() {
        let o = run(&[
            "--socket",
            "/tmp/s",
            "--state",
            "/tmp/h.json",
            "--allow-uid",
            "1000",
        ])
        .expect("options");
        assert_eq!(o.socket, PathBuf::from("/tmp/s"));
        assert_eq!(o.state, Some(PathBuf::from("/tmp/h.json")));
        assert_eq!(o.allow_uids, [1000]);
        assert_eq!(
            run(&["--rescan-interval", "0"]).expect("o").rescan_interval,
            Some(None)
        );
        assert!(run(&["--allow-uid", "root"]).is_err());
        assert!(run(&["--socket"]).is_err());
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--help"]).is_err_and(|t| t.contains("--allow-uid")));
    }
}
