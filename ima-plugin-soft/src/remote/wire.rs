//! Frames and messages of the daemon protocol (see the module documentation).

use std::io::{self, Read, Write};

use ima_abi::ImaStatus;
use ima_support::IntoStatus;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::backend::Event;
use crate::error::PluginError;

use super::Call;

/// The protocol version this code speaks.
pub const PROTOCOL_VERSION: u32 = 2;

/// The longest frame either end accepts: 1 MiB, far above any request or answer (the
/// largest are SCSI data of at most 64 KiB and object lists).
pub const MAX_FRAME: usize = 1 << 20;

/// The environment variable naming the daemon's socket. Empty: never use a daemon.
pub const SOCKET_ENV: &str = "ISCSI_HBAD_SOCKET";

/// The daemon's socket when [`SOCKET_ENV`] is not set.
pub const DEFAULT_SOCKET: &str = "/run/iscsi-hbad.sock";

/// Either end's greeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`].
    pub version: u32,
    /// The program and its version (`ima-plugin-soft 0.1.0`, `iscsi-hbad 0.1.0`).
    pub software: String,
}

impl Hello {
    /// Our greeting, as `software`.
    pub fn ours(software: &str) -> Self {
        Self {
            version: PROTOCOL_VERSION,
            software: format!("{software} {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// What a client sends.
#[derive(Debug, Serialize, Deserialize)]
pub enum ClientFrame {
    /// The first frame.
    Hello(Hello),
    /// A backend call.
    Call {
        /// Echoed in the reply.
        id: u64,
        /// The call.
        call: Call,
    },
    /// Turns the connection into an event stream.
    Subscribe,
}

/// What the daemon sends.
#[derive(Debug, Serialize, Deserialize)]
pub enum ServerFrame {
    /// The answer to [`ClientFrame::Hello`].
    Hello(Hello),
    /// The answer to [`ClientFrame::Call`].
    Reply {
        /// The call's id.
        id: u64,
        /// The method's result.
        result: Result<serde_json::Value, WireError>,
    },
    /// The answer to [`ClientFrame::Subscribe`], sent once the daemon's subscription is in
    /// place: every event after it reaches this connection (protocol version 2).
    Subscribed,
    /// An event, on a subscribed connection.
    Event(Event),
    /// The connection is refused or broken (bad version, not allowed, a bad frame); the
    /// daemon closes it after this frame.
    Error(WireError),
}

/// A failed call: the IMA status the plugin answers with, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    /// The `IMA_STATUS` value.
    pub status: u32,
    /// A description (never a secret).
    pub message: String,
}

impl WireError {
    /// An error with this status.
    pub fn new(status: ImaStatus, message: impl Into<String>) -> Self {
        Self {
            status: u32::try_from(status.0).unwrap_or(0x8FFF_FFFF),
            message: message.into(),
        }
    }
}

impl From<&PluginError> for WireError {
    fn from(e: &PluginError) -> Self {
        Self::new(e.status(), e.to_string())
    }
}

impl From<WireError> for PluginError {
    fn from(e: WireError) -> Self {
        let status = ImaStatus(e.status.into());
        if status == ImaStatus::ERROR_NOT_SUPPORTED {
            Self::NotSupported
        } else if status == ImaStatus::ERROR_OBJECT_NOT_FOUND {
            Self::ObjectNotFound
        } else if status == ImaStatus::ERROR_UNEXPECTED_OS_ERROR {
            Self::Engine(e.message)
        } else {
            Self::Status(status)
        }
    }
}

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The peer closed the connection between frames.
    #[error("connection closed")]
    Closed,
    /// Reading or writing failed (a peer that closed mid-frame included).
    #[error("socket: {0}")]
    Io(#[from] io::Error),
    /// The length prefix is above [`MAX_FRAME`].
    #[error("frame of {0} bytes is above the {MAX_FRAME}-byte limit")]
    TooLarge(usize),
    /// The JSON does not decode as the expected message.
    #[error("malformed frame: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// The frame of `message`: length prefix and JSON.
///
/// # Errors
///
/// [`FrameError::TooLarge`] when it encodes to more than [`MAX_FRAME`] bytes;
/// [`FrameError::Malformed`] when it does not serialise.
pub fn encode_frame(message: &impl Serialize) -> Result<Vec<u8>, FrameError> {
    let body = serde_json::to_vec(message)?;
    if body.len() > MAX_FRAME {
        return Err(FrameError::TooLarge(body.len()));
    }
    let len = u32::try_from(body.len()).map_err(|_| FrameError::TooLarge(body.len()))?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

/// Decodes a frame's body.
///
/// # Errors
///
/// [`FrameError::Malformed`].
pub fn decode_frame<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    Ok(serde_json::from_slice(body)?)
}

/// The body length of a frame from its prefix.
///
/// # Errors
///
/// [`FrameError::TooLarge`].
pub fn frame_len(prefix: [u8; 4]) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(prefix) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len));
    }
    Ok(len)
}

/// Writes one frame.
///
/// # Errors
///
/// As [`encode_frame`]; [`FrameError::Io`].
pub fn write_frame(w: &mut impl Write, message: &impl Serialize) -> Result<(), FrameError> {
    w.write_all(&encode_frame(message)?)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame (blocking).
///
/// # Errors
///
/// [`FrameError::Closed`] at a clean end of stream; [`FrameError::Io`],
/// [`FrameError::TooLarge`], [`FrameError::Malformed`].
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> Result<T, FrameError> {
    let mut prefix = [0u8; 4];
    match r.read_exact(&mut prefix) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(e.into()),
    }
    let mut body = vec![0u8; frame_len(prefix)?];
    r.read_exact(&mut body)?;
    decode_frame(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_are_bounded() {
        let hello = ClientFrame::Hello(Hello::ours("test"));
        let frame = encode_frame(&hello).expect("encode");
        let back: ClientFrame = read_frame(&mut frame.as_slice()).expect("decode");
        assert!(matches!(back, ClientFrame::Hello(h) if h.version == PROTOCOL_VERSION));
        let huge = (MAX_FRAME as u32 + 1).to_be_bytes();
        assert!(matches!(
            read_frame::<ClientFrame>(&mut huge.as_slice()),
            Err(FrameError::TooLarge(_))
        ));
        assert!(matches!(
            read_frame::<ClientFrame>(&mut [].as_slice()),
            Err(FrameError::Closed)
        ));
        let mut garbage = 5u32.to_be_bytes().to_vec();
        garbage.extend_from_slice(b"nope!");
        assert!(matches!(
            read_frame::<ClientFrame>(&mut garbage.as_slice()),
            Err(FrameError::Malformed(_))
        ));
        let truncated = [0u8, 0, 0, 9, b'{'];
        assert!(matches!(
            read_frame::<ClientFrame>(&mut truncated.as_slice()),
            Err(FrameError::Io(_))
        ));
        let status = WireError::from(&PluginError::NotSupported);
        assert!(matches!(
            PluginError::from(status),
            PluginError::NotSupported
        ));
    }
}
