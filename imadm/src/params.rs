//! The twelve IMA login parameters (docs/plugin.md) and the two digest lists, by their
//! RFC 7143 key names.

use std::str::FromStr;

/// A login parameter with an IMA getter and setter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// FirstBurstLength.
    FirstBurstLength,
    /// MaxBurstLength.
    MaxBurstLength,
    /// MaxRecvDataSegmentLength.
    MaxRecvDataSegmentLength,
    /// DefaultTime2Wait.
    DefaultTime2Wait,
    /// DefaultTime2Retain.
    DefaultTime2Retain,
    /// MaxOutstandingR2T.
    MaxOutstandingR2T,
    /// ErrorRecoveryLevel.
    ErrorRecoveryLevel,
    /// MaxConnections.
    MaxConnections,
    /// InitialR2T.
    InitialR2T,
    /// ImmediateData.
    ImmediateData,
    /// DataPDUInOrder.
    DataPduInOrder,
    /// DataSequenceInOrder.
    DataSequenceInOrder,
}

impl Param {
    /// Every parameter, in display order.
    pub const ALL: [Self; 12] = [
        Self::FirstBurstLength,
        Self::MaxBurstLength,
        Self::MaxRecvDataSegmentLength,
        Self::DefaultTime2Wait,
        Self::DefaultTime2Retain,
        Self::MaxOutstandingR2T,
        Self::ErrorRecoveryLevel,
        Self::MaxConnections,
        Self::InitialR2T,
        Self::ImmediateData,
        Self::DataPduInOrder,
        Self::DataSequenceInOrder,
    ];

    /// The RFC 7143 key name.
    pub fn name(self) -> &'static str {
        match self {
            Self::FirstBurstLength => "FirstBurstLength",
            Self::MaxBurstLength => "MaxBurstLength",
            Self::MaxRecvDataSegmentLength => "MaxRecvDataSegmentLength",
            Self::DefaultTime2Wait => "DefaultTime2Wait",
            Self::DefaultTime2Retain => "DefaultTime2Retain",
            Self::MaxOutstandingR2T => "MaxOutstandingR2T",
            Self::ErrorRecoveryLevel => "ErrorRecoveryLevel",
            Self::MaxConnections => "MaxConnections",
            Self::InitialR2T => "InitialR2T",
            Self::ImmediateData => "ImmediateData",
            Self::DataPduInOrder => "DataPDUInOrder",
            Self::DataSequenceInOrder => "DataSequenceInOrder",
        }
    }

    /// Whether the parameter is a boolean (`IMA_BOOL_VALUE`) rather than a number.
    pub fn is_bool(self) -> bool {
        matches!(
            self,
            Self::InitialR2T
                | Self::ImmediateData
                | Self::DataPduInOrder
                | Self::DataSequenceInOrder
        )
    }
}

impl FromStr for Param {
    type Err = String;

    /// The key name, case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown login parameter {s:?}"))
    }
}

/// What `param set` / `target-param set` may change: a login parameter or a digest list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// A numeric parameter.
    Number(Param, u64),
    /// A boolean parameter.
    Bool(Param, bool),
    /// HeaderDigest (true) or DataDigest (false), in preference order.
    Digests(bool, Vec<ima_abi::DigestType>),
}

/// Parses a boolean as iSCSI writes it (`Yes`/`No`) or as people do.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "enable" => Ok(true),
        "no" | "false" | "off" | "0" | "disable" => Ok(false),
        _ => Err(format!("{s:?} is not a boolean (yes or no)")),
    }
}

impl FromStr for Setting {
    type Err = String;

    /// `KEY=VALUE`: a parameter and its value, or `HeaderDigest=CRC32C,None`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?}: expected KEY=VALUE"))?;
        if key.eq_ignore_ascii_case("HeaderDigest") || key.eq_ignore_ascii_case("DataDigest") {
            let digests = value
                .split(',')
                .map(|d| match d.to_ascii_lowercase().as_str() {
                    "none" => Ok(ima_abi::DigestType::NONE),
                    "crc32c" => Ok(ima_abi::DigestType::CRC32C),
                    _ => Err(format!("{d:?} is not a digest (None or CRC32C)")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Self::Digests(
                key.eq_ignore_ascii_case("HeaderDigest"),
                digests,
            ));
        }
        let param: Param = key.parse()?;
        if param.is_bool() {
            Ok(Self::Bool(param, parse_bool(value)?))
        } else {
            let n = value
                .parse()
                .map_err(|_| format!("{key}: {value:?} is not a number"))?;
            Ok(Self::Number(param, n))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse() {
        assert_eq!(
            "maxburstlength=131072".parse(),
            Ok(Setting::Number(Param::MaxBurstLength, 131072))
        );
        assert_eq!(
            "ImmediateData=No".parse(),
            Ok(Setting::Bool(Param::ImmediateData, false))
        );
        assert_eq!(
            "HeaderDigest=CRC32C,None".parse(),
            Ok(Setting::Digests(
                true,
                vec![ima_abi::DigestType::CRC32C, ima_abi::DigestType::NONE]
            ))
        );
        assert!("Foo=1".parse::<Setting>().is_err());
        assert!("MaxBurstLength".parse::<Setting>().is_err());
        assert!("InitialR2T=maybe".parse::<Setting>().is_err());
    }
}
