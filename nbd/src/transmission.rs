//! The transmission phase: one reader (this task) parses requests and starts a task per
//! request; one writer task sends each reply whole, in completion order (the cookie says
//! which request it answers).
//!
//! Bounds: at most [`MAX_IN_FLIGHT`] requests and [`PAYLOAD_BUDGET`] bytes of read and write
//! payload in flight per connection; the reader waits for room before reading more.
//! `NBD_CMD_DISC`, end of stream, a forced removal of the export or a failed writer stop
//! the reader; the requests already started are answered before the connection closes, so a
//! write acknowledged to the client is always one the device finished.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter},
    sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch},
    task::JoinSet,
};
use tracing::{debug, warn};

use crate::{
    device::{BlockDevice, DeviceError, Extent, Geometry},
    error::TransmissionError,
    handshake::{BASE_ALLOCATION_ID, Negotiated, discard},
    wire::{
        ChunkType, Command, Errno, REQUEST_HEADER_LEN, RequestHeader, command_flags,
        encode_chunk_header, encode_error_chunk, encode_simple_reply,
    },
};

/// Requests in flight per connection.
pub const MAX_IN_FLIGHT: usize = 64;
/// Bytes of payload (read data and write data) in flight per connection; at least
/// [`crate::MAX_PAYLOAD`].
pub const PAYLOAD_BUDGET: usize = 128 << 20;
/// The largest write payload read and dropped (answered `EINVAL`) rather than closing.
const MAX_WRITE_DISCARD: u32 = 64 << 20;
/// Extents in one block status reply.
const MAX_EXTENTS: usize = 4096;

/// One reply, ready to send: the header (and any small payload), then the data of a read.
struct Frame {
    head: Bytes,
    data: Option<Bytes>,
    /// Released once the frame is written, so queued read data counts against the budget.
    _payload: Option<OwnedSemaphorePermit>,
}

/// What every request task needs.
#[derive(Clone)]
struct Context {
    device: Arc<dyn BlockDevice>,
    structured: bool,
    replies: mpsc::Sender<Frame>,
}

/// Serves requests until the client disconnects or `removed` turns true.
pub(crate) async fn serve<S>(
    stream: S,
    negotiated: Negotiated,
    mut removed: watch::Receiver<bool>,
) -> Result<(), TransmissionError>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let geometry = negotiated.entry.geometry();
    let (mut reader, writer) = tokio::io::split(stream);
    let (replies, queue) = mpsc::channel(MAX_IN_FLIGHT);
    let writer = tokio::spawn(write_replies(writer, queue));
    let ctx = Context {
        device: negotiated.entry.device(),
        structured: negotiated.structured,
        replies,
    };
    let requests = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let payload = Arc::new(Semaphore::new(PAYLOAD_BUDGET));
    let mut tasks = JoinSet::new();

    let outcome = loop {
        while tasks.try_join_next().is_some() {}
        let mut raw = [0; REQUEST_HEADER_LEN];
        tokio::select! {
            biased;
            _ = removed.wait_for(|gone| *gone) => {
                debug!("export removed: closing connection");
                break Ok(());
            }
            () = ctx.replies.closed() => break Ok(()),
            read = reader.read_exact(&mut raw) => match read {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break Ok(()),
                Err(e) => break Err(e.into()),
            },
        }
        let header = RequestHeader::decode(&raw);
        if !header.magic_ok() {
            break Err(TransmissionError::BadMagic(header.magic));
        }
        if header.command == Command::Disc {
            debug!("NBD_CMD_DISC");
            break Ok(());
        }
        // Neither semaphore is ever closed.
        let Ok(slot) = requests.clone().acquire_owned().await else {
            break Ok(());
        };

        let checked = check(
            &header,
            &geometry,
            negotiated.base_allocation,
            ctx.structured,
        );
        let mut data = None;
        if header.command == Command::Write {
            if checked.is_err() || header.length > geometry.max_payload {
                if header.length > MAX_WRITE_DISCARD {
                    break Err(TransmissionError::WriteTooLarge(header.length));
                }
                if let Err(e) = discard(&mut reader, u64::from(header.length)).await {
                    break Err(e.into());
                }
            } else {
                let Ok(permit) = payload.clone().acquire_many_owned(header.length).await else {
                    break Ok(());
                };
                match read_payload(&mut reader, header.length as usize).await {
                    Ok(buf) => data = Some((buf, permit)),
                    Err(e) => break Err(e.into()),
                }
            }
        }
        if let Err(errno) = checked {
            let frame = error_frame(&header, errno, "request refused", ctx.structured);
            if ctx.replies.send(frame).await.is_err() {
                break Ok(());
            }
            continue;
        }
        let read_permit = if header.command == Command::Read {
            let Ok(permit) = payload.clone().acquire_many_owned(header.length).await else {
                break Ok(());
            };
            Some(permit)
        } else {
            None
        };
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let frame = execute(&ctx, &header, data, read_permit).await;
            // The writer is gone only when the client is: nothing left to tell.
            let _ = ctx.replies.send(frame).await;
            drop(slot);
        });
    };

    // Answer everything started before closing.
    while tasks.join_next().await.is_some() {}
    drop(ctx);
    match writer.await {
        Ok(Err(e)) => debug!(error = %e, "writing replies failed"),
        Err(e) => warn!(error = %e, "reply writer task failed"),
        Ok(Ok(())) => {}
    }
    outcome
}

/// Reads a write's `length` bytes of payload into a buffer of exactly that capacity,
/// without zero-filling it first.
async fn read_payload<R>(reader: &mut R, length: usize) -> std::io::Result<Bytes>
where
    R: AsyncRead + Unpin,
{
    let mut buf = BytesMut::with_capacity(length);
    while buf.len() < length {
        let want = (length - buf.len()) as u64;
        if (&mut *reader).take(want).read_buf(&mut buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok(buf.freeze())
}

/// Validates a request against the export; `Err` is the error number to answer with.
fn check(
    header: &RequestHeader,
    g: &Geometry,
    base_allocation: bool,
    structured: bool,
) -> Result<(), Errno> {
    if header.flags & !command_flags::KNOWN != 0 {
        return Err(Errno::Einval);
    }
    let ranged = match header.command {
        Command::Read | Command::BlockStatus => true,
        Command::Write | Command::Trim | Command::WriteZeroes => {
            if g.read_only {
                return Err(Errno::Eperm);
            }
            true
        }
        Command::Flush => false,
        Command::Disc | Command::Cache | Command::Unknown(_) => return Err(Errno::Einval),
    };
    let supported = match header.command {
        Command::Flush => g.flush,
        Command::Trim => g.trim,
        Command::WriteZeroes => g.write_zeroes,
        Command::BlockStatus => structured && base_allocation,
        _ => true,
    };
    if !supported {
        return Err(Errno::Einval);
    }
    if !ranged {
        return Ok(());
    }
    let block = u64::from(g.block_size);
    let length = u64::from(header.length);
    if length == 0 || header.offset % block != 0 || length % block != 0 {
        return Err(Errno::Einval);
    }
    if matches!(header.command, Command::Read | Command::Write) && header.length > g.max_payload {
        return Err(Errno::Einval);
    }
    let past_end = header
        .offset
        .checked_add(length)
        .is_none_or(|end| end > g.size);
    if past_end {
        return Err(
            if matches!(header.command, Command::Write | Command::WriteZeroes) {
                Errno::Enospc
            } else {
                Errno::Einval
            },
        );
    }
    Ok(())
}

/// Runs one checked request on the device and builds its reply.
async fn execute(
    ctx: &Context,
    header: &RequestHeader,
    data: Option<(Bytes, OwnedSemaphorePermit)>,
    read_permit: Option<OwnedSemaphorePermit>,
) -> Frame {
    let fua = header.flags & command_flags::FUA != 0;
    let device = &*ctx.device;
    let (offset, length) = (header.offset, header.length);
    let result = match header.command {
        Command::Read => match device.read(offset, length).await {
            Ok(bytes) if bytes.len() == length as usize => {
                return read_frame(header, bytes, read_permit, ctx.structured);
            }
            Ok(bytes) => Err(DeviceError::io(format!(
                "device returned {} bytes for a read of {length}",
                bytes.len()
            ))),
            Err(e) => Err(e),
        },
        Command::Write => match data {
            Some((bytes, _permit)) => device.write(offset, bytes, fua).await,
            None => Err(DeviceError::new(Errno::Einval, "write without data")),
        },
        Command::Flush => device.flush().await,
        Command::Trim => device.trim(offset, u64::from(length), fua).await,
        Command::WriteZeroes => {
            let no_hole = header.flags & command_flags::NO_HOLE != 0;
            device
                .write_zeroes(offset, u64::from(length), no_hole, fua)
                .await
        }
        Command::BlockStatus => match device.block_status(offset, u64::from(length)).await {
            Ok(extents) => return block_status_frame(header, &extents),
            Err(e) => Err(e),
        },
        Command::Disc | Command::Cache | Command::Unknown(_) => {
            Err(DeviceError::new(Errno::Einval, "unsupported command"))
        }
    };
    match result {
        Ok(()) => {
            let mut head = BytesMut::with_capacity(crate::wire::SIMPLE_REPLY_LEN);
            encode_simple_reply(&mut head, header.cookie, None);
            Frame {
                head: head.freeze(),
                data: None,
                _payload: None,
            }
        }
        Err(e) => {
            debug!(command = ?header.command, offset, length, error = %e, "request failed");
            error_frame(header, e.errno(), e.message(), ctx.structured)
        }
    }
}

/// A successful read: one `OFFSET_DATA` chunk with DONE, or a simple reply and the data.
fn read_frame(
    header: &RequestHeader,
    data: Bytes,
    permit: Option<OwnedSemaphorePermit>,
    structured: bool,
) -> Frame {
    let mut head = BytesMut::with_capacity(crate::wire::CHUNK_HEADER_LEN + 8);
    if structured {
        // data.len() == header.length, a u32.
        let len = u32::try_from(data.len() + 8).unwrap_or(u32::MAX);
        encode_chunk_header(&mut head, header.cookie, ChunkType::OffsetData, true, len);
        head.put_u64(header.offset);
    } else {
        encode_simple_reply(&mut head, header.cookie, None);
    }
    Frame {
        head: head.freeze(),
        data: Some(data),
        _payload: permit,
    }
}

/// A block status reply for `base:allocation`: extents cut to the request, merged when
/// adjacent with equal flags, at most [`MAX_EXTENTS`]; a device that gave none is answered
/// with one allocated extent covering the request.
fn block_status_frame(header: &RequestHeader, extents: &[Extent]) -> Frame {
    let mut out: Vec<(u32, u32)> = Vec::new();
    let mut left = u64::from(header.length);
    let req_one = header.flags & command_flags::REQ_ONE != 0;
    for extent in extents {
        if left == 0 || out.len() >= MAX_EXTENTS {
            break;
        }
        let len = extent.length.min(left);
        if len == 0 {
            continue;
        }
        left -= len;
        // len <= header.length, a u32.
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        match out.last_mut() {
            Some((l, f)) if *f == extent.flags => *l = l.saturating_add(len),
            _ => out.push((len, extent.flags)),
        }
    }
    if out.is_empty() {
        out.push((header.length, 0));
    }
    if req_one {
        out.truncate(1);
    }
    let payload_len = 4 + out.len() * 8;
    let mut head = BytesMut::with_capacity(crate::wire::CHUNK_HEADER_LEN + payload_len);
    // At most 4 + 8 × MAX_EXTENTS bytes.
    let payload_u32 = u32::try_from(payload_len).unwrap_or(u32::MAX);
    encode_chunk_header(
        &mut head,
        header.cookie,
        ChunkType::BlockStatus,
        true,
        payload_u32,
    );
    head.put_u32(BASE_ALLOCATION_ID);
    for (len, flags) in out {
        head.put_u32(len);
        head.put_u32(flags);
    }
    Frame {
        head: head.freeze(),
        data: None,
        _payload: None,
    }
}

/// An error reply: a structured error chunk for reads and block status once structured
/// replies are on (the protocol requires chunks there), a simple reply otherwise.
fn error_frame(header: &RequestHeader, errno: Errno, message: &str, structured: bool) -> Frame {
    let mut head = BytesMut::new();
    if structured && matches!(header.command, Command::Read | Command::BlockStatus) {
        encode_error_chunk(&mut head, header.cookie, errno, message);
    } else {
        encode_simple_reply(&mut head, header.cookie, Some(errno));
    }
    Frame {
        head: head.freeze(),
        data: None,
        _payload: None,
    }
}

/// Writes frames as they come, flushing when the queue runs dry.
async fn write_replies<W>(writer: W, mut queue: mpsc::Receiver<Frame>) -> std::io::Result<()>
where
    W: AsyncWrite + Unpin,
{
    let mut writer = BufWriter::with_capacity(256 << 10, writer);
    while let Some(frame) = queue.recv().await {
        writer.write_all(&frame.head).await?;
        if let Some(data) = &frame.data {
            writer.write_all(data).await?;
        }
        drop(frame);
        if queue.is_empty() {
            writer.flush().await?;
        }
    }
    writer.flush().await?;
    // The client may be gone already; closing is best effort.
    let _ = writer.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::REQUEST_MAGIC;

    fn geometry() -> Geometry {
        Geometry {
            size: 1 << 20,
            block_size: 4096,
            preferred_block_size: 4096,
            max_payload: 1 << 16,
            read_only: false,
            flush: true,
            fua: true,
            trim: false,
            write_zeroes: true,
            multi_conn: true,
        }
    }

    fn request(command: Command, offset: u64, length: u32) -> RequestHeader {
        RequestHeader {
            magic: REQUEST_MAGIC,
            flags: 0,
            command,
            cookie: 1,
            offset,
            length,
        }
    }

    #[test]
    fn checks() {
        let g = geometry();
        assert_eq!(
            check(&request(Command::Read, 0, 4096), &g, false, true),
            Ok(())
        );
        assert_eq!(
            check(&request(Command::Read, 512, 4096), &g, false, true),
            Err(Errno::Einval)
        );
        assert_eq!(
            check(&request(Command::Read, 0, 100), &g, false, true),
            Err(Errno::Einval)
        );
        assert_eq!(
            check(&request(Command::Read, 0, 0), &g, false, true),
            Err(Errno::Einval)
        );
        assert_eq!(
            check(&request(Command::Read, 0, 1 << 17), &g, false, true),
            Err(Errno::Einval)
        );
        assert_eq!(
            check(&request(Command::Write, 1 << 20, 4096), &g, false, true),
            Err(Errno::Enospc)
        );
        assert_eq!(
            check(
                &request(Command::Read, u64::MAX - 4095, 4096),
                &g,
                false,
                true
            ),
            Err(Errno::Einval)
        );
        assert_eq!(
            check(&request(Command::Trim, 0, 4096), &g, false, true),
            Err(Errno::Einval)
        );
        assert_eq!(
            check(&request(Command::BlockStatus, 0, 4096), &g, false, true),
            Err(Errno::Einval)
        );
        assert_eq!(
            check(&request(Command::BlockStatus, 0, 4096), &g, true, true),
            Ok(())
        );
        assert_eq!(
            check(&request(Command::Flush, 0, 0), &g, false, true),
            Ok(())
        );
        assert_eq!(
            check(&request(Command::Unknown(77), 0, 0), &g, false, true),
            Err(Errno::Einval)
        );
        let mut flagged = request(Command::Read, 0, 4096);
        flagged.flags = command_flags::FAST_ZERO;
        assert_eq!(check(&flagged, &g, false, true), Err(Errno::Einval));
    }

    #[test]
    fn block_status_merges_and_cuts() {
        let header = request(Command::BlockStatus, 0, 8192);
        let frame = block_status_frame(
            &header,
            &[
                Extent {
                    length: 4096,
                    flags: 3,
                },
                Extent {
                    length: 4096,
                    flags: 3,
                },
                Extent {
                    length: 1 << 30,
                    flags: 0,
                },
            ],
        );
        // header 20 + context id 4 + one extent 8.
        assert_eq!(frame.head.len(), 32);
        assert_eq!(&frame.head[24..32], &[0, 0, 0x20, 0, 0, 0, 0, 3]);
    }
}
