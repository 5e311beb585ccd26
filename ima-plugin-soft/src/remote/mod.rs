//! The plugin's backend served by `iscsi-hbad`, and the protocol both ends speak.
//!
//! A hardware HBA keeps its sessions whatever the management tool does. So can ours: the
//! daemon `iscsi-hbad` runs one [`EngineBackend`](crate::engine::EngineBackend) for every
//! process, and the plugin of each process talks to it through a Unix socket instead of
//! running an engine of its own ([`RemoteBackend`]).
//!
//! # Protocol (version [`PROTOCOL_VERSION`])
//!
//! - Frames: a 4-byte big-endian length, then that many bytes of JSON. A frame longer than
//!   [`MAX_FRAME`] is refused (the daemon answers with an error frame and closes).
//! - The client opens with [`ClientFrame::Hello`]; the daemon answers
//!   [`ServerFrame::Hello`] with its version, or an error frame (another version, or a peer
//!   not allowed to use it) and closes.
//! - Then, one at a time: [`ClientFrame::Call`] with an id and a [`Call`] (one per
//!   [`Backend`](crate::Backend) method, arguments by name), answered by
//!   [`ServerFrame::Reply`] with the same id and the method's result as JSON or a
//!   [`WireError`] (the IMA status and a message).
//! - Or [`ClientFrame::Subscribe`], answered by [`ServerFrame::Subscribed`] once the
//!   subscription is in place: the connection then carries [`ServerFrame::Event`]s,
//!   in order, until either side closes it.
//!
//! The types are shared by both ends (this module); the daemon answers calls with
//! [`dispatch`].

mod calls;
mod client;
mod wire;

pub use calls::{Call, dispatch};
pub use client::{RemoteBackend, connect};
pub use wire::{
    ClientFrame, DEFAULT_SOCKET, FrameError, Hello, MAX_FRAME, PROTOCOL_VERSION, SOCKET_ENV,
    ServerFrame, WireError, decode_frame, encode_frame, frame_len, read_frame, write_frame,
};
