//! The listener: binding the socket safely, accepting, and stopping on SIGTERM/SIGINT.

use std::{
    future::Future,
    io,
    os::unix::fs::{FileTypeExt, PermissionsExt},
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
};

use ima_plugin_soft::{Backend, Event};
use tokio::{
    net::UnixListener,
    sync::{Semaphore, broadcast},
};

use crate::{args::Options, conn};

/// At most this many clients at once; more are told so and closed.
const MAX_CLIENTS: usize = 256;

/// Events kept for a slow subscriber before it misses some.
const EVENT_BACKLOG: usize = 4096;

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The runtime did not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
    /// The engine did not start (a corrupt state file above all).
    #[error("the engine did not start: {0}")]
    Engine(String),
    /// Another daemon answers on the socket.
    #[error("another iscsi-hbad is serving {}", .0.display())]
    InUse(PathBuf),
    /// The path exists and is not a socket: not ours to remove.
    #[error("{} exists and is not a socket", .0.display())]
    NotASocket(PathBuf),
    /// The socket could not be created or protected.
    #[error("{}: {source}", path.display())]
    Socket {
        /// The socket path.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Signals could not be watched.
    #[error("cannot watch signals: {0}")]
    Signals(#[source] io::Error),
}

fn socket_error(path: &Path) -> impl FnOnce(io::Error) -> ServerError + '_ {
    move |source| ServerError::Socket {
        path: path.to_path_buf(),
        source,
    }
}

/// The engine's events, for every subscribed connection of one daemon.
#[derive(Clone)]
pub(crate) struct Events(broadcast::Sender<Event>);

impl Events {
    pub(crate) fn new() -> Self {
        Self(broadcast::channel(EVENT_BACKLOG).0)
    }

    /// The engine's event sink (called on the engine's event thread): never blocks.
    pub(crate) fn send(&self, event: Event) {
        // No subscriber is not an error.
        let _ = self.0.send(event);
    }

    pub(crate) fn sender(&self) -> broadcast::Sender<Event> {
        self.0.clone()
    }
}

/// Binds the socket: a live daemon on it is an error, a stale socket file (nobody
/// listening) is replaced, anything that is not a socket is left alone. The socket is
/// owner-only (mode 0600) unless `open` (other users were allowed with `--allow-uid`:
/// mode 0666, and the peer check on every connection is what keeps the rest out), in a
/// directory created when missing (0700, or 0755 when `open`).
pub(crate) fn bind(path: &Path, open: bool) -> Result<UnixListener, ServerError> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(ServerError::NotASocket(path.to_path_buf()));
        }
        match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => return Err(ServerError::InUse(path.to_path_buf())),
            Err(_) => {
                tracing::warn!(socket = %path.display(), "removing a stale socket");
                std::fs::remove_file(path).map_err(socket_error(path))?;
            }
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(socket_error(dir))?;
            let mode = if open { 0o755 } else { 0o700 };
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
                .map_err(socket_error(dir))?;
        }
    }
    let listener = UnixListener::bind(path).map_err(socket_error(path))?;
    // Owner-only: others cannot even connect (peer credentials are checked as well).
    let mode = if open { 0o666 } else { 0o600 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(socket_error(path))?;
    Ok(listener)
}

/// Serves until `stop` completes, then logs every session out and removes the socket.
pub(crate) async fn serve(
    listener: UnixListener,
    backend: Arc<dyn Backend>,
    options: &Options,
    events: Events,
    mut stop: Pin<Box<dyn Future<Output = ()> + Send>>,
) -> Result<(), ServerError> {
    let allowed = Arc::new(conn::Allowed::new(&options.allow_uids));
    let slots = Arc::new(Semaphore::new(MAX_CLIENTS));
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let permit = Arc::clone(&slots).try_acquire_owned().ok();
                    let (backend, allowed) = (Arc::clone(&backend), Arc::clone(&allowed));
                    let events = events.sender();
                    tokio::spawn(async move {
                        conn::serve(stream, backend, events, &allowed, permit).await;
                    });
                }
                Err(e) => {
                    // Out of descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
            () = &mut stop => break,
        }
    }
    tracing::info!("stopping: logging every session out");
    drop(listener);
    let path = options.socket.clone();
    let stopping = Arc::clone(&backend);
    if let Err(e) = tokio::task::spawn_blocking(move || stopping.shutdown()).await {
        tracing::warn!(error = %e, "shutdown task failed");
    }
    if let Err(e) = std::fs::remove_file(&path) {
        tracing::warn!(socket = %path.display(), error = %e, "cannot remove the socket");
    }
    tracing::info!("stopped");
    Ok(())
}
