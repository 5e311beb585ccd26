//! `imadm`: a command-line client of the SNIA IMA C API, like illumos' `iscsiadm`.
//!
//! It loads an IMA library at run time (`--lib`, `IMA_LIB`, else the `libima.so` built
//! next to it), which loads the plugins its `ima.conf` names (`--conf` sets `IMA_CONF`).
//! All `unsafe` code is in [`ffi`]; see docs/imadm.md for the commands, the JSON fields and
//! the exit codes. The library crate exists for the binary (and its tests); it is not a
//! stable API.

pub mod cli;
pub mod cmd;
pub mod demo;
pub mod error;
pub mod ffi;
pub mod locate;
pub mod out;
pub mod params;
pub mod soft;
pub mod view;

use crate::cli::{Cli, Command};
use crate::cmd::Ctx;
use crate::error::Error;
use crate::out::Out;

/// Installs the log subscriber (standard error; `IMADM_LOG` overrides the level).
pub fn init_logging(level: u8) {
    let default = match level {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("IMADM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Runs a parsed command line.
///
/// # Errors
///
/// Whatever the command failed with; [`Error::exit_code`] gives the process exit code.
/// `demo` is [`demo::prepare`]d first, on the main thread.
pub fn run(cli: Cli, demo: Option<demo::Prepared>) -> Result<(), Error> {
    let out = Out { json: cli.json };
    if let Some(prepared) = demo {
        return demo::run(prepared);
    }
    if matches!(cli.command, Command::Demo) {
        return Err(Error::Invalid("demo: not prepared".into()));
    }
    let path = locate::library(cli.lib.as_deref())?;
    let ima = ffi::Ima::load(&path)?;
    tracing::info!(path = %path.display(), "IMA library loaded");
    cmd::run(&Ctx { ima, out }, cli.command)
}
