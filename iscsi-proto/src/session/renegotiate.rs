//! Renegotiation the target asks for (AsyncEvent 4, RFC 7143 §11.9.1): the session sends an
//! empty Text Request, then takes part in what the target's answer offers.
//!
//! In full-feature phase the only operational key a target may change is its
//! MaxRecvDataSegmentLength (§13.12: declarative, usable in full-feature phase): it sizes
//! every later Data-Out, immediate data, Text and NOP-Out segment we send. Every other known
//! key is leading-only or login-only and is answered `Reject`; an unknown key is answered
//! `NotUnderstood` (§6.2). A value out of range fails the renegotiation: the old value
//! stays and the key is answered `Reject`.

use std::time::Instant;

use super::{Event, Session};
use crate::{
    negotiation::{MAX_DATA_LENGTH, MIN_DATA_LENGTH},
    text::{Key, TextLimits, TextPairs, value},
};

/// What the session makes of a renegotiation answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Renegotiation {
    /// The target's new MaxRecvDataSegmentLength, if it declared a valid one.
    pub(super) max_send_data_segment_length: Option<u32>,
    /// Our answers to the keys that need one.
    pub(super) answers: TextPairs,
}

/// Reads a renegotiation answer's text.
pub(super) fn read_answer(text: &[u8]) -> Renegotiation {
    let mut result = Renegotiation::default();
    let pairs = match TextPairs::decode(text, &TextLimits::DEFAULT) {
        Ok(pairs) => pairs,
        Err(error) => {
            // Nothing in it can be trusted: keep every value as it is.
            tracing::debug!(%error, "malformed renegotiation text; nothing changes");
            return result;
        }
    };
    for (key, offered) in pairs.iter() {
        match Key::from_name(key) {
            Key::MaxRecvDataSegmentLength => {
                match value::decode_number_in(
                    offered,
                    u64::from(MIN_DATA_LENGTH),
                    u64::from(MAX_DATA_LENGTH),
                ) {
                    Ok(n) => {
                        result.max_send_data_segment_length = u32::try_from(n).ok();
                    }
                    Err(_) => result.answers.push(key, "Reject"),
                }
            }
            Key::Extension(_) | Key::Unknown(_) => result.answers.push(key, "NotUnderstood"),
            _ => result.answers.push(key, "Reject"),
        }
    }
    result
}

impl Session {
    /// Applies a finished renegotiation exchange and answers the keys that need it.
    pub(super) fn apply_renegotiation(&mut self, now: Instant, text: &[u8]) {
        let result = read_answer(text);
        if let Some(mrdsl) = result.max_send_data_segment_length {
            if mrdsl != self.config.limits.max_send_data_segment_length {
                tracing::info!(
                    old = self.config.limits.max_send_data_segment_length,
                    new = mrdsl,
                    "the target renegotiated its MaxRecvDataSegmentLength"
                );
                self.config.limits.max_send_data_segment_length = mrdsl;
                self.framer.set_limits(self.config.limits);
                self.events.push_back(Event::Renegotiated {
                    max_send_data_segment_length: mrdsl,
                });
            }
        }
        if result.answers.is_empty() {
            return;
        }
        match result.answers.to_bytes() {
            Ok(answers) => {
                if let Err(e) = self.send_text(now, answers, true) {
                    tracing::debug!(error = %e, "cannot answer the renegotiation");
                }
            }
            Err(error) => tracing::debug!(%error, "cannot encode the renegotiation answers"),
        }
    }
}
