//! One client connection: credentials, greeting, then calls or an event stream.
//!
//! Every frame is bounded (`MAX_FRAME`); a frame that is too long or does not decode gets
//! an error frame and the connection is closed; a client that goes away mid-request only
//! loses its answer. Calls run on blocking threads (the engine backend blocks on its own
//! runtime), one at a time per connection.

use std::{sync::Arc, time::Duration};

use ima_abi::ImaStatus;
use ima_plugin_soft::{
    Backend,
    remote::{
        ClientFrame, FrameError, Hello, PROTOCOL_VERSION, ServerFrame, WireError, decode_frame,
        dispatch, encode_frame, frame_len,
    },
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::UnixStream,
    sync::{OwnedSemaphorePermit, broadcast},
};

/// How long the greeting may take, and a frame once its first byte arrived.
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// Who may use the daemon: root, the daemon's own user, and `--allow-uid` users.
pub(crate) struct Allowed {
    uids: Vec<u32>,
}

impl Allowed {
    pub(crate) fn new(extra: &[u32]) -> Self {
        let mut uids = vec![0, effective_uid()];
        uids.extend_from_slice(extra);
        Self { uids }
    }

    fn allows(&self, uid: u32) -> bool {
        self.uids.contains(&uid)
    }
}

#[allow(unsafe_code)]
fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Reads one frame: `None` at a clean end of stream between frames.
async fn read(
    stream: &mut UnixStream,
    idle: Option<Duration>,
) -> Result<Option<ClientFrame>, FrameError> {
    let mut prefix = [0u8; 4];
    let first = async {
        match stream.read_exact(&mut prefix).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(FrameError::Io(e)),
        }
    };
    let got = match idle {
        Some(limit) => tokio::time::timeout(limit, first)
            .await
            .map_err(|_| FrameError::Io(std::io::ErrorKind::TimedOut.into()))??,
        None => first.await?,
    };
    if !got {
        return Ok(None);
    }
    let mut body = vec![0u8; frame_len(prefix)?];
    tokio::time::timeout(FRAME_TIMEOUT, stream.read_exact(&mut body))
        .await
        .map_err(|_| FrameError::Io(std::io::ErrorKind::TimedOut.into()))??;
    decode_frame(&body).map(Some)
}

async fn write(stream: &mut UnixStream, frame: &ServerFrame) -> Result<(), FrameError> {
    let bytes = encode_frame(frame)?;
    stream.write_all(&bytes).await?;
    Ok(())
}

/// Tells the client why and closes.
async fn refuse(stream: &mut UnixStream, status: ImaStatus, why: String) {
    tracing::warn!(reason = %why, "connection refused");
    let _ = write(stream, &ServerFrame::Error(WireError::new(status, why))).await;
    let _ = stream.shutdown().await;
}

/// Serves one connection to its end.
pub(crate) async fn serve(
    mut stream: UnixStream,
    backend: Arc<dyn Backend>,
    events: broadcast::Sender<ima_plugin_soft::Event>,
    allowed: &Allowed,
    permit: Option<OwnedSemaphorePermit>,
) {
    let Some(_permit) = permit else {
        refuse(
            &mut stream,
            ImaStatus::ERROR_UNEXPECTED_OS_ERROR,
            "too many clients".into(),
        )
        .await;
        return;
    };
    let peer = match stream.peer_cred() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "no peer credentials; closing");
            return;
        }
    };
    let (uid, pid) = (peer.uid(), peer.pid());
    match read(&mut stream, Some(FRAME_TIMEOUT)).await {
        Ok(Some(ClientFrame::Hello(h))) if h.version == PROTOCOL_VERSION => {
            tracing::debug!(uid, ?pid, client = %h.software, "client greeted");
        }
        Ok(Some(ClientFrame::Hello(h))) => {
            let why = format!("protocol {} is not {PROTOCOL_VERSION}", h.version);
            refuse(&mut stream, ImaStatus::ERROR_NOT_SUPPORTED, why).await;
            return;
        }
        Ok(Some(_)) => {
            let why = "the first frame must be Hello".to_owned();
            refuse(&mut stream, ImaStatus::ERROR_INVALID_PARAMETER, why).await;
            return;
        }
        Ok(None) => return,
        Err(e) => {
            refuse(
                &mut stream,
                ImaStatus::ERROR_INVALID_PARAMETER,
                e.to_string(),
            )
            .await;
            return;
        }
    }
    // Refused after the greeting was read, so the client is reading when the refusal
    // comes (closing earlier would fail its write with EPIPE and lose the reason).
    if !allowed.allows(uid) {
        refuse(
            &mut stream,
            ImaStatus::ERROR_UNEXPECTED_OS_ERROR,
            format!("user {uid} may not use this daemon"),
        )
        .await;
        return;
    }
    if write(&mut stream, &ServerFrame::Hello(Hello::ours("iscsi-hbad")))
        .await
        .is_err()
    {
        return;
    }
    loop {
        let frame = match read(&mut stream, None).await {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(FrameError::Io(e)) => {
                tracing::debug!(uid, error = %e, "client gone");
                return;
            }
            Err(e) => {
                refuse(
                    &mut stream,
                    ImaStatus::ERROR_INVALID_PARAMETER,
                    e.to_string(),
                )
                .await;
                return;
            }
        };
        match frame {
            ClientFrame::Call { id, call } => {
                let name = call.name();
                let backend = Arc::clone(&backend);
                let result = tokio::task::spawn_blocking(move || dispatch(backend.as_ref(), call))
                    .await
                    .unwrap_or_else(|e| {
                        Err(WireError::new(
                            ImaStatus::ERROR_UNEXPECTED_OS_ERROR,
                            format!("the call failed: {e}"),
                        ))
                    });
                if let Err(e) = &result {
                    tracing::debug!(uid, call = name, status = e.status, "call failed");
                }
                if let Err(e) = write(&mut stream, &ServerFrame::Reply { id, result }).await {
                    // The client went away mid-request: its answer is lost, nothing else.
                    tracing::debug!(uid, call = name, error = %e, "client gone before the answer");
                    return;
                }
            }
            ClientFrame::Subscribe => {
                // Subscribed first, acknowledged second: the client may rely on every
                // event after the acknowledgement reaching it.
                let receiver = events.subscribe();
                if write(&mut stream, &ServerFrame::Subscribed).await.is_ok() {
                    stream_events(&mut stream, receiver, uid).await;
                }
                return;
            }
            ClientFrame::Hello(_) => {
                refuse(
                    &mut stream,
                    ImaStatus::ERROR_INVALID_PARAMETER,
                    "Hello twice".into(),
                )
                .await;
                return;
            }
        }
    }
}

/// Sends every event until the client closes (or sends anything: a subscribed connection
/// carries events only).
async fn stream_events(
    stream: &mut UnixStream,
    mut events: broadcast::Receiver<ima_plugin_soft::Event>,
    uid: u32,
) {
    let mut probe = [0u8; 1];
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => {
                    if write(stream, &ServerFrame::Event(event)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(uid, missed, "subscriber too slow; events dropped");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = stream.read(&mut probe) => return,
        }
    }
}
