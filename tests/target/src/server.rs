//! The tokio wrapper: a listener on loopback and one task per connection pumping bytes
//! between the socket and a [`TargetConnection`].

use std::{
    io,
    net::SocketAddr,
    sync::{Arc, Mutex, PoisonError},
    time::Instant,
};

use bytes::{Buf, BytesMut};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::{TcpListener, TcpSocket, TcpStream},
    sync::watch,
    task::JoinHandle,
};

use tracing::Instrument;

use crate::{config::TargetConfig, connection::TargetConnection, target::Target};

/// Bytes of output gathered before the task stops polling the core and writes.
const MAX_OUTPUT: usize = 1 << 20;
/// Connections the kernel may queue before we accept them. `TcpListener::bind` asks for 128
/// (mio follows the standard library): a burst of connects larger than that (the scale
/// benchmark with high login concurrency) overflowed the queue, and each dropped SYN waits
/// a second for its retransmission. The kernel caps the value at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// A test target listening on `127.0.0.1` (port chosen by the OS).
///
/// Dropping it stops the listener and every connection; LU data lives in the
/// [`Target`], which can be kept (see [`TestTarget::target`]) and restarted.
#[derive(Debug)]
pub struct TestTarget {
    target: Target,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: Option<JoinHandle<()>>,
}

impl TestTarget {
    /// Builds a [`Target`] from `config` and starts listening on `127.0.0.1:0`.
    ///
    /// # Errors
    ///
    /// An invalid configuration ([`io::ErrorKind::InvalidInput`]) or a bind failure.
    pub async fn start(config: TargetConfig) -> io::Result<Self> {
        let target =
            Target::new(config).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Self::start_with(target).await
    }

    /// Starts listening for an existing [`Target`] (its LUs and logs are kept).
    ///
    /// # Errors
    ///
    /// A bind failure.
    pub async fn start_with(target: Target) -> io::Result<Self> {
        Self::listen(target, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    async fn listen(target: Target, addr: SocketAddr) -> io::Result<Self> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As `TcpListener::bind` does: a restarted target binds its old port at once.
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(LISTEN_BACKLOG)?;
        let addr = listener.local_addr()?;
        target.set_portal(addr.to_string());
        let (shutdown, _) = watch::channel(false);
        let tasks = Arc::new(Mutex::new(Vec::new()));
        let accept = tokio::spawn(accept_loop(
            listener,
            target.clone(),
            shutdown.subscribe(),
            Arc::clone(&tasks),
        ));
        Ok(Self {
            target,
            addr,
            shutdown,
            tasks,
            accept: Some(accept),
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared target: logs, faults, LUs, [`Target::send_async`],
    /// [`Target::drop_connections`], ...
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Closes every live connection at once (a target crash); keeps listening and keeps
    /// the LU data.
    pub fn drop_connections(&self) {
        self.target.drop_connections();
    }

    /// Stops listening and closes every connection, waiting for their tasks to end.
    pub async fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            accept.abort();
            let _ = accept.await;
        }
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        for task in tasks {
            let _ = task.await;
        }
    }

    /// Stops (as [`TestTarget::stop`]) and listens again on the same address, as a
    /// restarted target would. LU data and logs are kept.
    ///
    /// # Errors
    ///
    /// The address could not be bound again.
    pub async fn restart(&mut self) -> io::Result<()> {
        self.stop().await;
        let fresh = Self::listen(self.target.clone(), self.addr).await?;
        let old = std::mem::replace(self, fresh);
        drop(old);
        Ok(())
    }
}

impl Drop for TestTarget {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: Target,
    mut shutdown: watch::Receiver<bool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    // Finished tasks are pruned when the list has doubled since the last pruning, not at
    // every accept: a scan per accept made thousands of connections quadratic.
    let mut prune_at = 64;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, peer)) = accepted else { continue };
                tracing::debug!(%peer, "test target: connection accepted");
                let task = tokio::spawn(run_connection(target.clone(), socket, shutdown.clone()));
                let mut tasks = tasks.lock().unwrap_or_else(PoisonError::into_inner);
                if tasks.len() >= prune_at {
                    tasks.retain(|t| !t.is_finished());
                    prune_at = (tasks.len() * 2).max(64);
                }
                tasks.push(task);
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// Pumps one connection until it closes, the peer goes away, or the target stops, inside a
/// span naming the connection.
async fn run_connection(target: Target, mut socket: TcpStream, shutdown: watch::Receiver<bool>) {
    let _ = socket.set_nodelay(true);
    let conn = TargetConnection::new(&target);
    // `instrument`, not `span.enter()`: an entered guard held across awaits would stay
    // entered while other tasks run on this thread.
    let span = tracing::debug_span!("test-target", connection = %conn.id());
    // A TCP stream splits without a lock (bench-target runs on this path).
    let (rd, wr) = socket.split();
    pump(target, conn, rd, wr, shutdown).instrument(span).await;
}

/// Serves one connection of `target` over any byte stream (for example one end of
/// `tokio::io::duplex`) until it closes or the peer goes away. Time is tokio's, so tests
/// that pause the clock drive the target's timers too.
pub async fn serve_stream<S>(target: Target, stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let conn = TargetConnection::new(&target);
    let span = tracing::debug_span!("test-target", connection = %conn.id());
    // Nothing stops it but the stream and the target's own drop switch.
    let (_keep, shutdown) = watch::channel(false);
    let (rd, wr) = tokio::io::split(stream);
    pump(target, conn, rd, wr, shutdown).instrument(span).await;
}

/// The clock: tokio's, so paused-time tests control it.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

async fn pump<R, W>(
    target: Target,
    mut conn: TargetConnection,
    mut rd: R,
    mut wr: W,
    mut shutdown: watch::Receiver<bool>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let wake = target.waker(conn.id());
    let mut input = BytesMut::with_capacity(64 * 1024);
    let mut output = BytesMut::new();
    let mut peer_gone = false;
    loop {
        if output.len() < MAX_OUTPUT {
            conn.poll_transmit(now(), &mut output);
        }
        if (conn.is_closed() || peer_gone) && output.is_empty() {
            break;
        }
        let deadline = conn.poll_timeout().map(tokio::time::Instant::from_std);
        tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            written = wr.write(&output), if !output.is_empty() => match written {
                Ok(n) if n > 0 => output.advance(n),
                _ => break,
            },
            read = rd.read_buf(&mut input), if !conn.is_closed() && !peer_gone => match read {
                Ok(0) | Err(_) => peer_gone = true,
                Ok(_) => {
                    if conn.handle_read(now(), &mut input).is_err() {
                        tracing::debug!("test target: closing on a framing error");
                    }
                }
            },
            () = sleep_until(deadline), if deadline.is_some() => {
                conn.handle_timeout(now());
            }
            () = wake.notified() => {}
        }
        if peer_gone && !conn.is_closed() && output.is_empty() {
            break;
        }
    }
    let _ = wr.shutdown().await;
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
