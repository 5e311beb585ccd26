//! The `imadm` executable: parses the command line and runs it (see the library crate).

use std::process::ExitCode;

use clap::Parser;

use imadm::cli::{Cli, Command};
use imadm::error::{Error, exit};

fn fail(e: &Error) -> ExitCode {
    eprintln!("imadm: {e}");
    ExitCode::from(e.exit_code())
}

fn main() -> ExitCode {
    let cli = Cli::try_parse().unwrap_or_else(|e| e.exit());
    imadm::init_logging(cli.log);
    // Still single-threaded here: the environment is set before anything starts a thread
    // or loads the library (which reads it at its first call).
    if let Some(conf) = &cli.conf {
        imadm::ffi::set_env("IMA_CONF", conf);
    }
    let demo = if matches!(cli.command, Command::Demo) {
        match imadm::demo::prepare(cli.lib.as_deref()) {
            Ok(p) => Some(p),
            Err(e) => return fail(&e),
        }
    } else {
        None
    };
    // The IMA calls run on a thread of their own: the library terminates its plugins from
    // an exit handler on the main thread, after the main thread's thread-locals are gone,
    // so the main thread must never have entered a plugin (a Rust plugin's runtime keeps
    // per-thread state that cannot be used once destroyed).
    let worker = std::thread::Builder::new()
        .name("imadm".into())
        .spawn(move || imadm::run(cli, demo));
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(Ok(()))) => ExitCode::from(exit::OK),
        Ok(Ok(Err(e))) => fail(&e),
        Ok(Err(_)) => {
            eprintln!("imadm: internal error (panic)");
            ExitCode::from(exit::FAILURE)
        }
        Err(e) => fail(&Error::io("starting a thread", e)),
    }
}
