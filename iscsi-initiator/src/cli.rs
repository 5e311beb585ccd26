//! Helpers shared by the command-line tools (`iscsi-ls`, `iscsi-inq`, `iscsi-dd`). Not a
//! stable API.

use std::{process::ExitCode, time::Duration};

use iscsi_proto::wire::Lun;

use crate::{Error, Initiator, InitiatorConfig, IscsiUrl, LoginFailure};

/// The initiator name the tools use unless `-i` gives one.
pub fn default_initiator_name(tool: &str) -> String {
    format!("iqn.2026-11.invalid.iscsi-ima:{tool}")
}

/// A single-threaded runtime is plenty for a tool.
///
/// # Errors
///
/// When the OS refuses the runtime's resources.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Logs to stderr when `RUST_LOG` is set.
pub fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// Parses a URL, with a message naming the problem.
///
/// # Errors
///
/// A message for the user.
pub fn parse_url(text: &str) -> Result<IscsiUrl, String> {
    IscsiUrl::parse(text).map_err(|e| format!("bad URL {text:?}: {e}"))
}

/// An initiator configured from a URL.
pub fn initiator(name: &str, url: &IscsiUrl) -> Initiator {
    let mut config = InitiatorConfig::new(name);
    config.apply_url(url);
    // Tools fail fast instead of reconnecting for a minute.
    config.reconnect_timeout = Duration::from_secs(5);
    Initiator::new(config)
}

/// The LUN a URL names.
///
/// # Errors
///
/// A message for the user.
pub fn lun(url: &IscsiUrl) -> Result<Lun, String> {
    let index = url
        .lun
        .ok_or("the URL names no LUN (iscsi://host/target/LUN)")?;
    Lun::from_index(index).ok_or_else(|| format!("LUN {index} out of range"))
}

/// A user-facing description of an error.
pub fn describe(e: &Error) -> String {
    match e {
        Error::Connect { addr, message, .. } => format!("cannot connect to {addr}: {message}"),
        Error::Login {
            target,
            reason: LoginFailure::Authentication(why),
        } => {
            format!("authentication failed for {target}: {why}")
        }
        Error::Scsi(s) if s.sense.as_ref().is_some_and(|sense| sense.asc == 0x25) => {
            "no such LUN (LOGICAL UNIT NOT SUPPORTED)".to_owned()
        }
        other => other.to_string(),
    }
}

/// Runs a tool's work on a fresh single-threaded runtime and turns its result into an exit
/// code, printing `tool: message` on failure.
pub fn run<F>(tool: &str, work: F) -> ExitCode
where
    F: Future<Output = Result<(), String>>,
{
    match runtime() {
        Ok(rt) => match rt.block_on(work) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(tool, &e),
        },
        Err(e) => fail(tool, &e.to_string()),
    }
}

/// Prints `tool: message` and returns a failure exit code.
pub fn fail(tool: &str, message: &str) -> ExitCode {
    eprintln!("{tool}: {message}");
    ExitCode::FAILURE
}

/// A size the way iscsi-ls prints it: 63M, 1G, 512k.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1 << 40, "T"),
        (1 << 30, "G"),
        (1 << 20, "M"),
        (1 << 10, "k"),
    ];
    for (unit, suffix) in UNITS {
        if bytes >= unit {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}
