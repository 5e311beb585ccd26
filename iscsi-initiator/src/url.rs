//! The libiscsi URL form, so users can swap tools:
//!
//! ```text
//! iscsi://[user[%password]@]host[:port][/target-iqn[/lun]][?key=value&...]
//! ```
//!
//! `host` is an IPv4 address, a bracketed IPv6 address (optionally with a `%25`-escaped
//! zone id, as in RFC 6874) or a DNS name; the port defaults to 3260. Without a target the
//! URL names a portal, for discovery. Query keys: `header_digest` and `data_digest`
//! (`crc32c`, `none`, or `crc32c,none`/`none,crc32c` preference lists), `target_user` and
//! `target_password` (mutual CHAP), `auth` (`md5`, `sha1`, `sha-256`, `sha3-256`: the CHAP
//! algorithm offered first; MD5 is always offered too). Percent escapes are decoded in the
//! user, password, target and query values.

use std::fmt;

use iscsi_proto::discovery::TargetAddress;
use thiserror::Error;

/// The default iSCSI port.
pub const DEFAULT_PORT: u16 = 3260;

/// A parsed `iscsi://` URL.
#[derive(Clone, Eq, PartialEq)]
pub struct IscsiUrl {
    /// The portal host.
    pub host: UrlHost,
    /// The portal port.
    pub port: u16,
    /// The target name, absent for a discovery URL.
    pub target: Option<String>,
    /// The LUN, absent when the URL names only a portal or a target.
    pub lun: Option<u16>,
    /// CHAP user and secret for authenticating the initiator.
    pub user: Option<Credentials>,
    /// CHAP user and secret the target must prove (mutual CHAP).
    pub target_user: Option<Credentials>,
    /// Header digest preference, in order.
    pub header_digest: Vec<DigestChoice>,
    /// Data digest preference, in order.
    pub data_digest: Vec<DigestChoice>,
    /// CHAP algorithm to offer first (`auth=`), if given.
    pub chap_algorithm: Option<ChapAlgorithmName>,
}

/// The host part of a URL: the same type as a SendTargets or redirect address's host,
/// parsed here by the URL's stricter rules (RFC 3986 host names, `%25` before a zone).
pub use iscsi_proto::discovery::Host as UrlHost;

/// A user name and secret. `Debug` never shows the secret.
#[derive(Clone, Eq, PartialEq)]
pub struct Credentials {
    /// The CHAP name.
    pub user: String,
    /// The CHAP secret.
    pub secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("secret", &"..")
            .finish()
    }
}

/// A digest named in a URL.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum DigestChoice {
    /// CRC32C.
    Crc32c,
    /// No digest.
    None,
}

/// A CHAP algorithm named by `auth=`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum ChapAlgorithmName {
    /// `md5` (CHAP_A 5).
    Md5,
    /// `sha1` (CHAP_A 6).
    Sha1,
    /// `sha-256` (CHAP_A 7).
    Sha256,
    /// `sha3-256` (CHAP_A 8).
    Sha3_256,
}

impl ChapAlgorithmName {
    /// The CHAP_A number.
    pub fn chap_a(self) -> u8 {
        match self {
            Self::Md5 => 5,
            Self::Sha1 => 6,
            Self::Sha256 => 7,
            Self::Sha3_256 => 8,
        }
    }
}

/// Why a URL was refused. Messages never include a password.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, Error)]
pub enum UrlError {
    /// Not `iscsi://`.
    #[error("URL must start with iscsi://")]
    Scheme,
    /// No host.
    #[error("URL has no host")]
    MissingHost,
    /// A malformed host or IPv6 literal.
    #[error("bad host {0:?}")]
    BadHost(String),
    /// A port that is not 1–65535.
    #[error("bad port {0:?}")]
    BadPort(String),
    /// A LUN that is not 0–16383.
    #[error("bad LUN {0:?}")]
    BadLun(String),
    /// Extra path segments after the LUN.
    #[error("unexpected path after the LUN")]
    TrailingPath,
    /// A bad `%xx` escape.
    #[error("bad percent escape in {0}")]
    BadEscape(&'static str),
    /// An unknown query key.
    #[error("unknown URL option {0:?}")]
    UnknownOption(String),
    /// A query value that is not allowed for its key.
    #[error("bad value for URL option {0}")]
    BadOption(&'static str),
    /// `target_password` without `target_user`, or the reverse; or a password without a user.
    #[error("incomplete credentials: {0}")]
    IncompleteCredentials(&'static str),
    /// Longer than [`MAX_URL_LEN`].
    #[error("URL longer than {MAX_URL_LEN} bytes")]
    TooLong,
}

/// The longest URL accepted.
pub const MAX_URL_LEN: usize = 4096;

impl IscsiUrl {
    /// Parses a URL.
    ///
    /// # Errors
    ///
    /// A [`UrlError`] naming what is wrong.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        if url.len() > MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        let rest = url.strip_prefix("iscsi://").ok_or(UrlError::Scheme)?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        // The user part ends at the last '@' (a password may contain '@' only escaped, but
        // be lenient with a literal one).
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let user = userinfo.map(parse_userinfo).transpose()?;
        let (host, port) = parse_hostport(hostport)?;

        let mut segments = path.split('/').skip(1).filter(|s| !s.is_empty());
        let target = segments
            .next()
            .map(|t| percent_decode(t, "target"))
            .transpose()?;
        let lun = segments
            .next()
            .map(|l| match l.parse::<u16>() {
                Ok(n) if n <= 0x3fff => Ok(n),
                _ => Err(UrlError::BadLun(l.to_owned())),
            })
            .transpose()?;
        if segments.next().is_some() {
            return Err(UrlError::TrailingPath);
        }

        let mut url = Self {
            host,
            port,
            target,
            lun,
            user,
            target_user: None,
            header_digest: vec![DigestChoice::None],
            data_digest: vec![DigestChoice::None],
            chap_algorithm: None,
        };
        let (mut t_user, mut t_pass) = (None, None);
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "header_digest" => url.header_digest = parse_digests(value, "header_digest")?,
                "data_digest" => url.data_digest = parse_digests(value, "data_digest")?,
                "target_user" => t_user = Some(percent_decode(value, "target_user")?),
                "target_password" => t_pass = Some(percent_decode(value, "target_password")?),
                "auth" => {
                    url.chap_algorithm = Some(match value {
                        "md5" => ChapAlgorithmName::Md5,
                        "sha1" => ChapAlgorithmName::Sha1,
                        "sha-256" | "sha256" => ChapAlgorithmName::Sha256,
                        "sha3-256" | "sha3_256" => ChapAlgorithmName::Sha3_256,
                        _ => return Err(UrlError::BadOption("auth")),
                    });
                }
                other => return Err(UrlError::UnknownOption(other.to_owned())),
            }
        }
        url.target_user = match (t_user, t_pass) {
            (Some(user), Some(secret)) => Some(Credentials { user, secret }),
            (None, None) => None,
            _ => {
                return Err(UrlError::IncompleteCredentials(
                    "target_user needs target_password",
                ));
            }
        };
        if url.target_user.is_some() && url.user.is_none() {
            return Err(UrlError::IncompleteCredentials(
                "mutual CHAP needs a user and password",
            ));
        }
        Ok(url)
    }

    /// The URL's portal (RFC 7143 §13.8), without a portal group tag: a URL names none.
    /// Its `Display` is `host:port` (IPv6 in brackets, zone included).
    pub fn portal(&self) -> TargetAddress {
        TargetAddress {
            host: self.host.clone(),
            port: self.port,
            tpgt: None,
        }
    }
}

impl fmt::Debug for IscsiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IscsiUrl")
            .field("portal", &self.portal())
            .field("target", &self.target)
            .field("lun", &self.lun)
            .field("user", &self.user)
            .field("target_user", &self.target_user)
            .field("header_digest", &self.header_digest)
            .field("data_digest", &self.data_digest)
            .field("chap_algorithm", &self.chap_algorithm)
            .finish()
    }
}

impl fmt::Display for IscsiUrl {
    /// The URL without secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "iscsi://")?;
        if let Some(c) = &self.user {
            write!(f, "{}@", c.user)?;
        }
        write!(f, "{}", self.portal())?;
        if let Some(t) = &self.target {
            write!(f, "/{t}")?;
            if let Some(l) = self.lun {
                write!(f, "/{l}")?;
            }
        }
        Ok(())
    }
}

fn parse_userinfo(info: &str) -> Result<Credentials, UrlError> {
    let (user, secret) = info.split_once('%').ok_or(UrlError::IncompleteCredentials(
        "a user needs user%password",
    ))?;
    if user.is_empty() {
        return Err(UrlError::IncompleteCredentials("empty user"));
    }
    Ok(Credentials {
        user: percent_decode(user, "user")?,
        secret: percent_decode(secret, "password")?,
    })
}

fn parse_hostport(hostport: &str) -> Result<(UrlHost, u16), UrlError> {
    if hostport.is_empty() {
        return Err(UrlError::MissingHost);
    }
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (literal, after) = inner
            .split_once(']')
            .ok_or_else(|| UrlError::BadHost(hostport.to_owned()))?;
        let (addr, zone) = match literal.split_once('%') {
            // RFC 6874 escapes the zone separator as %25; accept a bare % too.
            Some((a, z)) => (a, Some(z.strip_prefix("25").unwrap_or(z).to_owned())),
            None => (literal, None),
        };
        let addr = addr
            .parse()
            .map_err(|_| UrlError::BadHost(literal.to_owned()))?;
        if zone.as_deref() == Some("") {
            return Err(UrlError::BadHost(literal.to_owned()));
        }
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| UrlError::BadPort(p.to_owned()))?,
            ),
        };
        (UrlHost::Ipv6 { addr, zone }, port)
    } else {
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        let host = if let Ok(v4) = host.parse() {
            UrlHost::Ipv4(v4)
        } else if is_dns_name(host) {
            UrlHost::Name(host.to_owned())
        } else {
            return Err(UrlError::BadHost(host.to_owned()));
        };
        (host, port)
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(UrlError::BadPort(p.to_owned())),
        },
    };
    Ok((host, port))
}

fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn parse_digests(value: &str, key: &'static str) -> Result<Vec<DigestChoice>, UrlError> {
    value
        .split(',')
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "crc32c" => Ok(DigestChoice::Crc32c),
            "none" => Ok(DigestChoice::None),
            _ => Err(UrlError::BadOption(key)),
        })
        .collect()
}

fn percent_decode(text: &str, what: &'static str) -> Result<String, UrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3).ok_or(UrlError::BadEscape(what))?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| UrlError::BadEscape(what))?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| UrlError::BadEscape(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_form() {
        let u = IscsiUrl::parse(
            "iscsi://alice%secretsecret12@127.0.0.1:3261/iqn.2026-11.test:disk1/1\
             ?header_digest=crc32c&data_digest=crc32c&target_user=tgt&target_password=t%40rget",
        )
        .unwrap();
        assert_eq!(u.host, UrlHost::Ipv4([127, 0, 0, 1].into()));
        assert_eq!(u.port, 3261);
        assert_eq!(u.target.as_deref(), Some("iqn.2026-11.test:disk1"));
        assert_eq!(u.lun, Some(1));
        assert_eq!(
            u.user,
            Some(Credentials {
                user: "alice".into(),
                secret: "secretsecret12".into()
            })
        );
        assert_eq!(
            u.target_user,
            Some(Credentials {
                user: "tgt".into(),
                secret: "t@rget".into()
            })
        );
        assert_eq!(u.header_digest, [DigestChoice::Crc32c]);
        assert_eq!(u.data_digest, [DigestChoice::Crc32c]);
        assert_eq!(u.portal().to_string(), "127.0.0.1:3261");
        // Display and Debug never show secrets.
        assert_eq!(
            u.to_string(),
            "iscsi://alice@127.0.0.1:3261/iqn.2026-11.test:disk1/1"
        );
        let dbg = format!("{u:?}");
        assert!(
            !dbg.contains("secretsecret12") && !dbg.contains("t@rget"),
            "{dbg}"
        );
    }

    #[test]
    fn portal_only_and_defaults() {
        let u = IscsiUrl::parse("iscsi://storage.example").unwrap();
        assert_eq!(u.host, UrlHost::Name("storage.example".into()));
        assert_eq!(u.port, DEFAULT_PORT);
        assert_eq!((u.target, u.lun), (None, None));
        assert_eq!(u.header_digest, [DigestChoice::None]);
        let u = IscsiUrl::parse("iscsi://host/iqn.x:y").unwrap();
        assert_eq!((u.target.as_deref(), u.lun), (Some("iqn.x:y"), None));
    }

    #[test]
    fn ipv6_with_zone() {
        let u = IscsiUrl::parse("iscsi://[fe80::1%25eth0]:3260/iqn.a:b/0").unwrap();
        assert_eq!(
            u.host,
            UrlHost::Ipv6 {
                addr: "fe80::1".parse().unwrap(),
                zone: Some("eth0".into())
            }
        );
        assert_eq!(u.portal().to_string(), "[fe80::1%eth0]:3260");
        assert_eq!(
            u.portal(),
            TargetAddress {
                host: UrlHost::Ipv6 {
                    addr: "fe80::1".parse().unwrap(),
                    zone: Some("eth0".into())
                },
                port: 3260,
                tpgt: None
            }
        );
        let u = IscsiUrl::parse("iscsi://[::1]/iqn.a:b/2").unwrap();
        assert_eq!(
            u.host,
            UrlHost::Ipv6 {
                addr: "::1".parse().unwrap(),
                zone: None
            }
        );
        assert_eq!(u.port, 3260);
    }

    #[test]
    fn target_address_is_the_portal_typed() {
        for (url, portal) in [
            ("iscsi://127.0.0.1:3261/iqn.a:b/1", "127.0.0.1:3261"),
            ("iscsi://storage.example", "storage.example:3260"),
            ("iscsi://[::1]/iqn.a:b/2", "[::1]:3260"),
            ("iscsi://[fe80::1%25eth0]:3262", "[fe80::1%eth0]:3262"),
        ] {
            let u = IscsiUrl::parse(url).unwrap();
            let a = u.portal();
            assert_eq!((&a.host, a.port, a.tpgt), (&u.host, u.port, None), "{url}");
            assert_eq!(a.to_string(), portal);
            assert_eq!(u.portal().to_string(), portal);
            // The same value a SendTargets answer or redirect would parse to.
            assert_eq!(portal.parse::<TargetAddress>(), Ok(a));
        }
    }

    #[test]
    fn digest_lists_and_auth() {
        let u = IscsiUrl::parse("iscsi://h/t/0?header_digest=crc32c,none&auth=sha-256").unwrap();
        assert_eq!(u.header_digest, [DigestChoice::Crc32c, DigestChoice::None]);
        assert_eq!(u.chap_algorithm.map(ChapAlgorithmName::chap_a), Some(7));
    }

    #[test]
    fn errors() {
        let cases = [
            ("http://h/t/0", UrlError::Scheme),
            ("iscsi://", UrlError::MissingHost),
            ("iscsi://h:0/t/0", UrlError::BadPort("0".into())),
            ("iscsi://h:70000/t/0", UrlError::BadPort("70000".into())),
            ("iscsi://h:x/t/0", UrlError::BadPort("x".into())),
            ("iscsi://h/t/16384", UrlError::BadLun("16384".into())),
            ("iscsi://h/t/abc", UrlError::BadLun("abc".into())),
            ("iscsi://h/t/1/2", UrlError::TrailingPath),
            ("iscsi://[::1/t", UrlError::BadHost("[::1".into())),
            ("iscsi://[zz::1]/t", UrlError::BadHost("zz::1".into())),
            ("iscsi://bad_host/t", UrlError::BadHost("bad_host".into())),
            ("iscsi://h/t/0?foo=1", UrlError::UnknownOption("foo".into())),
            (
                "iscsi://h/t/0?header_digest=md5",
                UrlError::BadOption("header_digest"),
            ),
            ("iscsi://h/t/0?auth=des", UrlError::BadOption("auth")),
            (
                "iscsi://alice@h/t/0",
                UrlError::IncompleteCredentials("a user needs user%password"),
            ),
            (
                "iscsi://a%b@h/t/0?target_user=x",
                UrlError::IncompleteCredentials("target_user needs target_password"),
            ),
            (
                "iscsi://h/t/0?target_user=x&target_password=y",
                UrlError::IncompleteCredentials("mutual CHAP needs a user and password"),
            ),
            ("iscsi://a%b%zz@h/t/0", UrlError::BadEscape("password")),
        ];
        for (url, err) in cases {
            assert_eq!(IscsiUrl::parse(url), Err(err), "{url}");
        }
        assert_eq!(
            IscsiUrl::parse(&format!("iscsi://{}", "a".repeat(5000))),
            Err(UrlError::TooLong)
        );
    }
}
