//! The twelve IMA login parameters (docs/plugin.md) and the two digest lists, by their
//! RFC 7143 key names.

use std::str::FromStr;

/// The twelve login parameters: the engine's own key type (names, ranges, whether a key is
/// a boolean, parsing).
pub use iscsi_hba::LoginParamKey as Param;

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
