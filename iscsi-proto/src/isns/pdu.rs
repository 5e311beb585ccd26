//! The iSNSP PDU header, attributes, messages and the assembler that joins PDUs into
//! messages (RFC 4171 §5.1–§5.3).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::{Flags, FunctionId, IsnsError, IsnsLimits, MAX_ALIAS_LEN, MAX_NAME_LEN, Status, Tag};

/// Length of the PDU header (RFC 4171 §5.1).
pub const HEADER_LEN: usize = 12;

/// The only iSNSP version (RFC 4171 §5.1.1).
pub const VERSION: u16 = 1;

/// Byte offsets of the header fields (RFC 4171 §5.1), each a big-endian u16.
pub mod offset {
    /// iSNSP Version.
    pub const VERSION: usize = 0;
    /// Function ID.
    pub const FUNCTION: usize = 2;
    /// PDU Length: payload bytes, the header not counted.
    pub const LENGTH: usize = 4;
    /// Flags.
    pub const FLAGS: usize = 6;
    /// Transaction ID.
    pub const XID: usize = 8;
    /// Sequence ID.
    pub const SEQ: usize = 10;
}

/// Length of a TLV's tag and length fields.
const TLV_HEADER_LEN: usize = 8;

/// Length of an IP address attribute (RFC 4171 §6.3.1).
const IP_LEN: usize = 16;

/// Largest payload of one PDU (the length field is 16 bits, kept a multiple of 4).
const MAX_PDU_PAYLOAD: usize = 65532;

/// One PDU header (RFC 4171 §5.1). Version is always [`VERSION`].
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Header {
    /// Function ID.
    pub function: FunctionId,
    /// PDU Length: payload bytes.
    pub length: u16,
    /// Flags.
    pub flags: Flags,
    /// Transaction ID.
    pub xid: u16,
    /// Sequence ID.
    pub seq: u16,
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at.saturating_add(2)) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => 0,
    }
}

impl Header {
    /// Decodes the first [`HEADER_LEN`] bytes.
    ///
    /// # Errors
    ///
    /// [`IsnsError::Truncated`] for fewer than 12 bytes, [`IsnsError::UnsupportedVersion`].
    pub fn decode(bytes: &[u8]) -> Result<Self, IsnsError> {
        if bytes.len() < HEADER_LEN {
            return Err(IsnsError::Truncated {
                what: "header",
                needed: HEADER_LEN,
                available: bytes.len(),
            });
        }
        let version = be16(bytes, offset::VERSION);
        if version != VERSION {
            return Err(IsnsError::UnsupportedVersion(version));
        }
        Ok(Self {
            function: FunctionId::from(be16(bytes, offset::FUNCTION)),
            length: be16(bytes, offset::LENGTH),
            flags: Flags(be16(bytes, offset::FLAGS)),
            xid: be16(bytes, offset::XID),
            seq: be16(bytes, offset::SEQ),
        })
    }

    /// The 12 header bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        for (at, value) in [
            (offset::VERSION, VERSION),
            (offset::FUNCTION, u16::from(self.function)),
            (offset::LENGTH, self.length),
            (offset::FLAGS, self.flags.0),
            (offset::XID, self.xid),
            (offset::SEQ, self.seq),
        ] {
            if let Some(field) = out.get_mut(at..at.saturating_add(2)) {
                field.copy_from_slice(&value.to_be_bytes());
            }
        }
        out
    }
}

/// One attribute: tag and value as on the wire (padding included, RFC 4171 §5.3.1). An
/// empty value is NIL (in a query: "any" as a key, "return this" as an operating
/// attribute) or the Delimiter.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Attribute {
    /// The tag.
    pub tag: Tag,
    /// The value, a multiple of 4 bytes.
    pub value: Bytes,
}

impl Attribute {
    /// An attribute with no value (NIL, or the Delimiter for [`Tag::Delimiter`]).
    pub fn nil(tag: Tag) -> Self {
        Self {
            tag,
            value: Bytes::new(),
        }
    }

    /// The Delimiter (RFC 4171 §5.6.3).
    pub fn delimiter() -> Self {
        Self::nil(Tag::Delimiter)
    }

    /// A 4-byte big-endian integer.
    pub fn u32(tag: Tag, value: u32) -> Self {
        Self {
            tag,
            value: Bytes::copy_from_slice(&value.to_be_bytes()),
        }
    }

    /// A TCP port (RFC 4171 §6.3.2: the port in the low 16 bits, bit 16 clear for TCP).
    pub fn tcp_port(tag: Tag, port: u16) -> Self {
        Self::u32(tag, u32::from(port))
    }

    /// A NUL-terminated, zero-padded UTF-8 string.
    ///
    /// # Errors
    ///
    /// [`IsnsError::BadAttribute`] if `text` contains a NUL or is longer than the tag allows.
    pub fn string(tag: Tag, text: &str) -> Result<Self, IsnsError> {
        let bad = |reason| IsnsError::BadAttribute {
            tag: u32::from(tag),
            reason,
        };
        if text.contains('\0') {
            return Err(bad("string contains NUL"));
        }
        let with_nul = text.len().saturating_add(1);
        if with_nul > max_string_len(tag) {
            return Err(bad("string too long"));
        }
        let padded = with_nul.next_multiple_of(4);
        let mut value = BytesMut::with_capacity(padded);
        value.put_slice(text.as_bytes());
        value.resize(padded, 0);
        Ok(Self {
            tag,
            value: value.freeze(),
        })
    }

    /// A 16-byte IP address; IPv4 as an IPv4-mapped IPv6 address (RFC 4171 §6.3.1).
    pub fn ip(tag: Tag, addr: IpAddr) -> Self {
        let v6 = match addr {
            IpAddr::V4(v4) => v4.to_ipv6_mapped(),
            IpAddr::V6(v6) => v6,
        };
        Self {
            tag,
            value: Bytes::copy_from_slice(&v6.octets()),
        }
    }

    /// Whether the value is empty.
    pub fn is_nil(&self) -> bool {
        self.value.is_empty()
    }

    fn bad(&self, reason: &'static str) -> IsnsError {
        IsnsError::BadAttribute {
            tag: u32::from(self.tag),
            reason,
        }
    }

    /// The value as a 4-byte integer.
    ///
    /// # Errors
    ///
    /// [`IsnsError::BadAttribute`] if the value is not 4 bytes.
    pub fn as_u32(&self) -> Result<u32, IsnsError> {
        match *self.value {
            [a, b, c, d] => Ok(u32::from_be_bytes([a, b, c, d])),
            _ => Err(self.bad("not a 4-byte integer")),
        }
    }

    /// The value as a TCP port (RFC 4171 §6.3.2).
    ///
    /// # Errors
    ///
    /// [`IsnsError::BadAttribute`] if the value is not 4 bytes, names a UDP port or has
    /// bits set above bit 16.
    pub fn as_tcp_port(&self) -> Result<u16, IsnsError> {
        let raw = self.as_u32()?;
        if raw & 0x1_0000 != 0 {
            return Err(self.bad("a UDP port where a TCP port is needed"));
        }
        u16::try_from(raw).map_err(|_| self.bad("port above 65535"))
    }

    /// The value as a string (RFC 4171 §5.3.1: UTF-8, NUL-terminated, zero-padded).
    ///
    /// # Errors
    ///
    /// [`IsnsError::BadAttribute`] if there is no NUL, non-NUL bytes follow it, the text is
    /// not UTF-8 or is longer than the tag allows.
    pub fn as_str(&self) -> Result<&str, IsnsError> {
        let nul = self
            .value
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| self.bad("string without NUL"))?;
        let (text, rest) = self.value.split_at(nul);
        if rest.iter().any(|&b| b != 0) {
            return Err(self.bad("bytes after the string's NUL"));
        }
        if nul.saturating_add(1) > max_string_len(self.tag) {
            return Err(self.bad("string too long"));
        }
        std::str::from_utf8(text).map_err(|_| self.bad("string not UTF-8"))
    }

    /// The value as an IP address: IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible
    /// (`::a.b.c.d`, other than `::` and `::1`) addresses give IPv4.
    ///
    /// # Errors
    ///
    /// [`IsnsError::BadAttribute`] if the value is not 16 bytes.
    pub fn as_ip(&self) -> Result<IpAddr, IsnsError> {
        let octets: [u8; IP_LEN] = self
            .value
            .as_ref()
            .try_into()
            .map_err(|_| self.bad("not a 16-byte IP address"))?;
        let v6 = Ipv6Addr::from(octets);
        if let Some(v4) = v6.to_ipv4_mapped() {
            return Ok(IpAddr::V4(v4));
        }
        let [prefix @ .., a, b, c, d] = octets;
        if prefix.iter().all(|&x| x == 0) && u32::from_be_bytes([a, b, c, d]) > 1 {
            return Ok(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
        }
        Ok(IpAddr::V6(v6))
    }

    /// Bytes this attribute takes on the wire.
    pub fn encoded_len(&self) -> usize {
        TLV_HEADER_LEN.saturating_add(self.value.len())
    }

    fn encode_into(&self, out: &mut BytesMut) {
        out.put_u32(u32::from(self.tag));
        out.put_u32(u32::try_from(self.value.len()).unwrap_or(u32::MAX));
        out.put_slice(&self.value);
    }
}

fn max_string_len(tag: Tag) -> usize {
    match tag {
        Tag::IscsiName | Tag::PgIscsiName => MAX_NAME_LEN,
        _ => MAX_ALIAS_LEN,
    }
}

/// One iSNSP message: every PDU's payload joined and read.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Message {
    /// Function ID.
    pub function: FunctionId,
    /// The first PDU's flags, FIRST and LAST cleared (they belong to each PDU).
    pub flags: Flags,
    /// Transaction ID.
    pub xid: u16,
    /// Status code, present exactly in responses (Function ID bit 15).
    pub status: Option<Status>,
    /// The attributes in order, the Delimiter included.
    pub attributes: Vec<Attribute>,
}

impl Message {
    /// A request from a client: `source`, `keys`, the Delimiter, then `operating`
    /// (RFC 4171 §5.6).
    pub fn request(
        function: FunctionId,
        xid: u16,
        source: Attribute,
        keys: Vec<Attribute>,
        operating: Vec<Attribute>,
    ) -> Self {
        let mut attributes =
            Vec::with_capacity(keys.len().saturating_add(operating.len()).saturating_add(2));
        attributes.push(source);
        attributes.extend(keys);
        attributes.push(Attribute::delimiter());
        attributes.extend(operating);
        Self {
            function,
            flags: Flags::CLIENT,
            xid,
            status: None,
            attributes,
        }
    }

    /// The attributes before the first Delimiter (for a request, Source and keys).
    pub fn before_delimiter(&self) -> &[Attribute] {
        let end = self.delimiter_index().unwrap_or(self.attributes.len());
        self.attributes.get(..end).unwrap_or_default()
    }

    /// The attributes after the first Delimiter (the operating attributes); all of them
    /// when there is no Delimiter.
    pub fn operating(&self) -> &[Attribute] {
        match self.delimiter_index() {
            Some(at) => self
                .attributes
                .get(at.saturating_add(1)..)
                .unwrap_or_default(),
            None => &self.attributes,
        }
    }

    fn delimiter_index(&self) -> Option<usize> {
        self.attributes.iter().position(|a| a.tag == Tag::Delimiter)
    }

    /// The payload: the status code of a response, then every attribute.
    pub fn payload(&self) -> Bytes {
        let len: usize = self.attributes.iter().map(Attribute::encoded_len).sum();
        let mut out = BytesMut::with_capacity(len.saturating_add(4));
        if let Some(status) = self.status {
            out.put_u32(u32::from(status));
        }
        for attribute in &self.attributes {
            attribute.encode_into(&mut out);
        }
        out.freeze()
    }

    /// The message as PDUs (header and payload each), payloads of at most `max_payload`
    /// bytes (at least 4, at most 65532), FIRST on the first, LAST on the last, Sequence
    /// IDs from 0 (RFC 4171 §5.2).
    pub fn encode(&self, max_payload: usize) -> Bytes {
        let max = max_payload.clamp(4, MAX_PDU_PAYLOAD);
        let payload = self.payload();
        let chunks: Vec<&[u8]> = if payload.is_empty() {
            vec![&[]]
        } else {
            payload.chunks(max).collect()
        };
        let count = chunks.len();
        let mut out = BytesMut::with_capacity(
            payload
                .len()
                .saturating_add(count.saturating_mul(HEADER_LEN)),
        );
        let base = self.flags.without(Flags::FIRST).without(Flags::LAST);
        for (seq, chunk) in chunks.into_iter().enumerate() {
            let mut flags = base;
            if seq == 0 {
                flags = flags.with(Flags::FIRST);
            }
            if seq.saturating_add(1) == count {
                flags = flags.with(Flags::LAST);
            }
            let header = Header {
                function: self.function,
                length: u16::try_from(chunk.len()).unwrap_or(u16::MAX),
                flags,
                xid: self.xid,
                seq: u16::try_from(seq).unwrap_or(u16::MAX),
            };
            out.put_slice(&header.encode());
            out.put_slice(chunk);
        }
        out.freeze()
    }

    /// Reads a joined payload.
    ///
    /// # Errors
    ///
    /// [`IsnsError::AuthBlock`], [`IsnsError::Truncated`] (no status code in a response, an
    /// attribute cut short), [`IsnsError::UnalignedAttribute`],
    /// [`IsnsError::TooManyAttributes`], [`IsnsError::MessageTooLong`].
    pub fn decode_payload(
        function: FunctionId,
        flags: Flags,
        xid: u16,
        payload: &[u8],
        limits: &IsnsLimits,
    ) -> Result<Self, IsnsError> {
        if flags.contains(Flags::AUTH) {
            return Err(IsnsError::AuthBlock);
        }
        if payload.len() > limits.max_message_len {
            return Err(IsnsError::MessageTooLong {
                limit: limits.max_message_len,
            });
        }
        let mut rest = payload;
        let status = if function.is_response() {
            if rest.len() < 4 {
                return Err(IsnsError::Truncated {
                    what: "status code",
                    needed: 4,
                    available: rest.len(),
                });
            }
            Some(Status::from(rest.get_u32()))
        } else {
            None
        };
        let mut attributes = Vec::new();
        while !rest.is_empty() {
            if rest.len() < TLV_HEADER_LEN {
                return Err(IsnsError::Truncated {
                    what: "attribute header",
                    needed: TLV_HEADER_LEN,
                    available: rest.len(),
                });
            }
            let tag = rest.get_u32();
            let len = rest.get_u32();
            if len % 4 != 0 {
                return Err(IsnsError::UnalignedAttribute { tag, len });
            }
            let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
            if len_usize > rest.len() {
                return Err(IsnsError::Truncated {
                    what: "attribute value",
                    needed: len_usize,
                    available: rest.len(),
                });
            }
            if attributes.len() >= limits.max_attributes {
                return Err(IsnsError::TooManyAttributes {
                    limit: limits.max_attributes,
                });
            }
            let (value, after) = rest.split_at(len_usize);
            attributes.push(Attribute {
                tag: Tag::from(tag),
                value: Bytes::copy_from_slice(value),
            });
            rest = after;
        }
        Ok(Self {
            function,
            flags: flags.without(Flags::FIRST).without(Flags::LAST),
            xid,
            status,
            attributes,
        })
    }
}

/// Turns a byte stream into [`Message`]s: frames PDUs by their length field (several may
/// share a read, one may span reads) and joins a message's PDUs (RFC 4171 §5.2).
#[derive(Debug)]
pub struct MessageAssembler {
    limits: IsnsLimits,
    buffer: BytesMut,
    /// The message being joined: its first header and the payload so far.
    partial: Option<(Header, BytesMut)>,
}

impl MessageAssembler {
    /// An empty assembler.
    pub fn new(limits: IsnsLimits) -> Self {
        Self {
            limits,
            buffer: BytesMut::new(),
            partial: None,
        }
    }

    /// Appends received bytes. Call [`Self::next_message`] until it gives `Ok(None)`.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// Bytes received and not yet part of a complete message.
    pub fn buffered(&self) -> usize {
        let partial = self.partial.as_ref().map_or(0, |(_, p)| p.len());
        self.buffer.len().saturating_add(partial)
    }

    /// The next complete message, `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    ///
    /// Any [`IsnsError`] of a header or payload, [`IsnsError::OutOfSequence`] for a PDU that
    /// does not continue the message being joined. After an error the stream is out of
    /// step: drop the connection.
    pub fn next_message(&mut self) -> Result<Option<Message>, IsnsError> {
        loop {
            if self.buffer.len() < HEADER_LEN {
                return Ok(None);
            }
            let header = Header::decode(&self.buffer)?;
            let total = HEADER_LEN.saturating_add(usize::from(header.length));
            if self.buffer.len() < total {
                return Ok(None);
            }
            let mut pdu = self.buffer.split_to(total);
            pdu.advance(HEADER_LEN);
            let (first, mut payload) = match self.partial.take() {
                None => {
                    if header.seq != 0 {
                        return Err(IsnsError::OutOfSequence {
                            reason: "a message's first PDU has a non-zero sequence ID",
                        });
                    }
                    (header, BytesMut::new())
                }
                Some((first, payload)) => {
                    if header.function != first.function || header.xid != first.xid {
                        return Err(IsnsError::OutOfSequence {
                            reason: "a PDU of another message before the last PDU",
                        });
                    }
                    // `first.seq` holds the last Sequence ID received.
                    if Some(header.seq) != first.seq.checked_add(1)
                        || header.flags.contains(Flags::FIRST)
                    {
                        return Err(IsnsError::OutOfSequence {
                            reason: "sequence ID out of order",
                        });
                    }
                    (first, payload)
                }
            };
            if payload.len().saturating_add(pdu.len()) > self.limits.max_message_len {
                return Err(IsnsError::MessageTooLong {
                    limit: self.limits.max_message_len,
                });
            }
            payload.extend_from_slice(&pdu);
            let mut first = first;
            first.seq = header.seq;
            if header.flags.contains(Flags::LAST) {
                return Message::decode_payload(
                    first.function,
                    first.flags,
                    first.xid,
                    &payload,
                    &self.limits,
                )
                .map(Some);
            }
            self.partial = Some((first, payload));
        }
    }
}
