//! `iscsi-hbad`: the software iSCSI HBA as a daemon.
//!
//! One `iscsi-hba` engine for every process: the IMA plugin of each process talks to it on a
//! Unix socket (`ima_plugin_soft::remote`), so sessions live as long as the daemon, not as
//! long as the process that caused them. See docs/hbad.md.
//!
//! ```text
//! iscsi-hbad [--socket PATH] [--state PATH] [--allow-uid UID]... [--rescan-interval SECS]
//! ```
//!
//! The binary is [`main`]; [`Daemon`] runs the same server on a thread of the calling
//! process (tests, and programs that embed the daemon).
#![deny(unsafe_code)]

pub mod args;
mod conn;
mod server;

use std::{future::Future, pin::Pin, process::ExitCode, sync::Arc, thread::JoinHandle};

use ima_plugin_soft::{Backend, engine::EngineBackend};
use tokio::signal::unix::{SignalKind, signal};

pub use args::Options;
pub use server::ServerError;

/// A future that ends the server when it completes.
type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The program: parses the arguments, logs to standard error, serves until SIGTERM or
/// SIGINT. Exit status 0 after a clean stop, 1 when the daemon could not run, 2 for bad
/// arguments.
pub fn main() -> ExitCode {
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

/// Serves until SIGTERM or SIGINT (SIGHUP is logged and ignored).
///
/// # Errors
///
/// [`ServerError`] when the daemon cannot start.
pub fn run(options: Options) -> Result<(), ServerError> {
    serve_until(options, None, |runtime| {
        let _entered = runtime.enter();
        let mut term = signal(SignalKind::terminate()).map_err(ServerError::Signals)?;
        let mut int = signal(SignalKind::interrupt()).map_err(ServerError::Signals)?;
        let mut hup = signal(SignalKind::hangup()).map_err(ServerError::Signals)?;
        runtime.spawn(async move {
            while hup.recv().await.is_some() {
                // Nothing is reloaded behind the clients' backs: every change goes through
                // the API, and the options stay those the daemon started with.
                tracing::info!(
                    "SIGHUP ignored: iscsi-hbad reloads nothing; change the configuration \
                     through IMA (imadm)"
                );
            }
        });
        let stop: Stop = Box::pin(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        });
        Ok(stop)
    })
}

/// Binds, starts the engine, tells `ready` the outcome of both, and serves until the stop
/// future `stop_of` makes completes.
fn serve_until(
    options: Options,
    ready: Option<std::sync::mpsc::Sender<Result<(), String>>>,
    stop_of: impl FnOnce(&tokio::runtime::Runtime) -> Result<Stop, ServerError>,
) -> Result<(), ServerError> {
    let tell = |outcome: Result<(), String>| {
        if let Some(ready) = &ready {
            let _ = ready.send(outcome);
        }
    };
    let started = start_parts(&options);
    let (runtime, listener, backend, events) = match started {
        Ok(parts) => parts,
        Err(e) => {
            tell(Err(e.to_string()));
            return Err(e);
        }
    };
    let stop = match stop_of(&runtime) {
        Ok(stop) => stop,
        Err(e) => {
            tell(Err(e.to_string()));
            return Err(e);
        }
    };
    tell(Ok(()));
    let result = runtime.block_on(server::serve(
        listener,
        Arc::clone(&backend),
        &options,
        events,
        stop,
    ));
    // Connections still open are dropped with the runtime; the engine (and its own
    // runtime) is dropped last, here, outside every runtime.
    drop(runtime);
    drop(backend);
    result
}

type Parts = (
    tokio::runtime::Runtime,
    tokio::net::UnixListener,
    Arc<dyn Backend>,
    server::Events,
);

fn start_parts(options: &Options) -> Result<Parts, ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("iscsi-hbad")
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    // Bound first: a second daemon must fail before it touches the engine's state.
    let listener = {
        let _entered = runtime.enter();
        server::bind(&options.socket, !options.allow_uids.is_empty())?
    };
    let events = server::Events::new();
    let sink = events.clone();
    let backend: Arc<dyn Backend> = Arc::new(
        EngineBackend::start_with(options.engine_config(), move |e| sink.send(e))
            .map_err(ServerError::Engine)?,
    );
    tracing::info!(
        socket = %options.socket.display(),
        state = %options.engine_config().state_path.display(),
        "iscsi-hbad serving"
    );
    Ok((runtime, listener, backend, events))
}

/// A daemon served by a thread of this process until dropped (or [`Daemon::stop`]).
pub struct Daemon {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServerError>>>,
}

impl Daemon {
    /// Binds `options.socket`, starts the engine and serves on a new thread; returns once
    /// the socket is listening.
    ///
    /// # Errors
    ///
    /// The reason, as text, when the daemon could not start.
    pub fn start(options: Options) -> Result<Self, String> {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("iscsi-hbad".into())
            .spawn(move || {
                serve_until(options, Some(ready_tx), move |_| {
                    let stop: Stop = Box::pin(async move {
                        let _ = stop_rx.await;
                    });
                    Ok(stop)
                })
            })
            .map_err(|e| format!("cannot start the daemon thread: {e}"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err("the daemon thread ended before it was ready".into()),
        }
    }

    /// Stops it as SIGTERM would (sessions logged out, socket removed) and waits.
    ///
    /// # Errors
    ///
    /// What the server ended with.
    pub fn stop(mut self) -> Result<(), String> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), String> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result.map_err(|e| e.to_string()),
            Some(Err(_)) => Err("the daemon thread panicked".into()),
            None => Ok(()),
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
