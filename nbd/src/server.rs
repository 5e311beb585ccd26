//! The server: a table of exports and the listeners that serve them, on Unix sockets
//! (created owner-only, 0600) and on loopback TCP. There is no TLS and no authentication:
//! access to a Unix socket is its file mode, and TCP is refused on anything but loopback.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    os::unix::fs::{FileTypeExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, BufReader},
    net::{TcpListener, UnixListener},
    runtime::Handle,
    sync::watch,
    task::JoinHandle,
};
use tracing::{debug, info, warn};

use crate::{
    device::{BlockDevice, Geometry},
    error::{HandshakeError, ServerError},
    handshake::negotiate,
    transmission::serve,
};

/// How long a client may take from connecting to choosing an export.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest export name the protocol allows.
const MAX_NAME_LEN: usize = 4096;

/// An export: a name, an optional description, and its device.
#[derive(Clone)]
pub struct Export {
    /// The name clients ask for.
    pub name: String,
    /// Sent for `NBD_INFO_DESCRIPTION`.
    pub description: Option<String>,
    /// The device served.
    pub device: Arc<dyn BlockDevice>,
}

/// One export in the table, with its connected clients.
pub(crate) struct ExportEntry {
    export: Export,
    geometry: Geometry,
    clients: AtomicUsize,
    removed: watch::Sender<bool>,
}

impl ExportEntry {
    pub(crate) fn name(&self) -> &str {
        &self.export.name
    }

    pub(crate) fn description(&self) -> Option<&str> {
        self.export.description.as_deref()
    }

    pub(crate) fn geometry(&self) -> Geometry {
        self.geometry
    }

    pub(crate) fn device(&self) -> Arc<dyn BlockDevice> {
        Arc::clone(&self.export.device)
    }
}

/// The export table shared by the listeners.
#[derive(Default)]
pub(crate) struct Registry {
    exports: RwLock<BTreeMap<String, Arc<ExportEntry>>>,
}

impl Registry {
    /// The export of this name; the empty name (the default export) is the only export when
    /// there is exactly one.
    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<ExportEntry>> {
        let exports = self.exports.read().unwrap_or_else(|p| p.into_inner());
        if name.is_empty() && exports.len() == 1 {
            return exports.values().next().cloned();
        }
        exports.get(name).cloned()
    }

    pub(crate) fn names(&self) -> Vec<String> {
        let exports = self.exports.read().unwrap_or_else(|p| p.into_inner());
        exports.keys().cloned().collect()
    }
}

/// Where a listener listens.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum ListenAddr {
    /// A Unix socket at this path.
    Unix(PathBuf),
    /// A loopback TCP address.
    Tcp(SocketAddr),
}

impl ListenAddr {
    /// The NBD URI of `export` through this address: `nbd+unix:///NAME?socket=PATH` or
    /// `nbd://HOST:PORT/NAME` (NBD URI specification, `doc/uri.md`).
    pub fn uri(&self, export: &str) -> String {
        match self {
            Self::Unix(path) => format!(
                "nbd+unix:///{}?socket={}",
                percent_encode(export),
                percent_encode(&path.to_string_lossy())
            ),
            Self::Tcp(SocketAddr::V4(addr)) => {
                format!(
                    "nbd://{}:{}/{}",
                    addr.ip(),
                    addr.port(),
                    percent_encode(export)
                )
            }
            Self::Tcp(SocketAddr::V6(addr)) => {
                format!(
                    "nbd://[{}]:{}/{}",
                    addr.ip(),
                    addr.port(),
                    percent_encode(export)
                )
            }
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A running listener; dropping it (or [`Listener::close`]) stops accepting and removes its
/// socket file. Connections already made keep running until their export is removed.
#[derive(Debug)]
pub struct Listener {
    addr: ListenAddr,
    task: JoinHandle<()>,
}

impl Listener {
    /// Where it listens.
    pub fn addr(&self) -> &ListenAddr {
        &self.addr
    }

    /// Stops accepting and removes the socket file.
    pub fn close(self) {}
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
        if let ListenAddr::Unix(path) = &self.addr {
            if let Err(e) = std::fs::remove_file(path) {
                debug!(path = %path.display(), error = %e, "removing NBD socket");
            }
        }
    }
}

/// An NBD server: exports and listeners. Cheap to clone; clones share everything.
#[derive(Clone, Default)]
pub struct NbdServer {
    registry: Arc<Registry>,
}

/// A unique suffix for temporary socket names.
static TEMP_SOCKET: AtomicU64 = AtomicU64::new(0);

impl NbdServer {
    /// A server with no exports and no listeners.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an export.
    ///
    /// # Errors
    ///
    /// [`ServerError::Exists`], [`ServerError::NameTooLong`], or [`ServerError::Geometry`]
    /// when the device's block sizes break the protocol's rules.
    pub fn add_export(&self, export: Export) -> Result<(), ServerError> {
        if export.name.len() > MAX_NAME_LEN {
            return Err(ServerError::NameTooLong(export.name.len()));
        }
        let geometry = export.device.geometry();
        geometry.validate()?;
        let mut exports = self
            .registry
            .exports
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if exports.contains_key(&export.name) {
            return Err(ServerError::Exists(export.name));
        }
        let (removed, _) = watch::channel(false);
        info!(name = %export.name, size = geometry.size, "NBD export added");
        exports.insert(
            export.name.clone(),
            Arc::new(ExportEntry {
                export,
                geometry,
                clients: AtomicUsize::new(0),
                removed,
            }),
        );
        Ok(())
    }

    /// Removes an export. With clients connected it is refused unless `force`, which ends
    /// their connections once the requests they have in flight are answered.
    ///
    /// # Errors
    ///
    /// [`ServerError::NoSuchExport`], or [`ServerError::InUse`] with clients and no `force`.
    pub fn remove_export(&self, name: &str, force: bool) -> Result<(), ServerError> {
        let mut exports = self
            .registry
            .exports
            .write()
            .unwrap_or_else(|p| p.into_inner());
        let Some(entry) = exports.get(name) else {
            return Err(ServerError::NoSuchExport(name.to_owned()));
        };
        let clients = entry.clients.load(Ordering::SeqCst);
        if clients > 0 && !force {
            return Err(ServerError::InUse {
                name: name.to_owned(),
                clients,
            });
        }
        entry.removed.send_replace(true);
        exports.remove(name);
        info!(name, clients, "NBD export removed");
        Ok(())
    }

    /// How many clients are in transmission with the export, `None` if there is none.
    pub fn clients(&self, name: &str) -> Option<usize> {
        let exports = self
            .registry
            .exports
            .read()
            .unwrap_or_else(|p| p.into_inner());
        exports.get(name).map(|e| e.clients.load(Ordering::SeqCst))
    }

    /// The export names.
    pub fn export_names(&self) -> Vec<String> {
        self.registry.names()
    }

    /// Listens on a Unix socket at `path`, created with mode 0600 (bound under a temporary
    /// name, restricted, then renamed into place, so it is never reachable with a wider
    /// mode). A stale socket at `path` (nothing listening) is replaced; a live socket or any
    /// other file is an error.
    ///
    /// # Errors
    ///
    /// [`ServerError::PathInUse`] or [`ServerError::Listen`].
    pub fn listen_unix(&self, path: &Path, runtime: &Handle) -> Result<Listener, ServerError> {
        let listen_err = |source| ServerError::Listen {
            what: path.display().to_string(),
            source,
        };
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_socket() => {
                // A socket something still listens on is another server's, not stale.
                if std::os::unix::net::UnixStream::connect(path).is_ok() {
                    return Err(ServerError::PathInUse(path.to_owned()));
                }
                std::fs::remove_file(path).map_err(listen_err)?;
            }
            Ok(_) => return Err(ServerError::PathInUse(path.to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(listen_err(e)),
        }
        let mut temp = path.as_os_str().to_owned();
        temp.push(format!(
            ".{}.{}.tmp",
            std::process::id(),
            TEMP_SOCKET.fetch_add(1, Ordering::Relaxed)
        ));
        let temp = PathBuf::from(temp);
        let bound = (|| {
            let listener = std::os::unix::net::UnixListener::bind(&temp)?;
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600))?;
            std::fs::rename(&temp, path)?;
            listener.set_nonblocking(true)?;
            Ok(listener)
        })();
        let listener = match bound {
            Ok(listener) => listener,
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(listen_err(e));
            }
        };
        let _entered = runtime.enter();
        let listener = UnixListener::from_std(listener).map_err(listen_err)?;
        let registry = Arc::clone(&self.registry);
        let task = runtime.spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(connection(stream, Arc::clone(&registry)));
                    }
                    Err(e) => {
                        warn!(error = %e, "accepting an NBD connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        info!(path = %path.display(), "NBD server listening");
        Ok(Listener {
            addr: ListenAddr::Unix(path.to_owned()),
            task,
        })
    }

    /// Listens on a loopback TCP address (port 0 picks one; [`Listener::addr`] tells).
    ///
    /// # Errors
    ///
    /// [`ServerError::NotLoopback`] or [`ServerError::Listen`].
    pub fn listen_tcp(&self, addr: SocketAddr, runtime: &Handle) -> Result<Listener, ServerError> {
        if !addr.ip().is_loopback() {
            return Err(ServerError::NotLoopback(addr));
        }
        let listen_err = |source| ServerError::Listen {
            what: addr.to_string(),
            source,
        };
        let std_listener = std::net::TcpListener::bind(addr).map_err(listen_err)?;
        std_listener.set_nonblocking(true).map_err(listen_err)?;
        let local = std_listener.local_addr().map_err(listen_err)?;
        let _entered = runtime.enter();
        let listener = TcpListener::from_std(std_listener).map_err(listen_err)?;
        let registry = Arc::clone(&self.registry);
        let task = runtime.spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(connection(stream, Arc::clone(&registry)));
                    }
                    Err(e) => {
                        warn!(error = %e, "accepting an NBD connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        info!(%local, "NBD server listening");
        Ok(Listener {
            addr: ListenAddr::Tcp(local),
            task,
        })
    }
}

/// Counts a client of an export while it is in transmission.
struct ClientGuard(Arc<ExportEntry>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One connection: handshake (bounded in time), then transmission.
async fn connection<S>(stream: S, registry: Arc<Registry>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    // One buffered reader from the greeting to the end: a client may pipeline requests
    // right after GO's ACK.
    let mut stream = BufReader::new(stream);
    let negotiated =
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, negotiate(&mut stream, &registry)).await {
            Ok(Ok(Some(negotiated))) => negotiated,
            Ok(Ok(None)) => return,
            Ok(Err(e)) => {
                debug!(error = %e, "NBD handshake ended");
                return;
            }
            Err(_) => {
                debug!(error = %HandshakeError::Timeout, "NBD handshake ended");
                return;
            }
        };
    let entry = Arc::clone(&negotiated.entry);
    entry.clients.fetch_add(1, Ordering::SeqCst);
    let _guard = ClientGuard(Arc::clone(&entry));
    let removed = entry.removed.subscribe();
    if *removed.borrow() {
        return;
    }
    debug!(export = %entry.name(), structured = negotiated.structured, "NBD client in transmission");
    if let Err(e) = serve(stream, negotiated, removed).await {
        warn!(export = %entry.name(), error = %e, "NBD connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        let unix = ListenAddr::Unix(PathBuf::from("/run/ima/lun 1.sock"));
        assert_eq!(
            unix.uri("lu0"),
            "nbd+unix:///lu0?socket=/run/ima/lun%201.sock"
        );
        let tcp = ListenAddr::Tcp("127.0.0.1:10809".parse().unwrap());
        assert_eq!(tcp.uri("a:b"), "nbd://127.0.0.1:10809/a%3Ab");
    }
}
