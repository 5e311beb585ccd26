//! Helpers shared by the command-line tools (`iscsi-ls`, `iscsi-inq`, `iscsi-dd`,
//! `iscsi-readcapacity16`, `iscsi-swp`, `iscsi-bench`). Not a stable API.
//!
//! # Output
//!
//! Tools print with [`out`] and [`err`], never `println!`/`eprintln!`, which panic when the
//! write fails. Rust ignores SIGPIPE, so a tool piped into `head` gets `EPIPE` once `head`
//! has exited; [`out`] turns that into [`Failure::StdoutClosed`], which [`run`] ends with
//! exit status 0, as a tool killed by SIGPIPE would appear to `head`'s user: the reader
//! asked for no more.
//!
//! # Exit status
//!
//! [`Status`] is the table of docs/tools.md: open-iscsi's `iscsiadm` numbers where one
//! exists, 2 for a usage error (clap's), 1 for anything else. [`Failure::from`] maps the
//! initiator's typed [`Error`] onto it.

use std::{
    fmt,
    io::{self, Write},
    path::PathBuf,
    process::ExitCode,
    time::Duration,
};

use iscsi_initiator::{
    Error, Initiator, InitiatorConfig, IscsiUrl, LoginFailure, TimeoutKind, iscsi_proto::wire::Lun,
};
use serde::Serialize;
use zeroize::Zeroize;

use crate::credentials;

/// The help text on the URL of a logical unit, shown by `--help` of the tools that take one.
pub const LUN_URL_HELP: &str = "\
iSCSI URL format:
  iscsi://[<user>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>[?<key>=<value>&...]

  <host> is a host name (iscsi.example), an IPv4 address (10.1.1.27) or an IPv6 address
  in brackets ([fce0::1]); <port> defaults to 3260. Keys: header_digest and data_digest
  (crc32c, none, crc32c,none, none,crc32c), target_user and target_password (mutual CHAP),
  auth (md5, sha1, sha-256, sha3-256: the CHAP algorithm offered first).
  With <user>@ and no %<password>, the password comes from --password-file,
  LIBISCSI_CHAP_PASSWORD, or a prompt on the terminal.";

/// The help text on a portal URL (`iscsi-ls`).
pub const PORTAL_URL_HELP: &str = "\
iSCSI portal URL format:
  iscsi://[<user>[%<password>]@]<host>[:<port>]

  <host> is a host name (iscsi.example), an IPv4 address (10.1.1.27) or an IPv6 address
  in brackets ([fce0::1]); <port> defaults to 3260. The credentials are used for the
  normal sessions -s opens, not for discovery. With <user>@ and no %<password>, the
  password comes from --password-file, LIBISCSI_CHAP_PASSWORD, or a prompt.";

/// The environment variables every tool reads, for `--help`.
pub const ENV_HELP: &str = "\
Environment:
  LIBISCSI_CHAP_USERNAME, LIBISCSI_CHAP_PASSWORD
                     CHAP user and password when the URL names none (the password
                     alone when the URL has <user>@ without a password)
  LIBISCSI_CHAP_TARGET_USERNAME, LIBISCSI_CHAP_TARGET_PASSWORD
                     the name and password the target must prove (mutual CHAP)
  ISCSI_INITIATOR_NAME
                     the initiator name when -i is not given
  ISCSI_HBA_STATE    the IMA HBA state file read for its node name
                     (default /var/lib/iscsi-ima/hba.json)
  XDG_STATE_HOME, HOME
                     where a generated initiator name is kept
                     ($XDG_STATE_HOME/iscsi-ima/initiatorname)
  RUST_LOG           log filter (tracing-subscriber syntax); overrides -v/-d

Exit status: 0 success, 1 other error, 2 usage error, 4 transport error, 5 login
failure, 7 invalid argument, 8 timeout, 11 PDU timeout, 19 target refused or not found,
21 nothing found, 24 authentication failed (docs/tools.md).";

/// The options every tool has.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Common {
    /// Initiator name to log in as [default: ISCSI_INITIATOR_NAME,
    /// /etc/iscsi/initiatorname.iscsi, the IMA node name, or one generated and kept]
    #[arg(short = 'i', long = "initiator-name", value_name = "IQN")]
    pub initiator_name: Option<String>,
    /// More diagnostics on stderr: -v info, -vv debug (warnings are always shown)
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Read the CHAP password from FILE (its first line) when the URL has user@ only
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Print help (as -h; libiscsi's tools spell it -?)
    #[arg(short = '?', action = clap::ArgAction::Help, hide = true)]
    pub help_question: Option<bool>,
}

impl Common {
    /// The log level for `-v` counted with `debug` (a tool's `-d`): warn, info, debug.
    pub fn level(&self, debug: bool) -> tracing::Level {
        match (self.verbose, debug) {
            (_, true) | (2.., _) => tracing::Level::DEBUG,
            (1, _) => tracing::Level::INFO,
            _ => tracing::Level::WARN,
        }
    }

    /// Starts logging at [`Common::level`].
    pub fn init_logging(&self, debug: bool) {
        init_logging_at(self.level(debug));
    }

    /// The initiator name: `-i`, else [`crate::initiator_name::resolve`].
    ///
    /// # Errors
    ///
    /// [`Status::Other`] when no name can be found, read or kept.
    pub fn initiator_name(&self) -> Result<String, Failure> {
        crate::initiator_name::resolve(self.initiator_name.as_deref())
            .map_err(|e| Failure::new(Status::Other, format!("initiator name: {e}")))
    }

    /// Parses `text` as a URL and completes its credentials from the environment, the
    /// password file or a prompt ([`credentials::complete`]).
    ///
    /// # Errors
    ///
    /// [`Status::InvalidArgs`] with a message that shows no password.
    pub fn url(&self, text: &str) -> Result<IscsiUrl, Failure> {
        credentials::parse(
            text,
            self.password_file.as_deref(),
            &credentials::Env::process(),
        )
    }
}

/// An exit status (docs/tools.md). The numbers are open-iscsi `iscsiadm`'s where one exists.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// 0: success.
    Success,
    /// 1: any other error.
    Other,
    /// 2: a usage error (clap's).
    Usage,
    /// 4: the transport connection failed or was lost.
    Transport,
    /// 5: login failed (other than authentication or a refusal).
    Login,
    /// 7: an invalid argument (a bad URL, a missing LUN, a file that does not fit).
    InvalidArgs,
    /// 8: a connection or login timed out.
    Timeout,
    /// 11: a request (PDU) timed out.
    PduTimeout,
    /// 19: the target refused the login or does not exist.
    LoginFatal,
    /// 21: nothing found (no targets, no such LUN).
    NoObjects,
    /// 24: authentication failed.
    AuthFailed,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Other => 1,
            Self::Usage => 2,
            Self::Transport => 4,
            Self::Login => 5,
            Self::InvalidArgs => 7,
            Self::Timeout => 8,
            Self::PduTimeout => 11,
            Self::LoginFatal => 19,
            Self::NoObjects => 21,
            Self::AuthFailed => 24,
        }
    }

    /// The status for an initiator error.
    pub fn of(e: &Error) -> Self {
        match e {
            Error::Invalid(_) | Error::InvalidOption(_) | Error::ShortSecret { .. } => {
                Self::InvalidArgs
            }
            Error::Connect { kind, .. } if *kind == io::ErrorKind::TimedOut => Self::Timeout,
            Error::Connect { .. } | Error::ConnectionLost(_) | Error::SessionClosed => {
                Self::Transport
            }
            Error::Reconnect { last, .. } => match Self::of(last) {
                Self::AuthFailed | Self::LoginFatal => Self::of(last),
                _ => Self::Transport,
            },
            Error::Login { reason, .. } => match reason {
                LoginFailure::Authentication(_) => Self::AuthFailed,
                // RFC 7143 §11.13.5: class 2 is an initiator error; detail 1 is an
                // authentication failure, 2 an authorization failure, the others (not
                // found, removed, ...) are final.
                LoginFailure::Refused(status) => match (status.class(), status.detail()) {
                    (2, 1 | 2) => Self::AuthFailed,
                    (2, _) => Self::LoginFatal,
                    _ => Self::Login,
                },
                LoginFailure::ConnectionLost(_) => Self::Transport,
                _ => Self::Login,
            },
            Error::Timeout(TimeoutKind::Connect | TimeoutKind::Login | TimeoutKind::Reconnect) => {
                Self::Timeout
            }
            Error::Timeout(_) => Self::PduTimeout,
            Error::Scsi(s) if s.sense.as_ref().is_some_and(|sense| sense.asc == 0x25) => {
                Self::NoObjects
            }
            Error::Incomplete { cause, .. } => Self::of(cause),
            _ => Self::Other,
        }
    }
}

/// Why a tool stopped early.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum Failure {
    /// An error, for the user: [`run`] prints it and exits with status 1
    /// ([`Status::Other`]).
    #[error("{0}")]
    Message(String),
    /// An error with its exit status.
    #[error("{message}")]
    Status {
        /// The exit status.
        status: Status,
        /// The message, for the user.
        message: String,
    },
    /// Standard output was closed (`EPIPE`: the reader of a pipe exited, as `head` does).
    /// Not an error: [`run`] exits quietly with status 0.
    #[error("standard output closed")]
    StdoutClosed,
}

impl Failure {
    /// A failure with its status.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Self::Status {
            status,
            message: message.into(),
        }
    }

    /// An initiator error with some context before it (`"{context}: {error}"`).
    pub fn context(context: impl fmt::Display, e: &Error) -> Self {
        Self::new(Status::of(e), format!("{context}: {}", describe(e)))
    }

    /// The exit status.
    pub fn status(&self) -> Status {
        match self {
            Self::Message(_) => Status::Other,
            Self::Status { status, .. } => *status,
            Self::StdoutClosed => Status::Success,
        }
    }
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

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::new(Status::of(&e), describe(&e))
    }
}

/// The initiator name the tools use unless `-i` gives one: see
/// [`crate::initiator_name::resolve`]. `tool` is no longer part of the name (every tool
/// logs in as the same initiator); a name that cannot be resolved falls back to one under
/// a reserved domain with the tool's name, with a warning.
pub fn default_initiator_name(tool: &str) -> String {
    crate::initiator_name::resolve(None).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "no initiator name; using a placeholder");
        format!("iqn.2026-11.invalid.iscsi-ima:{tool}")
    })
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

/// Logs to stderr at WARN (warnings are always visible), or as `RUST_LOG` says.
pub fn init_logging() {
    init_logging_at(tracing::Level::WARN);
}

/// Logs to stderr at `level`, or as `RUST_LOG` says when it is set.
pub fn init_logging_at(level: tracing::Level) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => tracing_subscriber::EnvFilter::new(spec),
        _ => tracing_subscriber::EnvFilter::new(level.as_str()),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .try_init();
}

/// Parses a URL, with a message naming the problem. The URL is echoed with its passwords
/// shown as `***` ([`redact_url`]).
///
/// # Errors
///
/// A message for the user.
pub fn parse_url(text: &str) -> Result<IscsiUrl, String> {
    IscsiUrl::parse(text).map_err(|e| format!("bad URL {:?}: {e}", redact_url(text)))
}

/// `text` with the password of its user part and the value of `target_password=` replaced
/// by `***`, for messages.
pub fn redact_url(text: &str) -> String {
    let Some(rest) = text.strip_prefix("iscsi://") else {
        return redact_query(text);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.split_once('%') {
                Some((user, _)) => format!("{user}%***{host}"),
                None => authority.to_owned(),
            }
        }
        None => authority.to_owned(),
    };
    format!("iscsi://{authority}{}", redact_query(tail))
}

fn redact_query(text: &str) -> String {
    let Some((path, query)) = text.split_once('?') else {
        return text.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.contains("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// An initiator configured from a URL. The URL's passwords are copied into the
/// configuration's zeroizing secrets; call [`scrub`] on the URL afterwards.
pub fn initiator(name: &str, url: &IscsiUrl) -> Initiator {
    let mut config = InitiatorConfig::new(name);
    config.apply_url(url);
    // Tools fail fast instead of reconnecting for a minute.
    config.reconnect_timeout = Duration::from_secs(5);
    Initiator::new(config)
}

/// Logs in to the target a URL names, as `name`, with the URL's credentials and digests;
/// the URL's passwords are wiped ([`scrub`]) once the initiator has its own copy.
///
/// # Errors
///
/// [`Status::InvalidArgs`] when the URL names no target; the login's errors otherwise.
pub async fn login(name: &str, url: &mut IscsiUrl) -> Result<iscsi_initiator::Session, Failure> {
    let initiator = initiator(name, url);
    scrub(url);
    let target = url.target.clone().ok_or_else(|| {
        Failure::new(
            Status::InvalidArgs,
            "the URL names no target (iscsi://host/target/LUN)",
        )
    })?;
    Ok(initiator.login(&target, &url.portal()).await?)
}

/// Wipes the passwords a URL holds (after [`initiator`] copied them).
pub fn scrub(url: &mut IscsiUrl) {
    for creds in [&mut url.user, &mut url.target_user].into_iter().flatten() {
        creds.secret.zeroize();
    }
}

/// The LUN a URL names.
///
/// # Errors
///
/// [`Status::InvalidArgs`].
pub fn lun(url: &IscsiUrl) -> Result<Lun, Failure> {
    let index = url.lun.ok_or_else(|| {
        Failure::new(
            Status::InvalidArgs,
            "the URL names no LUN (iscsi://host/target/LUN)",
        )
    })?;
    Lun::from_index(index)
        .ok_or_else(|| Failure::new(Status::InvalidArgs, format!("LUN {index} out of range")))
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

/// Prints `value` as pretty JSON on standard output.
///
/// # Errors
///
/// As [`out`].
pub fn out_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Message(format!("cannot encode JSON: {e}")))?;
    out(format_args!("{text}"))
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
/// `tool: message` on stderr and the failure's [`Status`].
pub fn run<F>(tool: &str, work: F) -> ExitCode
where
    F: Future<Output = Result<(), Failure>>,
{
    match runtime() {
        Ok(rt) => match rt.block_on(work) {
            Ok(()) | Err(Failure::StdoutClosed) => ExitCode::SUCCESS,
            Err(failure) => {
                err(format_args!("{tool}: {failure}\n"));
                ExitCode::from(failure.status().code())
            }
        },
        Err(e) => fail(tool, &e.to_string()),
    }
}

/// Prints a usage line on stdout (for `-h`) and returns exit status 0, even when stdout is
/// closed.
pub fn usage(tool: &str, args: &str) -> ExitCode {
    match out(format_args!("usage: {tool} {args}")) {
        Ok(()) | Err(Failure::StdoutClosed) => ExitCode::SUCCESS,
        Err(Failure::Message(e) | Failure::Status { message: e, .. }) => fail(tool, &e),
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

/// Parses a number as libiscsi's tools do: decimal, or hex with `0x`.
///
/// # Errors
///
/// A message for clap.
pub fn parse_u8_any_base(text: &str) -> Result<u8, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("{text:?} is not a number from 0 to 255 (or 0x00 to 0xff)"))
}

#[cfg(test)]
mod tests {
    use iscsi_initiator::{
        ScsiError,
        iscsi_proto::{
            login::LoginError,
            scsi::{ScsiStatus, SenseData},
            wire::{LoginStatus, ScsiResponseCode},
        },
    };

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
        // run: a closed stdout ends with status 0, a message with status 1, a typed
        // failure with its own.
        let ok = run("t", async { Err(Failure::StdoutClosed) });
        assert_eq!(format!("{ok:?}"), format!("{:?}", ExitCode::SUCCESS));
        let failed = run("t", async { Err(Failure::from("boom")) });
        assert_eq!(format!("{failed:?}"), format!("{:?}", ExitCode::FAILURE));
        let auth = run("t", async { Err(Failure::new(Status::AuthFailed, "no")) });
        assert_eq!(format!("{auth:?}"), format!("{:?}", ExitCode::from(24)));
    }

    #[test]
    fn sizes() {
        assert_eq!(format_size(8 << 20), "8M");
        assert_eq!(format_size(512), "512");
        assert_eq!(format_size(u64::MAX), "16777215T");
    }

    #[test]
    fn passwords_never_reach_a_message() {
        for (url, shown) in [
            (
                "iscsi://alice%s3cret@host:3260/iqn.x/1",
                "iscsi://alice%***@host:3260/iqn.x/1",
            ),
            (
                "iscsi://alice%s3c@ret@host/iqn.x/1?target_user=t&target_password=s3cret",
                "iscsi://alice%***@host/iqn.x/1?target_user=t&target_password=***",
            ),
            ("iscsi://alice@host", "iscsi://alice@host"),
            ("iscsi://host/x%y", "iscsi://host/x%y"),
            ("http://a%s3cret@b", "http://a%s3cret@b"),
        ] {
            assert_eq!(redact_url(url), shown);
        }
        // The message of a URL refused for another reason shows no password.
        let e = parse_url("iscsi://alice%s3cret@host:99999/iqn.x/1").unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(e.contains("alice%***@"), "{e}");
    }

    #[test]
    fn exit_statuses_follow_iscsiadm() {
        let login = |reason| Error::Login {
            target: "t".into(),
            reason,
        };
        let cases = [
            (
                Error::Connect {
                    addr: "a".into(),
                    kind: io::ErrorKind::ConnectionRefused,
                    message: "refused".into(),
                },
                4,
            ),
            (
                Error::Connect {
                    addr: "a".into(),
                    kind: io::ErrorKind::TimedOut,
                    message: "slow".into(),
                },
                8,
            ),
            (
                login(LoginFailure::Authentication(LoginError::InvalidConfig(
                    "bad",
                ))),
                24,
            ),
            (
                login(LoginFailure::Refused(LoginStatus::from_parts(2, 1))),
                24,
            ),
            (
                login(LoginFailure::Refused(LoginStatus::from_parts(2, 3))),
                19,
            ),
            (
                login(LoginFailure::Refused(LoginStatus::from_parts(3, 1))),
                5,
            ),
            (Error::Timeout(TimeoutKind::Command), 11),
            (Error::Timeout(TimeoutKind::Login), 8),
            (Error::Invalid("x".into()), 7),
            (
                Error::Scsi(ScsiError {
                    response: ScsiResponseCode::CommandCompleted,
                    status: ScsiStatus::CheckCondition,
                    sense: SenseData::decode(&[
                        0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x25, 0, 0, 0, 0, 0,
                    ])
                    .ok(),
                }),
                21,
            ),
            (Error::SessionClosed, 4),
        ];
        for (e, code) in cases {
            assert_eq!(Status::of(&e).code(), code, "{e:?}");
        }
    }
}
