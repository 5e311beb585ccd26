//! Operational parameter negotiation (RFC 7143 §6.2, §13) as pure data transformations.
//!
//! A [`Negotiator`] lives for one login. The login state machine drives it:
//!
//! ```text
//! let mut n = Negotiator::new(config)?;          // validates the config
//! request.text = n.offer_declarations();         // security stage: names, SessionType
//! request.text = n.offer();                      // operational stage: everything unsent
//! answers = n.handle_response(&response_pairs)?; // check answers, answer target offers
//! request.text = answers + n.offer();            // next request, if any
//! let params = n.finish()?;                      // on the final Login Response
//! ```
//!
//! # Rules
//!
//! - Every key is negotiated under its own result function, from the key table
//!   ([`crate::text::keys::KEY_TABLE`]): declarative, Minimum, Maximum, AND, OR, list.
//! - An answer that breaks the key's range or function fails the login with
//!   [`NegotiationError::ValueOutOfRange`] naming the key and value (§6.2.2).
//! - A key is sent at most once per login, and a key the target has already offered is
//!   never offered by us (§6.2; ctld refuses re-sent keys: docs/initiator.md "Target quirks"
//!   item 1).
//! - The target may send a key only once per login, TargetAddress excepted (§6.2).
//! - Keys the target offers get an answer by their rule; unknown and `X-`/`X#` extension
//!   keys get `NotUnderstood` (§6.2); the obsolete marker keys get `Reject`, never
//!   `NotUnderstood` (§13.25); on a discovery session keys irrelevant to it get
//!   `Irrelevant`.
//! - `Irrelevant` from the target is accepted: the key keeps its RFC default.
//! - `Reject` or `NotUnderstood` from the target fails the login, except for the RFC 7143
//!   additions iSCSIProtocolLevel and TaskReporting (an RFC 3720 target does not know
//!   them; their default applies) and a digest list that offered `None` (`None` applies).
//! - A Boolean answer may be omitted only for AND with our `No` and OR with our `Yes`
//!   (§6.2.2); any other missing answer fails [`Negotiator::finish`].
//! - Security keys (AuthMethod, CHAP_*) are skipped: the authentication layer owns them.
//! - [`Negotiator::handle_response`] checks the whole response before changing any state.
//!
//! # Decisions
//!
//! - FirstBurstLength above MaxBurstLength in *our config* is an error; in the *result*
//!   (a target lowering MaxBurstLength below our FirstBurstLength) FirstBurstLength is
//!   clamped to MaxBurstLength, the only value consistent with §13.14.
//! - A target offer out of its key's legal range fails the login (as an answer would).
//! - TargetName and TargetAddress declared by the target during login are accepted and
//!   ignored (redirects are the login layer's business); InitiatorName, InitiatorAlias,
//!   SessionType and SendTargets from the target fail the login.
//! - Leading-only keys are offered on every login this negotiator runs: connections other
//!   than the leading one (MC/S) are not supported (MaxConnections defaults to 1).

mod config;
mod error;
mod params;

use std::collections::BTreeSet;

pub use config::{MAX_DATA_LENGTH, MAX_ISCSI_NAME_LEN, MIN_DATA_LENGTH, OperationalConfig};
pub use error::NegotiationError;
pub use params::{Digest, NegotiatedParams, SessionType, TaskReporting};

use crate::text::{
    TextPairs,
    keys::{Key, Kind, Values},
    value,
};

/// The reserved answer constants (RFC 7143 §6.2).
const REJECT: &str = "Reject";
const IRRELEVANT: &str = "Irrelevant";
const NOT_UNDERSTOOD: &str = "NotUnderstood";

/// Negotiation state for one login: what we still have to offer, what awaits an answer,
/// what the target already sent, and the parameters agreed so far.
#[derive(Clone, Debug)]
pub struct Negotiator {
    config: OperationalConfig,
    /// Keys not yet sent, in offer order.
    planned: Vec<(Key, String)>,
    /// Keys sent whose answer has not arrived, with the value we offered.
    awaiting: Vec<(Key, String)>,
    /// Keys the target has sent in this login.
    received: BTreeSet<Key>,
    params: NegotiatedParams,
}

impl Negotiator {
    /// A negotiator for one login with this configuration.
    ///
    /// # Errors
    ///
    /// [`NegotiationError::InvalidConfig`] if [`OperationalConfig::validate`] fails.
    pub fn new(config: OperationalConfig) -> Result<Self, NegotiationError> {
        config.validate()?;
        let planned = plan(&config);
        Ok(Self {
            params: NegotiatedParams::rfc_defaults(config.session_type),
            config,
            planned,
            awaiting: Vec::new(),
            received: BTreeSet::new(),
        })
    }

    /// The keys that may go in any login stage and are not sent yet: InitiatorName,
    /// InitiatorAlias, TargetName, SessionType (RFC 7143 §13.4, §13.5, §13.7, §13.21).
    /// The first Login Request carries them.
    pub fn offer_declarations(&mut self) -> TextPairs {
        self.take_planned(|key| {
            matches!(
                key,
                Key::InitiatorName | Key::InitiatorAlias | Key::TargetName | Key::SessionType
            )
        })
    }

    /// Every key not yet sent (declarations included), for the operational stage. Returns
    /// an empty list once everything has been offered: keys are never sent twice.
    pub fn offer(&mut self) -> TextPairs {
        self.take_planned(|_| true)
    }

    /// Handles the pairs of one Login (or Text) Response: checks the target's answers to
    /// our offers and computes our answers to the target's own offers, which go in the
    /// next request.
    ///
    /// The whole response is checked before any state changes: on error the negotiator is
    /// left as it was (and the login fails anyway).
    ///
    /// # Errors
    ///
    /// Any [`NegotiationError`] naming the offending key (see the [module docs](self)).
    pub fn handle_response(&mut self, pairs: &TextPairs) -> Result<TextPairs, NegotiationError> {
        let mut next = self.clone();
        let mut answers = TextPairs::new();
        for (name, value) in pairs {
            let key = Key::from_name(name);
            if key.is_security() {
                continue;
            }
            if key != Key::TargetAddress && !next.received.insert(key.clone()) {
                return Err(NegotiationError::RepeatedKey {
                    key: name.to_owned(),
                });
            }
            if let Some(pos) = next.awaiting.iter().position(|(k, _)| *k == key) {
                let (_, offered) = next.awaiting.remove(pos);
                next.apply_answer(&key, &offered, value)?;
            } else {
                next.planned.retain(|(k, _)| *k != key);
                if let Some(answer) = next.respond(&key, value)? {
                    answers.push(name, answer);
                }
            }
        }
        *self = next;
        Ok(answers)
    }

    /// Whether every key has been offered and answered.
    pub fn is_complete(&self) -> bool {
        self.planned.is_empty() && self.awaiting.is_empty()
    }

    /// The parameters agreed so far (RFC defaults for the rest).
    pub fn params(&self) -> &NegotiatedParams {
        &self.params
    }

    /// Ends the negotiation (on the final Login Response) and returns the parameters:
    /// agreed values, RFC defaults for everything never negotiated.
    ///
    /// # Errors
    ///
    /// [`NegotiationError::MissingAnswer`] for an offered key the target never answered,
    /// unless the answer was optional (AND offered `No`, OR offered `Yes`, §6.2.2).
    pub fn finish(mut self) -> Result<NegotiatedParams, NegotiationError> {
        for (key, offered) in std::mem::take(&mut self.awaiting) {
            match (key.kind(), offered.as_str()) {
                (Some(Kind::And), "No") => self.set_bool(&key, false),
                (Some(Kind::Or), "Yes") => self.set_bool(&key, true),
                _ => {
                    return Err(NegotiationError::MissingAnswer {
                        key: key.name().to_owned(),
                    });
                }
            }
        }
        // RFC 7143 §13.14: FirstBurstLength MUST NOT exceed MaxBurstLength.
        let p = &mut self.params;
        p.first_burst_length = p.first_burst_length.min(p.max_burst_length);
        Ok(self.params)
    }

    fn take_planned(&mut self, wanted: impl Fn(&Key) -> bool) -> TextPairs {
        let mut out = TextPairs::new();
        let (take, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.planned)
            .into_iter()
            .partition(|(k, _)| wanted(k));
        self.planned = keep;
        for (key, value) in take {
            out.push(key.name(), value.clone());
            match key.kind() {
                Some(Kind::Minimum | Kind::Maximum | Kind::And | Kind::Or | Kind::List) => {
                    self.awaiting.push((key, value));
                }
                _ if key == Key::MaxRecvDataSegmentLength => {
                    self.params.initiator_max_recv_data_segment_length =
                        self.config.max_recv_data_segment_length;
                }
                _ => {}
            }
        }
        out
    }

    /// Checks the target's answer to a key we offered and records the result.
    fn apply_answer(
        &mut self,
        key: &Key,
        offered: &str,
        answer: &str,
    ) -> Result<(), NegotiationError> {
        let name = key.name();
        let optional = matches!(key, Key::IscsiProtocolLevel | Key::TaskReporting);
        let none_offered = value::split_list(offered).any(|v| v == "None");
        match answer {
            // RFC 7143 §6.2: Irrelevant keeps the default, unless that would silently drop a
            // digest we required.
            IRRELEVANT | REJECT if matches!(key, Key::HeaderDigest | Key::DataDigest) => {
                return if none_offered {
                    self.set_digest(key, Digest::None);
                    Ok(())
                } else {
                    Err(NegotiationError::Rejected {
                        key: name.to_owned(),
                    })
                };
            }
            IRRELEVANT => return Ok(()),
            REJECT if optional => return Ok(()),
            REJECT => {
                return Err(NegotiationError::Rejected {
                    key: name.to_owned(),
                });
            }
            NOT_UNDERSTOOD if optional => return Ok(()),
            NOT_UNDERSTOOD => {
                return Err(NegotiationError::NotUnderstood {
                    key: name.to_owned(),
                });
            }
            _ => {}
        }
        let bad = || NegotiationError::out_of_range(name, answer);
        match key.kind() {
            // RFC 7143 §13 preamble: "Minimum means that the selected value cannot exceed
            // the offered value"; Maximum: "cannot be lower than the offered value".
            Some(kind @ (Kind::Minimum | Kind::Maximum)) => {
                let v = self.number(key, answer)?;
                let ours = value::decode_number(offered).map_err(|_| bad())?;
                if (kind == Kind::Minimum && v > ours) || (kind == Kind::Maximum && v < ours) {
                    return Err(bad());
                }
                self.set_number(key, v);
            }
            // AND: an offer of No admits only No. OR: an offer of Yes admits only Yes.
            Some(kind @ (Kind::And | Kind::Or)) => {
                let v = value::decode_bool(answer).map_err(|_| bad())?;
                let ours = offered == "Yes";
                let result = if kind == Kind::And {
                    ours && v
                } else {
                    ours || v
                };
                if result != v {
                    return Err(bad());
                }
                self.set_bool(key, result);
            }
            // RFC 7143 §6.2.1: the answer is one of the offered values.
            Some(Kind::List) => {
                if !value::split_list(offered).any(|v| v == answer) {
                    return Err(bad());
                }
                self.set_list(key, answer);
            }
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// Computes our answer to a key the target offered or declared, and records the result.
    fn respond(&mut self, key: &Key, offer: &str) -> Result<Option<String>, NegotiationError> {
        let unexpected = || NegotiationError::UnexpectedKey {
            key: key.name().to_owned(),
            value: offer.to_owned(),
        };
        if matches!(offer, REJECT | IRRELEVANT | NOT_UNDERSTOOD) {
            return Err(unexpected());
        }
        let Some(spec) = key.spec() else {
            // Unknown and X-/X# extension keys (RFC 7143 §6.2).
            return Ok(Some(NOT_UNDERSTOOD.to_owned()));
        };
        if spec.kind == Kind::Obsolete {
            // RFC 7143 §13.25: IFMarkInt/OFMarkInt MUST be answered Reject; Reject is also
            // the recommended answer for IFMarker/OFMarker.
            return Ok(Some(REJECT.to_owned()));
        }
        if self.config.session_type == SessionType::Discovery && spec.irrelevant_in_discovery {
            return Ok(Some(IRRELEVANT.to_owned()));
        }
        let bad = || NegotiationError::out_of_range(key.name(), offer);
        match spec.kind {
            Kind::Declarative => self.declare(key, offer).map(|()| None),
            kind @ (Kind::Minimum | Kind::Maximum) => {
                let theirs = self.number(key, offer)?;
                let ours = self.our_number(key);
                let result = if kind == Kind::Minimum {
                    theirs.min(ours)
                } else {
                    theirs.max(ours)
                };
                self.set_number(key, result);
                Ok(Some(result.to_string()))
            }
            kind @ (Kind::And | Kind::Or) => {
                let theirs = value::decode_bool(offer).map_err(|_| bad())?;
                let ours = self.our_bool(key);
                let result = if kind == Kind::And {
                    theirs && ours
                } else {
                    theirs || ours
                };
                self.set_bool(key, result);
                Ok(Some(value::encode_bool(result).to_owned()))
            }
            Kind::List => {
                if offer.is_empty() {
                    return Err(bad());
                }
                // RFC 7143 §6.2.1: pick the first offered value we support; values we do not
                // understand are ignored; with none left, Reject (the default stays).
                let pick = value::split_list(offer).find(|v| self.supports(key, v));
                match pick {
                    Some(v) => {
                        self.set_list(key, v);
                        Ok(Some(v.to_owned()))
                    }
                    // Reject leaves the key at its default (RFC 7143 §6.2.1). When our own
                    // list excludes that default too (a digest the user requires), going on
                    // would run without it: the negotiation fails (§7.12).
                    None if spec.default.is_some_and(|d| !self.supports(key, d)) => {
                        Err(NegotiationError::NoAcceptableValue {
                            key: key.name().to_owned(),
                            offered: offer.to_owned(),
                        })
                    }
                    None => Ok(Some(REJECT.to_owned())),
                }
            }
            Kind::Security | Kind::Request | Kind::Obsolete => Err(unexpected()),
        }
    }

    /// Records a target's declaration.
    fn declare(&mut self, key: &Key, declared: &str) -> Result<(), NegotiationError> {
        match key {
            Key::MaxRecvDataSegmentLength => {
                let v = self.number(key, declared)?;
                self.params.target_max_recv_data_segment_length = to_u32(v);
            }
            Key::TargetPortalGroupTag => {
                let v = self.number(key, declared)?;
                self.params.target_portal_group_tag = Some(to_u16(v));
            }
            Key::TargetAlias => self.params.target_alias = Some(declared.to_owned()),
            Key::NodeArchitecture => {
                self.params.target_node_architecture = Some(declared.to_owned());
            }
            Key::TargetName | Key::TargetAddress => {}
            _ => {
                return Err(NegotiationError::UnexpectedKey {
                    key: key.name().to_owned(),
                    value: declared.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// A number within the key's legal range (RFC 7143 §13).
    fn number(&self, key: &Key, text: &str) -> Result<u64, NegotiationError> {
        match key.spec().map(|s| s.values) {
            Some(Values::Number { min, max }) => config::number_in(key.name(), text, min, max),
            _ => Err(NegotiationError::out_of_range(key.name(), text)),
        }
    }

    fn our_number(&self, key: &Key) -> u64 {
        let c = &self.config;
        match key {
            Key::MaxConnections => c.max_connections.into(),
            Key::MaxBurstLength => c.max_burst_length.into(),
            Key::FirstBurstLength => c.first_burst_length.into(),
            Key::DefaultTime2Wait => c.default_time2wait.into(),
            Key::DefaultTime2Retain => c.default_time2retain.into(),
            Key::MaxOutstandingR2T => c.max_outstanding_r2t.into(),
            Key::ErrorRecoveryLevel => c.error_recovery_level.into(),
            // This crate implements RFC 7143: level 1.
            Key::IscsiProtocolLevel => c.iscsi_protocol_level.unwrap_or(1).into(),
            _ => 0,
        }
    }

    fn our_bool(&self, key: &Key) -> bool {
        let c = &self.config;
        match key {
            Key::InitialR2T => c.initial_r2t,
            Key::ImmediateData => c.immediate_data,
            Key::DataPDUInOrder => c.data_pdu_in_order,
            Key::DataSequenceInOrder => c.data_sequence_in_order,
            _ => false,
        }
    }

    fn supports(&self, key: &Key, name: &str) -> bool {
        match key {
            Key::HeaderDigest => {
                Digest::from_name(name).is_some_and(|d| self.config.header_digest.contains(&d))
            }
            Key::DataDigest => {
                Digest::from_name(name).is_some_and(|d| self.config.data_digest.contains(&d))
            }
            Key::TaskReporting => TaskReporting::from_name(name).is_some_and(|t| {
                t == TaskReporting::Rfc3720 || self.config.task_reporting.contains(&t)
            }),
            _ => false,
        }
    }

    fn set_number(&mut self, key: &Key, v: u64) {
        let p = &mut self.params;
        match key {
            Key::MaxConnections => p.max_connections = to_u16(v),
            Key::MaxBurstLength => p.max_burst_length = to_u32(v),
            Key::FirstBurstLength => p.first_burst_length = to_u32(v),
            Key::DefaultTime2Wait => p.default_time2wait = to_u16(v),
            Key::DefaultTime2Retain => p.default_time2retain = to_u16(v),
            Key::MaxOutstandingR2T => p.max_outstanding_r2t = to_u16(v),
            Key::ErrorRecoveryLevel => p.error_recovery_level = to_u8(v),
            Key::IscsiProtocolLevel => p.iscsi_protocol_level = to_u8(v),
            _ => {}
        }
    }

    fn set_bool(&mut self, key: &Key, v: bool) {
        let p = &mut self.params;
        match key {
            Key::InitialR2T => p.initial_r2t = v,
            Key::ImmediateData => p.immediate_data = v,
            Key::DataPDUInOrder => p.data_pdu_in_order = v,
            Key::DataSequenceInOrder => p.data_sequence_in_order = v,
            _ => {}
        }
    }

    fn set_digest(&mut self, key: &Key, d: Digest) {
        match key {
            Key::HeaderDigest => self.params.header_digest = d,
            Key::DataDigest => self.params.data_digest = d,
            _ => {}
        }
    }

    fn set_list(&mut self, key: &Key, name: &str) {
        if let Some(d) = Digest::from_name(name) {
            self.set_digest(key, d);
        }
        if let (Key::TaskReporting, Some(t)) = (key, TaskReporting::from_name(name)) {
            self.params.task_reporting = t;
        }
    }
}

/// The keys to offer for a config, in order: declarations first, then operational keys.
/// On a discovery session only keys relevant to it are offered, and digests only if asked.
fn plan(c: &OperationalConfig) -> Vec<(Key, String)> {
    let discovery = c.session_type == SessionType::Discovery;
    let mut out = vec![(Key::InitiatorName, c.initiator_name.clone())];
    if let Some(alias) = &c.initiator_alias {
        out.push((Key::InitiatorAlias, alias.clone()));
    }
    if let Some(target) = &c.target_name {
        out.push((Key::TargetName, target.clone()));
    }
    out.push((Key::SessionType, c.session_type.name().to_owned()));
    let digests = |list: &[Digest]| list.iter().map(|d| d.name()).collect::<Vec<_>>().join(",");
    for (key, list) in [
        (Key::HeaderDigest, &c.header_digest),
        (Key::DataDigest, &c.data_digest),
    ] {
        if !(discovery && list.as_slice() == [Digest::None]) {
            out.push((key, digests(list)));
        }
    }
    let num = |v: u64| v.to_string();
    let yes_no = |v: bool| value::encode_bool(v).to_owned();
    if !discovery {
        out.extend([
            (Key::MaxConnections, num(c.max_connections.into())),
            (Key::InitialR2T, yes_no(c.initial_r2t)),
            (Key::ImmediateData, yes_no(c.immediate_data)),
        ]);
    }
    out.push((
        Key::MaxRecvDataSegmentLength,
        num(c.max_recv_data_segment_length.into()),
    ));
    if !discovery {
        out.extend([
            (Key::MaxBurstLength, num(c.max_burst_length.into())),
            (Key::FirstBurstLength, num(c.first_burst_length.into())),
            (Key::DefaultTime2Wait, num(c.default_time2wait.into())),
            (Key::DefaultTime2Retain, num(c.default_time2retain.into())),
            (Key::MaxOutstandingR2T, num(c.max_outstanding_r2t.into())),
            (Key::DataPDUInOrder, yes_no(c.data_pdu_in_order)),
            (Key::DataSequenceInOrder, yes_no(c.data_sequence_in_order)),
            (Key::ErrorRecoveryLevel, num(c.error_recovery_level.into())),
        ]);
        if let Some(level) = c.iscsi_protocol_level {
            out.push((Key::IscsiProtocolLevel, num(level.into())));
        }
        if !c.task_reporting.is_empty() {
            let list: Vec<_> = c.task_reporting.iter().map(|t| t.name()).collect();
            out.push((Key::TaskReporting, list.join(",")));
        }
    }
    out
}

// Values reach these after a range check against the key table, so they always fit.
fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn to_u16(v: u64) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

fn to_u8(v: u64) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests;
