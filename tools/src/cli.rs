//! Helpers shared by the command-line tools (`iscsi-ls`, `iscsi-inq`, `iscsi-dd`,
//! `iscsi-bench`). Not a stable API.
//!
//! # Output
//!
//! Tools print with [`out`] and [`err`], never `println!`/`eprintln!`, which panic when the
//! write fails. Rust ignores SIGPIPE, so a tool piped into `head` gets `EPIPE` once `head`
//! has exited; [`out`] turns that into [`Failure::StdoutClosed`], which [`run`] ends with
//! exit status 0, as a tool killed by SIGPIPE would appear to `head`'s user: the reader
//! asked for no more.

use std::{
    fmt,
    io::{self, Write},
    process::ExitCode,
    time::Duration,
};

use iscsi_initiator::{
    Error, Initiator, InitiatorConfig, IscsiUrl, LoginFailure, iscsi_proto::wire::Lun,
};

/// The initiator name the tools use unless `-i` gives one.
pub fn default_initiator_name(tool: &str) -> String {
    format!("iqn.2026-11.invalid.iscsi-ima:{tool}")
}

/// A single-threaded runtime is plenty for a tool.
///
/// # Errors
///
/// When the OS refuses the runtime's resources.
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Logs to stderr when `RUST_LOG` is set.
pub fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(io::stderr)
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

/// Why a tool stopped early.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum Failure {
    /// An error, for the user: [`run`] prints it and exits with status 1.
    #[error("{0}")]
    Message(String),
    /// Standard output was closed (`EPIPE`: the reader of a pipe exited, as `head` does).
    /// Not an error: [`run`] exits quietly with status 0.
    #[error("standard output closed")]
    StdoutClosed,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Message(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Self::Message(message.to_owned())
    }
}

/// Writes `args` and a newline to standard output, without panicking.
///
/// # Errors
///
/// [`Failure::StdoutClosed`] when stdout is a pipe nobody reads any more (`EPIPE`), a
/// [`Failure::Message`] for any other write error (a full disk, say). Either way the tool
/// should stop: pass it up to [`run`] with `?`.
pub fn out(args: fmt::Arguments<'_>) -> Result<(), Failure> {
    write_line(&mut io::stdout().lock(), args)
}

/// [`out`] on any writer: the testable part.
fn write_line(w: &mut impl Write, args: fmt::Arguments<'_>) -> Result<(), Failure> {
    match w.write_fmt(args).and_then(|()| w.write_all(b"\n")) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(Failure::StdoutClosed),
        Err(e) => Err(Failure::Message(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Writes `args` to standard error as given (no newline added), ignoring errors: a closed
/// stderr must not stop (or panic) a tool whose diagnostics nobody can read anyway.
pub fn err(args: fmt::Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_fmt(args).and_then(|()| stderr.flush());
}

/// Runs a tool's work on a fresh single-threaded runtime and turns its result into an exit
/// code: 0 on success or when stdout was closed ([`Failure::StdoutClosed`]); otherwise
/// `tool: message` on stderr and 1.
pub fn run<F>(tool: &str, work: F) -> ExitCode
where
    F: Future<Output = Result<(), Failure>>,
{
    match runtime() {
        Ok(rt) => match rt.block_on(work) {
            Ok(()) | Err(Failure::StdoutClosed) => ExitCode::SUCCESS,
            Err(Failure::Message(e)) => fail(tool, &e),
        },
        Err(e) => fail(tool, &e.to_string()),
    }
}

/// Prints a usage line on stdout (for `-h`) and returns exit status 0, even when stdout is
/// closed.
pub fn usage(tool: &str, args: &str) -> ExitCode {
    match out(format_args!("usage: {tool} {args}")) {
        Ok(()) | Err(Failure::StdoutClosed) => ExitCode::SUCCESS,
        Err(Failure::Message(e)) => fail(tool, &e),
    }
}

/// Prints `tool: message` on stderr and returns a failure exit code.
pub fn fail(tool: &str, message: &str) -> ExitCode {
    err(format_args!("{tool}: {message}\n"));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone, as stdout piped into an exited `head`.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("no space left"))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_written_with_a_newline() {
        let mut buf = Vec::new();
        write_line(&mut buf, format_args!("Lun:{} Type:{}", 1, "DIRECT_ACCESS")).unwrap();
        assert_eq!(buf, b"Lun:1 Type:DIRECT_ACCESS\n");
    }

    #[test]
    fn a_closed_pipe_is_not_an_error_but_stops_the_tool() {
        assert_eq!(
            write_line(&mut ClosedPipe, format_args!("x")),
            Err(Failure::StdoutClosed)
        );
        assert!(matches!(
            write_line(&mut Full, format_args!("x")),
            Err(Failure::Message(m)) if m.contains("no space left")
        ));
        // run: a closed stdout ends with status 0, a message with status 1.
        let ok = run("t", async { Err(Failure::StdoutClosed) });
        assert_eq!(format!("{ok:?}"), format!("{:?}", ExitCode::SUCCESS));
        let failed = run("t", async { Err(Failure::from("boom")) });
        assert_eq!(format!("{failed:?}"), format!("{:?}", ExitCode::FAILURE));
    }

    #[test]
    fn sizes() {
        assert_eq!(format_size(8 << 20), "8M");
        assert_eq!(format_size(512), "512");
        assert_eq!(format_size(u64::MAX), "16777215T");
    }
}
