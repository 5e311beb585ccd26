//! SendTargets (RFC 7143 §13.3, Appendix C): the request and the bounded parser of the
//! answer, plus the TargetAddress syntax (§13.8) shared with login redirects.
//!
//! # The answer
//!
//! A SendTargets answer is a list of `TargetName=<iSCSI name>` pairs, each followed by any
//! number of `TargetAddress=host[:port][,tpgt]` pairs that belong to it. Long answers span
//! several Text Responses (C bit within one response, F=0 + TTT across responses,
//! §11.10/§11.11); either join them with [`crate::text::TextAssembler`] (using
//! `continues = c_bit || !f_bit`) and call [`parse_send_targets`], or decode each response
//! and feed it to one [`SendTargetsParser`].
//!
//! Decisions:
//! - a TargetAddress before any TargetName is an error;
//! - any key other than TargetName and TargetAddress is an error (RFC 7143 Appendix C; RFC 3720
//!   App. D lists only those two; the UNH-IOL suite treats others as an error);
//! - a TargetName may have no address (the current portal in a normal session); a missing
//!   TPGT is accepted (`tpgt: None`) although targets must send one in this answer;
//! - records are bounded by [`DiscoveryLimits`]: 4096 targets, 64 addresses each.
#![warn(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::{
    fmt,
    net::{Ipv4Addr, Ipv6Addr},
    str::FromStr,
};

use crate::{
    negotiation::{MAX_ISCSI_NAME_LEN, SessionType},
    text::{TextPairs, value},
};

/// The well-known iSCSI port (RFC 7143 §13.8: the default when none is given).
pub const DEFAULT_PORT: u16 = 3260;

/// Longest zone id accepted in an IPv6 TargetAddress.
const MAX_ZONE_LEN: usize = 64;

/// Longest DNS name (RFC 1035: 253 characters in text form).
const MAX_DNS_NAME_LEN: usize = 253;

/// A SendTargets answer is malformed or over a limit.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum DiscoveryError {
    /// A TargetAddress came before any TargetName.
    #[error("TargetAddress={address} before any TargetName")]
    AddressWithoutTarget {
        /// The address as received.
        address: String,
    },
    /// A key other than TargetName or TargetAddress.
    #[error("unexpected key {key} in a SendTargets answer")]
    UnexpectedKey {
        /// The key.
        key: String,
    },
    /// An empty or over-long TargetName.
    #[error("invalid TargetName={name:?}")]
    InvalidTargetName {
        /// The name as received.
        name: String,
    },
    /// A TargetAddress that is not `host[:port][,tpgt]`.
    #[error("invalid TargetAddress={address:?}: {reason}")]
    InvalidAddress {
        /// The address as received.
        address: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// More targets than [`DiscoveryLimits::max_targets`].
    #[error("more than {limit} targets")]
    TooManyTargets {
        /// The limit.
        limit: usize,
    },
    /// More addresses for one target than [`DiscoveryLimits::max_addresses_per_target`].
    #[error("more than {limit} addresses for {target}")]
    TooManyAddresses {
        /// The target name.
        target: String,
        /// The limit.
        limit: usize,
    },
}

/// Bounds on a SendTargets answer. Every field has a safe default.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct DiscoveryLimits {
    /// Most target records. Default 4096.
    pub max_targets: usize,
    /// Most addresses per target. Default 64.
    pub max_addresses_per_target: usize,
}

impl Default for DiscoveryLimits {
    fn default() -> Self {
        Self {
            max_targets: 4096,
            max_addresses_per_target: 64,
        }
    }
}

/// The host part of a TargetAddress.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Host {
    /// A dotted-decimal IPv4 address.
    Ipv4(Ipv4Addr),
    /// A bracketed IPv6 address, with its zone id for link-local addresses (`%eth0`).
    Ipv6 {
        /// The address.
        addr: Ipv6Addr,
        /// The zone id after `%`, if any.
        zone: Option<String>,
    },
    /// A DNS name, left for the caller to resolve.
    Name(String),
}

/// A portal: `host[:port][,tpgt]` (RFC 7143 §13.8).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct TargetAddress {
    /// The host.
    pub host: Host,
    /// The TCP port; 3260 when not given.
    pub port: u16,
    /// The target portal group tag; present in SendTargets answers, absent in redirects.
    pub tpgt: Option<u16>,
}

impl fmt::Display for Host {
    /// The wire form: IPv6 in brackets, with `%zone` when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4(a) => write!(f, "{a}"),
            Self::Ipv6 { addr, zone: None } => write!(f, "[{addr}]"),
            Self::Ipv6 {
                addr,
                zone: Some(z),
            } => write!(f, "[{addr}%{z}]"),
            Self::Name(n) => f.write_str(n),
        }
    }
}

impl fmt::Display for TargetAddress {
    /// The wire form, IPv6 in brackets, port always written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)?;
        if let Some(tpgt) = self.tpgt {
            write!(f, ",{tpgt}")?;
        }
        Ok(())
    }
}

impl FromStr for TargetAddress {
    type Err = DiscoveryError;

    /// Parses `host[:port][,tpgt]` with [`parse_target_address`] (RFC 7143 §13.8); the
    /// inverse of [`Display`](fmt::Display) for every value that parser produces.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_target_address(text)
    }
}

/// One target of a SendTargets answer and its portals.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TargetRecord {
    /// The TargetName.
    pub name: String,
    /// Its TargetAddresses in the order received.
    pub addresses: Vec<TargetAddress>,
}

/// What a SendTargets request asks for (RFC 7143 Appendix C).
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum SendTargetsQuery {
    /// `SendTargets=All`: every target this initiator may reach (discovery session).
    All,
    /// `SendTargets=<name>`: the portals of one target.
    Target(String),
    /// `SendTargets=` (empty): the target of the current normal session.
    CurrentTarget,
}

impl SendTargetsQuery {
    /// The usual query: `All` on a discovery session, the session's own target on a normal
    /// one.
    pub fn for_session(session_type: SessionType, target_name: &str) -> Self {
        match session_type {
            SessionType::Discovery => Self::All,
            SessionType::Normal => Self::Target(target_name.to_owned()),
        }
    }

    /// The Text Request pairs.
    pub fn to_pairs(&self) -> TextPairs {
        let value = match self {
            Self::All => "All",
            Self::Target(name) => name.as_str(),
            Self::CurrentTarget => "",
        };
        let mut pairs = TextPairs::new();
        pairs.push("SendTargets", value);
        pairs
    }
}

/// Parses a complete SendTargets answer.
///
/// # Errors
///
/// See [`SendTargetsParser::push`].
pub fn parse_send_targets(
    pairs: &TextPairs,
    limits: &DiscoveryLimits,
) -> Result<Vec<TargetRecord>, DiscoveryError> {
    let mut parser = SendTargetsParser::new(*limits);
    parser.push(pairs)?;
    Ok(parser.finish())
}

/// Builds target records from a SendTargets answer decoded one Text Response at a time.
#[derive(Clone, Debug)]
pub struct SendTargetsParser {
    limits: DiscoveryLimits,
    records: Vec<TargetRecord>,
}

impl SendTargetsParser {
    /// An empty parser.
    pub fn new(limits: DiscoveryLimits) -> Self {
        Self {
            limits,
            records: Vec::new(),
        }
    }

    /// Adds the pairs of one response. A TargetAddress at the start of a later response
    /// belongs to the last target of the previous one.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError`]: a TargetAddress before any TargetName, another key, a malformed
    /// name or address, or a limit exceeded. The parser must then be dropped.
    pub fn push(&mut self, pairs: &TextPairs) -> Result<(), DiscoveryError> {
        for (key, value) in pairs {
            match key {
                "TargetName" => {
                    if value.is_empty() || value.len() > MAX_ISCSI_NAME_LEN {
                        return Err(DiscoveryError::InvalidTargetName {
                            name: value.to_owned(),
                        });
                    }
                    if self.records.len() >= self.limits.max_targets {
                        return Err(DiscoveryError::TooManyTargets {
                            limit: self.limits.max_targets,
                        });
                    }
                    self.records.push(TargetRecord {
                        name: value.to_owned(),
                        addresses: Vec::new(),
                    });
                }
                "TargetAddress" => {
                    let limit = self.limits.max_addresses_per_target;
                    let Some(record) = self.records.last_mut() else {
                        return Err(DiscoveryError::AddressWithoutTarget {
                            address: value.to_owned(),
                        });
                    };
                    if record.addresses.len() >= limit {
                        return Err(DiscoveryError::TooManyAddresses {
                            target: record.name.clone(),
                            limit,
                        });
                    }
                    record.addresses.push(parse_target_address(value)?);
                }
                other => {
                    return Err(DiscoveryError::UnexpectedKey {
                        key: other.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The records parsed so far.
    pub fn finish(self) -> Vec<TargetRecord> {
        self.records
    }
}

/// Parses a TargetAddress value `host[:port][,tpgt]` (RFC 7143 §13.8), as sent in a
/// SendTargets answer or a login redirect.
///
/// `host` is a dotted IPv4 address, a bracketed IPv6 address with an optional zone id
/// (`[fe80::1%eth0]`), or a DNS name. As a tolerance, an unbracketed IPv6 address without a
/// port is accepted when the whole host parses as one. The port defaults to 3260 and must be
/// 1..=65535; the TPGT is 0..=65535.
///
/// # Errors
///
/// [`DiscoveryError::InvalidAddress`] naming what is wrong.
pub fn parse_target_address(text: &str) -> Result<TargetAddress, DiscoveryError> {
    let bad = |reason| DiscoveryError::InvalidAddress {
        address: text.to_owned(),
        reason,
    };
    // No host form contains ',', so the TPGT follows the last one.
    let (hostport, tpgt) = match text.rsplit_once(',') {
        Some((hp, tag)) => {
            let tag = value::decode_number_in(tag, 0, 65535).map_err(|_| bad("bad TPGT"))?;
            (hp, Some(u16::try_from(tag).map_err(|_| bad("bad TPGT"))?))
        }
        None => (text, None),
    };
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (inner, after) = rest.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ']'"))?),
        };
        (
            parse_ipv6(inner).ok_or_else(|| bad("bad IPv6 address"))?,
            port,
        )
    } else if hostport.matches(':').count() > 1 {
        let addr = hostport.parse().map_err(|_| bad("bad host"))?;
        (Host::Ipv6 { addr, zone: None }, None)
    } else {
        let (host, port) = match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        (parse_host(host).ok_or_else(|| bad("bad host"))?, port)
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| bad("bad port"))?,
        Some(_) => return Err(bad("bad port")),
    };
    Ok(TargetAddress { host, port, tpgt })
}

fn parse_ipv6(inner: &str) -> Option<Host> {
    let (addr, zone) = match inner.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (inner, None),
    };
    let addr: Ipv6Addr = addr.parse().ok()?;
    let zone = match zone {
        None => None,
        Some(z)
            if !z.is_empty()
                && z.len() <= MAX_ZONE_LEN
                && z.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) =>
        {
            Some(z.to_owned())
        }
        Some(_) => return None,
    };
    Some(Host::Ipv6 { addr, zone })
}

fn parse_host(host: &str) -> Option<Host> {
    if let Ok(a) = host.parse::<Ipv4Addr>() {
        return Some(Host::Ipv4(a));
    }
    let name_ok = !host.is_empty()
        && host.len() <= MAX_DNS_NAME_LEN
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        // Digits and dots only, yet not an IPv4 address: a typo, not a name.
        && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !host.starts_with(['-', '.']);
    name_ok.then(|| Host::Name(host.to_owned()))
}

#[cfg(test)]
mod tests;
