//! Streaming framing between a byte stream and [`crate::wire::Pdu`]s.
