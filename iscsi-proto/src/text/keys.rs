//! The text keys of RFC 7143 §12.1 and §13, with everything the negotiation rules need to
//! know about each one, in a single table ([`KEY_TABLE`]).
//!
//! The table is descriptive: it does not negotiate anything. [`crate::negotiation`] applies
//! the rules; the codec uses [`max_value_len`].

use std::fmt;

/// Most characters of a large binary value in text form: CHAP_C and CHAP_R carry up to
/// 1024 bytes (RFC 7143 §12.1.3), which is 2050 characters as `0x` hex and 1370 as `0b`
/// base64; 4096 leaves room for leading zeros without allowing unbounded values.
pub const MAX_BINARY_VALUE_CHARS: usize = 4096;

/// Most decoded bytes of CHAP_C and CHAP_R (RFC 7143 §12.1.3).
pub const MAX_CHAP_BINARY_BYTES: usize = 1024;

/// A text key: every key RFC 7143 defines, plus extension and unknown keys by name.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Key {
    /// `AuthMethod` (§12.1).
    AuthMethod,
    /// `CHAP_A`: the CHAP algorithm list (§12.1.3).
    ChapA,
    /// `CHAP_I`: the CHAP identifier (§12.1.3).
    ChapI,
    /// `CHAP_C`: a CHAP challenge (§12.1.3).
    ChapC,
    /// `CHAP_N`: a CHAP name (§12.1.3).
    ChapN,
    /// `CHAP_R`: a CHAP response (§12.1.3).
    ChapR,
    /// `HeaderDigest` (§13.1).
    HeaderDigest,
    /// `DataDigest` (§13.1).
    DataDigest,
    /// `MaxConnections` (§13.2).
    MaxConnections,
    /// `SendTargets` (§13.3).
    SendTargets,
    /// `TargetName` (§13.4).
    TargetName,
    /// `InitiatorName` (§13.5).
    InitiatorName,
    /// `TargetAlias` (§13.6).
    TargetAlias,
    /// `InitiatorAlias` (§13.7).
    InitiatorAlias,
    /// `TargetAddress` (§13.8).
    TargetAddress,
    /// `TargetPortalGroupTag` (§13.9).
    TargetPortalGroupTag,
    /// `InitialR2T` (§13.10).
    InitialR2T,
    /// `ImmediateData` (§13.11).
    ImmediateData,
    /// `MaxRecvDataSegmentLength` (§13.12).
    MaxRecvDataSegmentLength,
    /// `MaxBurstLength` (§13.13).
    MaxBurstLength,
    /// `FirstBurstLength` (§13.14).
    FirstBurstLength,
    /// `DefaultTime2Wait` (§13.15).
    DefaultTime2Wait,
    /// `DefaultTime2Retain` (§13.16).
    DefaultTime2Retain,
    /// `MaxOutstandingR2T` (§13.17).
    MaxOutstandingR2T,
    /// `DataPDUInOrder` (§13.18).
    DataPDUInOrder,
    /// `DataSequenceInOrder` (§13.19).
    DataSequenceInOrder,
    /// `ErrorRecoveryLevel` (§13.20).
    ErrorRecoveryLevel,
    /// `SessionType` (§13.21).
    SessionType,
    /// `TaskReporting` (§13.23).
    TaskReporting,
    /// `iSCSIProtocolLevel` (§13.24).
    IscsiProtocolLevel,
    /// `X#NodeArchitecture` (§13.26).
    NodeArchitecture,
    /// `IFMarker`, obsolete (§13.25).
    IFMarker,
    /// `OFMarker`, obsolete (§13.25).
    OFMarker,
    /// `IFMarkInt`, obsolete (§13.25).
    IFMarkInt,
    /// `OFMarkInt`, obsolete (§13.25).
    OFMarkInt,
    /// A vendor extension key (`X-…` private or `X#…` public, §13.22) this crate does not
    /// implement.
    Extension(String),
    /// Any other key name.
    Unknown(String),
}

/// How a key's value is agreed (RFC 7143 §6.2 and the "Result function" of each key).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Kind {
    /// Each side states its own value; no answer is expected.
    Declarative,
    /// Numerical; the result is the smaller value: an answer may not exceed the offer.
    Minimum,
    /// Numerical; the result is the larger value: an answer may not be below the offer.
    Maximum,
    /// Boolean AND: an offer of `No` can only be answered `No` (answer optional then).
    And,
    /// Boolean OR: an offer of `Yes` can only be answered `Yes` (answer optional then).
    Or,
    /// List: the responder picks the first offered value it supports (§6.2.1).
    List,
    /// Part of the authentication exchange (§12); not negotiated by rule.
    Security,
    /// A request the initiator sends in full feature phase (SendTargets).
    Request,
    /// Obsolete (§13.25): never offered, answered `Reject` when received.
    Obsolete,
}

/// When a key may be sent (the "Use" of RFC 7143 §13).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum KeyUse {
    /// LO: only in the login of the leading connection.
    LeadingOnly,
    /// IO: only during login.
    InitializeOnly,
    /// FFPO: only in full feature phase.
    FullFeatureOnly,
    /// ALL: during login and in full feature phase.
    All,
    /// Only in the security negotiation stage.
    Security,
    /// Obsolete keys: never sent.
    Never,
}

/// Whether a key's value applies to the session or to one connection (RFC 7143 §13).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Scope {
    /// SW: session-wide.
    Session,
    /// CO: connection-only.
    Connection,
}

/// The legal values of a key.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Values {
    /// A number in `min..=max` (decimal, `0x` hex or `0b` base64, §6.1).
    Number {
        /// Smallest legal value.
        min: u64,
        /// Largest legal value.
        max: u64,
    },
    /// `Yes` or `No`.
    Boolean,
    /// One or more of these names (extension names with `X-`/`Y-`/`Z-` prefixes aside).
    Names(&'static [&'static str]),
    /// Free UTF-8 text (names, aliases, addresses).
    Text,
    /// A binary value (`0x`/`0b`) of at most this many decoded bytes.
    Binary {
        /// Most decoded bytes.
        max_bytes: usize,
    },
}

/// Everything the RFC says about one key that the codec and negotiation need.
#[derive(Debug)]
pub struct KeySpec {
    /// The key.
    pub key: Key,
    /// The key name on the wire (case-sensitive).
    pub name: &'static str,
    /// The RFC 7143 section defining it.
    pub section: &'static str,
    /// How its value is agreed.
    pub kind: Kind,
    /// When it may be sent.
    pub usage: KeyUse,
    /// Session-wide or connection-only.
    pub scope: Scope,
    /// The RFC default, in wire form, if the RFC states one.
    pub default: Option<&'static str>,
    /// Its legal values.
    pub values: Values,
    /// Whether the key is irrelevant when `SessionType=Discovery`.
    pub irrelevant_in_discovery: bool,
    /// Longest value in bytes (text form).
    pub max_value_len: usize,
}

const fn spec(
    key: Key,
    name: &'static str,
    section: &'static str,
    kind: Kind,
    usage: KeyUse,
    scope: Scope,
    default: Option<&'static str>,
    values: Values,
    irrelevant_in_discovery: bool,
) -> KeySpec {
    KeySpec {
        key,
        name,
        section,
        kind,
        usage,
        scope,
        default,
        values,
        irrelevant_in_discovery,
        max_value_len: super::MAX_VALUE_LEN,
    }
}

/// A row whose values may be [`MAX_BINARY_VALUE_CHARS`] long.
const fn long_value(mut spec: KeySpec) -> KeySpec {
    spec.max_value_len = MAX_BINARY_VALUE_CHARS;
    spec
}

/// 512 to 2^24 − 1: the range of the three data-length keys (§13.12–§13.14).
const DATA_LENGTH: Values = Values::Number {
    min: 512,
    max: 16_777_215,
};
/// 0 to 3600 seconds (§13.15, §13.16).
const SECONDS: Values = Values::Number { min: 0, max: 3600 };
/// 1 to 65535 (§13.2, §13.17).
const COUNT: Values = Values::Number { min: 1, max: 65535 };
const DIGESTS: Values = Values::Names(&["CRC32C", "None"]);

use KeyUse::{All, FullFeatureOnly, InitializeOnly, LeadingOnly, Never, Security as Sec};
use Kind::*;
use Scope::{Connection as CO, Session as SW};

/// The key table: one row per key RFC 7143 defines (§12.1 authentication keys, §13
/// operational keys, §13.25 obsolete keys, §13.26 `X#NodeArchitecture`).
#[rustfmt::skip]
pub static KEY_TABLE: [KeySpec; 35] = [
    spec(Key::AuthMethod, "AuthMethod", "12.1", List, Sec, CO, None,
        Values::Names(&["KRB5", "SRP", "CHAP", "None"]), false),
    spec(Key::ChapA, "CHAP_A", "12.1.3", Security, Sec, CO, None, Values::Text, false),
    spec(Key::ChapI, "CHAP_I", "12.1.3", Security, Sec, CO, None,
        Values::Number { min: 0, max: 255 }, false),
    long_value(spec(Key::ChapC, "CHAP_C", "12.1.3", Security, Sec, CO, None,
        Values::Binary { max_bytes: MAX_CHAP_BINARY_BYTES }, false)),
    spec(Key::ChapN, "CHAP_N", "12.1.3", Security, Sec, CO, None, Values::Text, false),
    long_value(spec(Key::ChapR, "CHAP_R", "12.1.3", Security, Sec, CO, None,
        Values::Binary { max_bytes: MAX_CHAP_BINARY_BYTES }, false)),
    spec(Key::HeaderDigest, "HeaderDigest", "13.1", List, InitializeOnly, CO, Some("None"),
        DIGESTS, false),
    spec(Key::DataDigest, "DataDigest", "13.1", List, InitializeOnly, CO, Some("None"),
        DIGESTS, false),
    spec(Key::MaxConnections, "MaxConnections", "13.2", Minimum, LeadingOnly, SW, Some("1"),
        COUNT, true),
    spec(Key::SendTargets, "SendTargets", "13.3", Request, FullFeatureOnly, SW, None,
        Values::Text, false),
    spec(Key::TargetName, "TargetName", "13.4", Declarative, InitializeOnly, SW, None,
        Values::Text, false),
    spec(Key::InitiatorName, "InitiatorName", "13.5", Declarative, InitializeOnly, SW, None,
        Values::Text, false),
    spec(Key::TargetAlias, "TargetAlias", "13.6", Declarative, All, SW, None, Values::Text,
        false),
    spec(Key::InitiatorAlias, "InitiatorAlias", "13.7", Declarative, All, SW, None,
        Values::Text, false),
    spec(Key::TargetAddress, "TargetAddress", "13.8", Declarative, All, SW, None,
        Values::Text, false),
    spec(Key::TargetPortalGroupTag, "TargetPortalGroupTag", "13.9", Declarative,
        InitializeOnly, SW, None, Values::Number { min: 0, max: 65535 }, false),
    spec(Key::InitialR2T, "InitialR2T", "13.10", Or, LeadingOnly, SW, Some("Yes"),
        Values::Boolean, true),
    spec(Key::ImmediateData, "ImmediateData", "13.11", And, LeadingOnly, SW, Some("Yes"),
        Values::Boolean, true),
    spec(Key::MaxRecvDataSegmentLength, "MaxRecvDataSegmentLength", "13.12", Declarative,
        All, CO, Some("8192"), DATA_LENGTH, false),
    spec(Key::MaxBurstLength, "MaxBurstLength", "13.13", Minimum, LeadingOnly, SW,
        Some("262144"), DATA_LENGTH, true),
    spec(Key::FirstBurstLength, "FirstBurstLength", "13.14", Minimum, LeadingOnly, SW,
        Some("65536"), DATA_LENGTH, true),
    spec(Key::DefaultTime2Wait, "DefaultTime2Wait", "13.15", Maximum, LeadingOnly, SW,
        Some("2"), SECONDS, false),
    spec(Key::DefaultTime2Retain, "DefaultTime2Retain", "13.16", Minimum, LeadingOnly, SW,
        Some("20"), SECONDS, false),
    spec(Key::MaxOutstandingR2T, "MaxOutstandingR2T", "13.17", Minimum, LeadingOnly, SW,
        Some("1"), COUNT, true),
    spec(Key::DataPDUInOrder, "DataPDUInOrder", "13.18", Or, LeadingOnly, SW, Some("Yes"),
        Values::Boolean, true),
    spec(Key::DataSequenceInOrder, "DataSequenceInOrder", "13.19", Or, LeadingOnly, SW,
        Some("Yes"), Values::Boolean, true),
    spec(Key::ErrorRecoveryLevel, "ErrorRecoveryLevel", "13.20", Minimum, LeadingOnly, SW,
        Some("0"), Values::Number { min: 0, max: 2 }, false),
    spec(Key::SessionType, "SessionType", "13.21", Declarative, LeadingOnly, SW,
        Some("Normal"), Values::Names(&["Discovery", "Normal"]), false),
    spec(Key::TaskReporting, "TaskReporting", "13.23", List, LeadingOnly, SW,
        Some("RFC3720"), Values::Names(&["RFC3720", "ResponseFence", "FastAbort"]), true),
    spec(Key::IscsiProtocolLevel, "iSCSIProtocolLevel", "13.24", Minimum, LeadingOnly, SW,
        Some("1"), Values::Number { min: 0, max: 31 }, false),
    spec(Key::NodeArchitecture, "X#NodeArchitecture", "13.26", Declarative, LeadingOnly, SW,
        None, Values::Text, false),
    spec(Key::IFMarker, "IFMarker", "13.25", Obsolete, Never, CO, None, Values::Boolean,
        false),
    spec(Key::OFMarker, "OFMarker", "13.25", Obsolete, Never, CO, None, Values::Boolean,
        false),
    spec(Key::IFMarkInt, "IFMarkInt", "13.25", Obsolete, Never, CO, None, Values::Text,
        false),
    spec(Key::OFMarkInt, "OFMarkInt", "13.25", Obsolete, Never, CO, None, Values::Text,
        false),
];

impl Key {
    /// The key for a wire name (case-sensitive, RFC 7143 §6.1). `X-…`/`X#…` names not in
    /// the table are [`Key::Extension`]; anything else unknown is [`Key::Unknown`].
    pub fn from_name(name: &str) -> Self {
        if let Some(spec) = KEY_TABLE.iter().find(|s| s.name == name) {
            return spec.key.clone();
        }
        if name.starts_with("X-") || name.starts_with("X#") {
            Self::Extension(name.to_owned())
        } else {
            Self::Unknown(name.to_owned())
        }
    }

    /// The wire name.
    pub fn name(&self) -> &str {
        match self {
            Self::Extension(name) | Self::Unknown(name) => name,
            known => known.spec().map_or("", |s| s.name),
        }
    }

    /// The table row, for every key RFC 7143 defines.
    pub fn spec(&self) -> Option<&'static KeySpec> {
        match self {
            Self::Extension(_) | Self::Unknown(_) => None,
            known => KEY_TABLE.iter().find(|s| s.key == *known),
        }
    }

    /// How the key's value is agreed, if the key is known.
    pub fn kind(&self) -> Option<Kind> {
        self.spec().map(|s| s.kind)
    }

    /// Whether the key belongs to the authentication exchange (AuthMethod, CHAP_*).
    pub fn is_security(&self) -> bool {
        self.spec().is_some_and(|s| s.usage == KeyUse::Security)
    }

    /// Whether values of this key must never be logged (CHAP challenges and responses).
    pub fn is_secret(&self) -> bool {
        matches!(self, Self::ChapC | Self::ChapR)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest value in bytes the codec accepts for `key`: 4096 characters for CHAP_C and
/// CHAP_R ([`MAX_BINARY_VALUE_CHARS`]), 255 for every other key (RFC 7143 §6.1).
pub fn max_value_len(key: &str) -> usize {
    match key {
        "CHAP_C" | "CHAP_R" => MAX_BINARY_VALUE_CHARS,
        _ => super::MAX_VALUE_LEN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_round_trips_by_name() {
        for spec in &KEY_TABLE {
            let key = Key::from_name(spec.name);
            assert_eq!(key, spec.key, "{}", spec.name);
            assert_eq!(key.name(), spec.name);
            assert!(super::super::is_valid_key(spec.name), "{}", spec.name);
            assert_eq!(
                max_value_len(spec.name),
                spec.max_value_len,
                "{}",
                spec.name
            );
        }
        // Names are unique.
        for (i, a) in KEY_TABLE.iter().enumerate() {
            for b in KEY_TABLE.iter().skip(i + 1) {
                assert_ne!(a.name, b.name);
                assert_ne!(a.key, b.key);
            }
        }
    }

    #[test]
    fn rfc_rules_that_are_often_wrong() {
        let kind = |k: Key| k.kind().unwrap();
        assert_eq!(kind(Key::InitialR2T), Or);
        assert_eq!(kind(Key::DataPDUInOrder), Or);
        assert_eq!(kind(Key::DataSequenceInOrder), Or);
        assert_eq!(kind(Key::ImmediateData), And);
        assert_eq!(kind(Key::DefaultTime2Wait), Maximum);
        assert_eq!(kind(Key::DefaultTime2Retain), Minimum);
        assert_eq!(kind(Key::MaxRecvDataSegmentLength), Declarative);
        let mrdsl = Key::MaxRecvDataSegmentLength.spec().unwrap();
        assert_eq!(mrdsl.scope, Scope::Connection);
        assert_eq!(mrdsl.default, Some("8192"));
        assert_eq!(Key::MaxBurstLength.spec().unwrap().default, Some("262144"));
        assert_eq!(Key::FirstBurstLength.spec().unwrap().default, Some("65536"));
    }

    #[test]
    fn extension_and_unknown_keys() {
        assert_eq!(
            Key::from_name("X-com.example.foo"),
            Key::Extension("X-com.example.foo".into())
        );
        assert_eq!(Key::from_name("X#Foo"), Key::Extension("X#Foo".into()));
        assert_eq!(Key::from_name("X#NodeArchitecture"), Key::NodeArchitecture);
        assert_eq!(Key::from_name("Foo"), Key::Unknown("Foo".into()));
        // Case-sensitive: `headerdigest` is not HeaderDigest.
        assert_eq!(
            Key::from_name("headerdigest"),
            Key::Unknown("headerdigest".into())
        );
        assert_eq!(Key::from_name("Foo").spec().map(|s| s.name), None);
        assert!(Key::ChapC.is_secret() && Key::ChapR.is_secret());
        assert!(Key::ChapA.is_security() && !Key::HeaderDigest.is_security());
        assert_eq!(Key::IscsiProtocolLevel.to_string(), "iSCSIProtocolLevel");
    }

    #[test]
    fn discovery_irrelevance() {
        let irrelevant: Vec<&str> = KEY_TABLE
            .iter()
            .filter(|s| s.irrelevant_in_discovery)
            .map(|s| s.name)
            .collect();
        assert_eq!(
            irrelevant,
            [
                "MaxConnections",
                "InitialR2T",
                "ImmediateData",
                "MaxBurstLength",
                "FirstBurstLength",
                "MaxOutstandingR2T",
                "DataPDUInOrder",
                "DataSequenceInOrder",
                "TaskReporting"
            ]
        );
    }
}
