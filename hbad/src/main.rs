//! `iscsi-hbad`: the software iSCSI HBA as a daemon.
//!
//! One `iscsi-hba` engine for every process: the IMA plugin of each process talks to it on a
//! Unix socket (`ima_plugin_soft::remote`), so sessions live as long as the daemon, not as
//! long as the process that caused them. See docs/hbad.md.
//!
//! ```text
//! iscsi-hbad [--socket PATH] [--state PATH] [--allow-uid UID]... [--rescan-interval SECS]
//! ```
#![deny(unsafe_code)]

mod args;
mod conn;
mod server;

use std::{process::ExitCode, sync::Arc};

use ima_plugin_soft::{Backend, engine::EngineBackend};

fn main() -> ExitCode {
    let options = match args::parse(std::env::args_os().skip(1)) {
        Ok(args::Parsed::Run(o)) => o,
        Ok(args::Parsed::Exit(text)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("iscsi-hbad: {e}\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "iscsi-hbad stopped");
            eprintln!("iscsi-hbad: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: args::Options) -> Result<(), server::ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("iscsi-hbad")
        .enable_all()
        .build()
        .map_err(server::ServerError::Runtime)?;
    // Bound first: a second daemon must fail before it touches the engine's state.
    let listener = {
        let _entered = runtime.enter();
        server::bind(&options.socket)?
    };
    let backend: Arc<dyn Backend> = Arc::new(
        EngineBackend::start_with(options.engine_config(), server::forward_event)
            .map_err(server::ServerError::Engine)?,
    );
    tracing::info!(
        socket = %options.socket.display(),
        state = %options.engine_config().state_path.display(),
        "iscsi-hbad serving"
    );
    let result = runtime.block_on(server::serve(listener, Arc::clone(&backend), &options));
    // Connections still open are dropped with the runtime; the engine (and its own
    // runtime) is dropped last, here, outside every runtime.
    drop(runtime);
    drop(backend);
    result
}
