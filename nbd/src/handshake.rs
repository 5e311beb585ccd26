//! The fixed-newstyle handshake: the server's greeting, the client's flags, then options
//! until `NBD_OPT_GO` or `NBD_OPT_EXPORT_NAME` picks an export, or the client aborts.
//!
//! ```text
//! server: NBDMAGIC IHAVEOPT u16 flags     client: u32 flags
//! loop {  client: option header + data    server: replies (INFO/SERVER/META_CONTEXT...) ACK|ERR }
//! GO → ACK → transmission    EXPORT_NAME → size, flags[, 124 zeroes] → transmission
//! ```
//!
//! Option data is bounded ([`MAX_OPTION_LEN`]): larger data is read and dropped in small
//! pieces and answered `NBD_REP_ERR_TOO_BIG`, and beyond [`MAX_DISCARD_LEN`] the connection
//! is closed. There is no TLS: `NBD_OPT_STARTTLS` is answered `NBD_REP_ERR_UNSUP`.

use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tracing::debug;

use crate::{
    error::HandshakeError,
    server::{ExportEntry, Registry},
    wire::{
        BASE_ALLOCATION, BASE_NAMESPACE, EXPORT_NAME_ZEROES, IHAVEOPT, INFO_BLOCK_SIZE_LEN,
        INFO_EXPORT_LEN, InfoType, NBD_MAGIC, OPTION_HEADER_LEN, OptionHeader, OptionReplyType,
        OptionType, encode_option_reply, handshake_flags, parse_info_request,
        parse_meta_context_request, transmission_flags,
    },
};

/// The largest option data this server reads (names are at most 4096 bytes; meta context
/// requests list a few queries).
pub const MAX_OPTION_LEN: u32 = 64 << 10;
/// The largest option data this server reads and drops before answering `ERR_TOO_BIG`;
/// beyond it the connection is closed.
pub const MAX_DISCARD_LEN: u32 = 1 << 20;
/// The context id of `base:allocation`, the only meta context.
pub const BASE_ALLOCATION_ID: u32 = 1;

/// The outcome of a handshake that reached transmission.
pub(crate) struct Negotiated {
    /// The export chosen.
    pub(crate) entry: Arc<ExportEntry>,
    /// Structured replies were negotiated.
    pub(crate) structured: bool,
    /// `base:allocation` was selected for this export.
    pub(crate) base_allocation: bool,
}

/// State accumulated over the options.
#[derive(Default)]
struct Options {
    structured: bool,
    /// The export name `SET_META_CONTEXT` selected `base:allocation` for.
    meta_for: Option<String>,
}

/// The transmission flags of an export for a connection.
pub(crate) fn transmission_flags_for(entry: &ExportEntry, structured: bool) -> u16 {
    use transmission_flags as f;
    let g = entry.geometry();
    let mut flags = f::HAS_FLAGS;
    for (on, bit) in [
        (g.read_only, f::READ_ONLY),
        (g.flush, f::SEND_FLUSH),
        (g.fua, f::SEND_FUA),
        (g.trim && !g.read_only, f::SEND_TRIM),
        (g.write_zeroes && !g.read_only, f::SEND_WRITE_ZEROES),
        (structured, f::SEND_DF),
        (g.multi_conn, f::CAN_MULTI_CONN),
    ] {
        if on {
            flags |= bit;
        }
    }
    flags
}

/// Runs the handshake on `stream`. `Ok(None)`: the client aborted or closed before choosing.
pub(crate) async fn negotiate<S>(
    stream: &mut S,
    registry: &Registry,
) -> Result<Option<Negotiated>, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut greeting = BytesMut::with_capacity(18);
    greeting.put_u64(NBD_MAGIC);
    greeting.put_u64(IHAVEOPT);
    greeting.put_u16(handshake_flags::FIXED_NEWSTYLE | handshake_flags::NO_ZEROES);
    stream.write_all(&greeting).await?;
    stream.flush().await?;

    let client_flags = stream.read_u32().await?;
    if client_flags & !handshake_flags::C_KNOWN != 0
        || client_flags & handshake_flags::C_FIXED_NEWSTYLE == 0
    {
        return Err(HandshakeError::ClientFlags(client_flags));
    }
    let no_zeroes = client_flags & handshake_flags::C_NO_ZEROES != 0;
    let mut state = Options::default();

    loop {
        let mut raw = [0; OPTION_HEADER_LEN];
        match stream.read_exact(&mut raw).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let header = OptionHeader::decode(&raw);
        if !header.magic_ok() {
            return Err(HandshakeError::BadMagic(header.magic));
        }
        let option = header.option;
        if header.length > MAX_OPTION_LEN {
            if header.length > MAX_DISCARD_LEN {
                reply(
                    stream,
                    option,
                    OptionReplyType::ErrTooBig,
                    b"option data too large",
                )
                .await?;
                return Err(HandshakeError::OptionTooLarge {
                    option,
                    length: header.length,
                });
            }
            discard(stream, u64::from(header.length)).await?;
            reply(
                stream,
                option,
                OptionReplyType::ErrTooBig,
                b"option data too large",
            )
            .await?;
            continue;
        }
        // Bounded by MAX_OPTION_LEN just above.
        let mut data = vec![0; header.length as usize];
        stream.read_exact(&mut data).await?;
        debug!(?option, length = data.len(), "NBD option");

        match option {
            OptionType::ExportName => {
                let name = String::from_utf8_lossy(&data).into_owned();
                let Some(entry) = registry.lookup(&name) else {
                    return Err(HandshakeError::UnknownExport(name));
                };
                let mut out = BytesMut::with_capacity(10 + EXPORT_NAME_ZEROES);
                out.put_u64(entry.geometry().size);
                out.put_u16(transmission_flags_for(&entry, state.structured));
                if !no_zeroes {
                    out.put_bytes(0, EXPORT_NAME_ZEROES);
                }
                stream.write_all(&out).await?;
                stream.flush().await?;
                let base_allocation = state.meta_for.as_deref() == Some(entry.name());
                return Ok(Some(Negotiated {
                    entry,
                    structured: state.structured,
                    base_allocation,
                }));
            }
            OptionType::Abort => {
                // The client may already have closed; the ACK is a courtesy.
                let _ = reply(stream, option, OptionReplyType::Ack, &[]).await;
                return Ok(None);
            }
            OptionType::List => {
                if !data.is_empty() {
                    reply(
                        stream,
                        option,
                        OptionReplyType::ErrInvalid,
                        b"LIST takes no data",
                    )
                    .await?;
                    continue;
                }
                for name in registry.names() {
                    let mut item = BytesMut::with_capacity(4 + name.len());
                    // Export names are at most 4096 bytes (checked when added).
                    item.put_u32(u32::try_from(name.len()).unwrap_or(0));
                    item.put_slice(name.as_bytes());
                    reply(stream, option, OptionReplyType::Server, &item).await?;
                }
                reply(stream, option, OptionReplyType::Ack, &[]).await?;
            }
            OptionType::StructuredReply => {
                if data.is_empty() {
                    state.structured = true;
                    reply(stream, option, OptionReplyType::Ack, &[]).await?;
                } else {
                    reply(
                        stream,
                        option,
                        OptionReplyType::ErrInvalid,
                        b"takes no data",
                    )
                    .await?;
                }
            }
            OptionType::Info | OptionType::Go => {
                let (name, requests) = match parse_info_request(&data) {
                    Ok(parsed) => parsed,
                    Err(e) => {
                        let msg = e.to_string();
                        reply(stream, option, OptionReplyType::ErrInvalid, msg.as_bytes()).await?;
                        continue;
                    }
                };
                let Some(entry) = registry.lookup(&name) else {
                    reply(
                        stream,
                        option,
                        OptionReplyType::ErrUnknown,
                        b"no such export",
                    )
                    .await?;
                    continue;
                };
                send_info(stream, option, &entry, &requests, state.structured).await?;
                reply(stream, option, OptionReplyType::Ack, &[]).await?;
                if option == OptionType::Go {
                    let base_allocation = state.meta_for.as_deref() == Some(entry.name());
                    return Ok(Some(Negotiated {
                        entry,
                        structured: state.structured,
                        base_allocation,
                    }));
                }
            }
            OptionType::ListMetaContext | OptionType::SetMetaContext => {
                meta_context(stream, option, &data, registry, &mut state).await?;
            }
            OptionType::StartTls | OptionType::ExtendedHeaders | OptionType::Unknown(_) => {
                reply(stream, option, OptionReplyType::ErrUnsup, b"not supported").await?;
            }
        }
    }
}

/// Answers `NBD_OPT_LIST/SET_META_CONTEXT` (everything but the final ACK on errors).
async fn meta_context<S>(
    stream: &mut S,
    option: OptionType,
    data: &[u8],
    registry: &Registry,
    state: &mut Options,
) -> Result<(), HandshakeError>
where
    S: AsyncWrite + Unpin,
{
    let set = option == OptionType::SetMetaContext;
    if !state.structured {
        let msg: &[u8] = b"structured replies first";
        return Ok(reply(stream, option, OptionReplyType::ErrInvalid, msg).await?);
    }
    let (name, queries) = match parse_meta_context_request(data) {
        Ok(parsed) => parsed,
        Err(e) => {
            let msg = e.to_string();
            return Ok(reply(stream, option, OptionReplyType::ErrInvalid, msg.as_bytes()).await?);
        }
    };
    let Some(entry) = registry.lookup(&name) else {
        return Ok(reply(
            stream,
            option,
            OptionReplyType::ErrUnknown,
            b"no such export",
        )
        .await?);
    };
    let matches = if set {
        queries.iter().any(|q| q == BASE_ALLOCATION)
    } else {
        queries.is_empty()
            || queries
                .iter()
                .any(|q| q == BASE_ALLOCATION || q == BASE_NAMESPACE)
    };
    if set {
        state.meta_for = matches.then(|| entry.name().to_owned());
    }
    if matches {
        let mut item = BytesMut::with_capacity(4 + BASE_ALLOCATION.len());
        // LIST replies carry id 0 (the protocol says it is meaningless there).
        item.put_u32(if set { BASE_ALLOCATION_ID } else { 0 });
        item.put_slice(BASE_ALLOCATION.as_bytes());
        reply(stream, option, OptionReplyType::MetaContext, &item).await?;
    }
    Ok(reply(stream, option, OptionReplyType::Ack, &[]).await?)
}

/// Sends the `NBD_REP_INFO` items of `INFO`/`GO`: always the export and the block sizes,
/// the name and description when asked.
async fn send_info<S>(
    stream: &mut S,
    option: OptionType,
    entry: &ExportEntry,
    requests: &[u16],
    structured: bool,
) -> Result<(), HandshakeError>
where
    S: AsyncWrite + Unpin,
{
    let g = entry.geometry();
    let mut export = BytesMut::with_capacity(INFO_EXPORT_LEN);
    export.put_u16(InfoType::Export.into());
    export.put_u64(g.size);
    export.put_u16(transmission_flags_for(entry, structured));
    reply(stream, option, OptionReplyType::Info, &export).await?;

    let mut sizes = BytesMut::with_capacity(INFO_BLOCK_SIZE_LEN);
    sizes.put_u16(InfoType::BlockSize.into());
    sizes.put_u32(g.block_size);
    sizes.put_u32(g.preferred_block_size);
    sizes.put_u32(g.max_payload);
    reply(stream, option, OptionReplyType::Info, &sizes).await?;

    for &request in requests {
        let text = match InfoType::from(request) {
            InfoType::Name => Some(entry.name()),
            InfoType::Description => entry.description(),
            _ => None,
        };
        if let Some(text) = text {
            let mut item = BytesMut::with_capacity(2 + text.len());
            item.put_u16(request);
            item.put_slice(text.as_bytes());
            reply(stream, option, OptionReplyType::Info, &item).await?;
        }
    }
    Ok(())
}

/// Sends one option reply and flushes it.
async fn reply<S>(
    stream: &mut S,
    option: OptionType,
    kind: OptionReplyType,
    data: &[u8],
) -> std::io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    stream
        .write_all(&encode_option_reply(option, kind, data))
        .await?;
    stream.flush().await
}

/// Reads and drops `length` bytes in small pieces.
pub(crate) async fn discard<S>(stream: &mut S, length: u64) -> std::io::Result<()>
where
    S: AsyncRead + Unpin,
{
    let copied = tokio::io::copy(&mut (&mut *stream).take(length), &mut tokio::io::sink()).await?;
    if copied < length {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}
