//! Authentication (CHAP, one-way and mutual) and the digest offers: what the next login
//! to a target presents and asks for, persisted with the rest of the state.
//!
//! # Model
//!
//! - The LHBA has the **methods in use**, in preference order ([`AuthMethod::None`],
//!   [`AuthMethod::Chap`]; default `[None]`), its **CHAP credentials** (the name and secret
//!   this initiator proves itself with) and, optionally, the **mutual credentials** (the
//!   name and secret every target must prove itself with).
//! - A target (by name, like the login parameters) may have its own CHAP credentials,
//!   used instead of the LHBA's while enabled, and its own mutual credentials and a
//!   mutual on/off switch (unset: mutual CHAP when the LHBA has mutual credentials).
//! - The HeaderDigest and DataDigest offers ([`DigestKind`]) are lists in preference
//!   order on the LHBA (defaults) and per target (overrides), kept with the login
//!   parameters.
//!
//! # Secrets (RFC 7143 §9.2.1)
//!
//! A [`ChapSecret`] is 12 to [`MAX_SECRET_LEN`] bytes: under 96 bits a secret needs IPsec,
//! which this initiator cannot see, so shorter ones are refused. A secret that
//! authenticates the initiator must never also authenticate a target (in either order,
//! on any object): such a change is refused. Secrets are wiped from memory when dropped,
//! compared in constant time, never printed (`Debug` shows `<secret>`) and never returned
//! by a getter; the state file holding them is written with mode 0600.

use std::{collections::BTreeMap, fmt};

use iscsi_initiator::Credentials;
use iscsi_proto::{auth::Secret, negotiation::Digest};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{
    Engine, HbaError, ObjectId, ObjectKind,
    engine::lock,
    params::{base_config, effective},
    state::{DigestName, ParamOverrides},
};

/// The shortest CHAP secret accepted, in bytes: 96 bits (RFC 7143 §9.2.1; shorter ones
/// need IPsec).
pub const MIN_SECRET_LEN: usize = 12;
/// The longest CHAP secret accepted, in bytes (the IMA `challengeSecret` field).
pub const MAX_SECRET_LEN: usize = 256;
/// The longest CHAP name, in bytes (an RFC 7143 text value: 255 bytes).
pub const MAX_CHAP_NAME_LEN: usize = 255;

/// An authentication method this engine can use.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash, Serialize, Deserialize)]
pub enum AuthMethod {
    /// No authentication (`AuthMethod=None`).
    None,
    /// CHAP (RFC 7143 §12.1.3).
    #[serde(rename = "CHAP")]
    Chap,
}

impl AuthMethod {
    /// Every method this engine supports, in our preference order.
    pub const SUPPORTED: [Self; 2] = [Self::None, Self::Chap];
}

/// A CHAP secret: 12 to [`MAX_SECRET_LEN`] bytes, wiped on drop, compared in constant
/// time, printed as `<secret>`.
#[derive(Clone)]
pub struct ChapSecret(Zeroizing<Vec<u8>>);

impl ChapSecret {
    /// Takes the bytes of a secret (moved in, not copied).
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] for fewer than [`MIN_SECRET_LEN`] bytes (RFC 7143
    /// §9.2.1: only under IPsec) or more than [`MAX_SECRET_LEN`]. The bytes are wiped then
    /// too.
    pub fn new(bytes: Vec<u8>) -> Result<Self, HbaError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < MIN_SECRET_LEN {
            return Err(HbaError::InvalidArgument(format!(
                "a CHAP secret of {} bytes is shorter than 96 bits ({MIN_SECRET_LEN} bytes), \
                 allowed only under IPsec (RFC 7143 §9.2.1)",
                bytes.len()
            )));
        }
        if bytes.len() > MAX_SECRET_LEN {
            return Err(HbaError::InvalidArgument(format!(
                "a CHAP secret is at most {MAX_SECRET_LEN} bytes"
            )));
        }
        Ok(Self(bytes))
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false` (a secret has at least [`MIN_SECRET_LEN`] bytes).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares two secrets in time independent of their contents (lengths may leak).
    pub fn ct_eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }

    /// The bytes, for the state file and the login only.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }

    /// A copy for the initiator (its `Secret` wipes itself too).
    fn to_login(&self) -> Secret {
        Secret::new(self.0.to_vec())
    }
}

/// On the daemon's socket (owner-only, peer checked): the bytes. Decoding goes through
/// [`ChapSecret::new`], so the length rules hold on both ends.
impl Serialize for ChapSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.expose())
    }
}

impl<'de> Deserialize<'de> for ChapSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes = Zeroizing::new(Vec::<u8>::deserialize(d)?);
        Self::new(bytes.to_vec()).map_err(serde::de::Error::custom)
    }
}

impl PartialEq for ChapSecret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for ChapSecret {}

impl fmt::Debug for ChapSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

/// A CHAP name and secret.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ChapCredentials {
    /// The CHAP name (`CHAP_N`): 1 to [`MAX_CHAP_NAME_LEN`] bytes of UTF-8 without NUL.
    pub name: String,
    /// The secret.
    pub secret: ChapSecret,
}

impl ChapCredentials {
    /// Checked credentials.
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] for an empty name, one over [`MAX_CHAP_NAME_LEN`]
    /// bytes, or one with a NUL.
    pub fn new(name: String, secret: ChapSecret) -> Result<Self, HbaError> {
        check_chap_name(&name)?;
        Ok(Self { name, secret })
    }
}

/// Checks a CHAP name: 1 to [`MAX_CHAP_NAME_LEN`] bytes, no NUL.
pub(crate) fn check_chap_name(name: &str) -> Result<(), HbaError> {
    if name.is_empty() || name.len() > MAX_CHAP_NAME_LEN || name.contains('\0') {
        return Err(HbaError::InvalidArgument(format!(
            "a CHAP name is 1 to {MAX_CHAP_NAME_LEN} bytes without NUL"
        )));
    }
    Ok(())
}

/// Whose credentials a call is about.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash, Serialize, Deserialize)]
pub enum ChapRole {
    /// The credentials this initiator proves itself with.
    Initiator,
    /// The credentials a target must prove itself with (mutual CHAP).
    Target,
}

/// CHAP credentials as the getters show them: never the secret.
#[derive(Clone, Debug, Eq, PartialEq, Serialize, Deserialize)]
pub struct ChapInfo {
    /// The CHAP name.
    pub name: String,
    /// The secret's length in bytes.
    pub secret_len: usize,
    /// Whether they are used: for the LHBA, always (the methods in use decide); for a
    /// target's own credentials, their switch.
    pub enabled: bool,
}

/// Which digest offer.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash, Serialize, Deserialize)]
pub enum DigestKind {
    /// HeaderDigest (RFC 7143 §13.1).
    Header,
    /// DataDigest (RFC 7143 §13.1).
    Data,
}

impl DigestKind {
    fn name(self) -> &'static str {
        match self {
            Self::Header => "HeaderDigest",
            Self::Data => "DataDigest",
        }
    }
}

/// The persisted authentication settings.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub(crate) struct AuthState {
    /// The LHBA's methods in use, in preference order; empty means the default `[None]`.
    pub(crate) methods: Vec<AuthMethod>,
    /// The LHBA's CHAP credentials.
    pub(crate) chap: Option<ChapCredentials>,
    /// The credentials every target must prove itself with (mutual CHAP).
    pub(crate) mutual: Option<ChapCredentials>,
    /// Per target name (never empty entries).
    pub(crate) targets: BTreeMap<String, TargetAuth>,
}

/// A target's own authentication settings.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub(crate) struct TargetAuth {
    /// Its own CHAP credentials.
    pub(crate) chap: Option<ChapCredentials>,
    /// Whether they replace the LHBA's (needs `chap`).
    pub(crate) chap_enabled: bool,
    /// The credentials this target must prove itself with.
    pub(crate) mutual: Option<ChapCredentials>,
    /// Mutual CHAP on or off for this target; `None` follows the LHBA (on when it has
    /// mutual credentials).
    pub(crate) mutual_enabled: Option<bool>,
}

impl TargetAuth {
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl AuthState {
    /// Nothing set.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The methods in use (the default `[None]` when none were set).
    pub(crate) fn methods_in_use(&self) -> Vec<AuthMethod> {
        if self.methods.is_empty() {
            vec![AuthMethod::None]
        } else {
            self.methods.clone()
        }
    }

    /// Checks the rules every saved state keeps: methods listed once, names valid, an
    /// enabled target credential present, mutual CHAP on only with credentials to
    /// expect, and no secret authenticating both an initiator and a target.
    pub(crate) fn validate(&self) -> Result<(), String> {
        for (i, m) in self.methods.iter().enumerate() {
            if self.methods[..i].contains(m) {
                return Err(format!("auth method {m:?} listed twice"));
            }
        }
        let mut ours: Vec<&ChapSecret> = Vec::new();
        let mut theirs: Vec<&ChapSecret> = Vec::new();
        for (c, list) in [(&self.chap, &mut ours), (&self.mutual, &mut theirs)] {
            if let Some(c) = c {
                check_chap_name(&c.name).map_err(|e| e.to_string())?;
                list.push(&c.secret);
            }
        }
        for (name, t) in &self.targets {
            crate::engine::check_name(name).map_err(|e| format!("auth target: {e}"))?;
            if t.chap_enabled && t.chap.is_none() {
                return Err(format!("target {name}: CHAP enabled without credentials"));
            }
            if t.mutual_enabled == Some(true) && t.mutual.is_none() && self.mutual.is_none() {
                return Err(format!(
                    "target {name}: mutual CHAP enabled without credentials to expect"
                ));
            }
            for (c, list) in [(&t.chap, &mut ours), (&t.mutual, &mut theirs)] {
                if let Some(c) = c {
                    check_chap_name(&c.name).map_err(|e| format!("target {name}: {e}"))?;
                    list.push(&c.secret);
                }
            }
        }
        if ours.iter().any(|a| theirs.iter().any(|b| a.ct_eq(b))) {
            return Err(
                "a CHAP secret that authenticates the initiator must not also \
                        authenticate a target (RFC 7143 §9.2.1)"
                    .into(),
            );
        }
        Ok(())
    }

    /// The credentials a login to the target named `name` presents, or `None` for no
    /// authentication.
    pub(crate) fn credentials(&self, name: &str) -> Result<Option<Credentials>, HbaError> {
        let methods = self.methods_in_use();
        let target = self.targets.get(name);
        let local = target
            .filter(|t| t.chap_enabled)
            .and_then(|t| t.chap.as_ref());
        let chap = match (local, methods.contains(&AuthMethod::Chap)) {
            (Some(c), _) => c,
            (None, false) => return Ok(None),
            (None, true) => match &self.chap {
                Some(c) => c,
                None if methods.contains(&AuthMethod::None) => return Ok(None),
                None => {
                    return Err(HbaError::InvalidArgument(format!(
                        "CHAP is the only authentication method in use but no CHAP \
                         credentials are set for target {name}"
                    )));
                }
            },
        };
        let mut credentials = Credentials::new(chap.name.clone(), chap.secret.to_login());
        let mutual_on = target
            .and_then(|t| t.mutual_enabled)
            .unwrap_or_else(|| self.mutual.is_some());
        if mutual_on {
            let expected = target
                .and_then(|t| t.mutual.as_ref())
                .or(self.mutual.as_ref())
                .ok_or_else(|| {
                    HbaError::InvalidArgument(format!(
                        "mutual CHAP is on for target {name} but no credentials to expect are set"
                    ))
                })?;
            credentials.target = Some((expected.name.clone(), expected.secret.to_login()));
        }
        Ok(Some(credentials))
    }
}

/// The digest list a parameter set holds for `kind`.
fn digest_slot(o: &mut ParamOverrides, kind: DigestKind) -> &mut Option<Vec<DigestName>> {
    match kind {
        DigestKind::Header => &mut o.header_digest,
        DigestKind::Data => &mut o.data_digest,
    }
}

/// Where an object's settings are kept: `None` for the LHBA, else the target name.
enum Owner {
    Lhba,
    Target(String),
}

impl Engine {
    /// The LHBA, a target or a static target (by its name).
    fn auth_owner(&self, object: ObjectId) -> Result<Owner, HbaError> {
        match object.kind {
            ObjectKind::Lhba if object.seq == ObjectId::SINGLETON_SEQ => Ok(Owner::Lhba),
            ObjectKind::Target => self
                .target(object)
                .map(|t| Owner::Target(t.name))
                .ok_or(HbaError::NotFound(object)),
            ObjectKind::StaticTarget => self
                .static_target(object)
                .map(|t| Owner::Target(t.name))
                .ok_or(HbaError::NotFound(object)),
            _ => Err(HbaError::NotFound(object)),
        }
    }

    /// The methods the LHBA supports: None and CHAP.
    pub fn supported_auth_methods(&self) -> Vec<AuthMethod> {
        AuthMethod::SUPPORTED.to_vec()
    }

    /// The LHBA's methods in use, in preference order (default `[None]`).
    pub fn auth_methods(&self) -> Vec<AuthMethod> {
        lock(&self.inner.persisted).auth.methods_in_use()
    }

    /// Sets the LHBA's methods in use, in preference order, from the next login. CHAP
    /// is used with the credentials of the target, else the LHBA's; with `None` listed
    /// too, a target without credentials is logged in to without authentication.
    /// One-way CHAP offers `AuthMethod=CHAP,None` whatever the list (the target may
    /// waive authentication); mutual CHAP offers `CHAP` alone.
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] for an empty list or a method listed twice; the
    /// errors of a persisted change.
    pub fn set_auth_methods(&self, methods: &[AuthMethod]) -> Result<(), HbaError> {
        if methods.is_empty() {
            return Err(HbaError::InvalidArgument(
                "at least one authentication method".into(),
            ));
        }
        let methods = methods.to_vec();
        self.update(move |s| {
            s.auth.methods = methods;
            s.auth.validate().map_err(HbaError::InvalidArgument)
        })
    }

    /// The CHAP credentials of `role` set on the LHBA or a target (a static target
    /// names its target), without the secret; `None` when not set.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for another object.
    pub fn chap(&self, object: ObjectId, role: ChapRole) -> Result<Option<ChapInfo>, HbaError> {
        let owner = self.auth_owner(object)?;
        let state = lock(&self.inner.persisted);
        let a = &state.auth;
        let info = |c: &ChapCredentials, enabled: bool| ChapInfo {
            name: c.name.clone(),
            secret_len: c.secret.len(),
            enabled,
        };
        Ok(match (owner, role) {
            (Owner::Lhba, ChapRole::Initiator) => a.chap.as_ref().map(|c| info(c, true)),
            (Owner::Lhba, ChapRole::Target) => a.mutual.as_ref().map(|c| info(c, true)),
            (Owner::Target(name), role) => a.targets.get(&name).and_then(|t| match role {
                ChapRole::Initiator => t.chap.as_ref().map(|c| info(c, t.chap_enabled)),
                ChapRole::Target => t
                    .mutual
                    .as_ref()
                    .map(|c| info(c, t.mutual_enabled.unwrap_or_else(|| a.mutual.is_some()))),
            }),
        })
    }

    /// Sets the CHAP credentials of `role` on the LHBA or a target, from the next login.
    /// `secret: None` keeps the secret already stored (a caller that read the
    /// credentials, which never include the secret, can change the name alone).
    /// `enabled`: for a target, whether its credentials are used (its own CHAP instead of
    /// the LHBA's; mutual CHAP on or off); `None` keeps the switch (a new entry: on). The
    /// LHBA's credentials are always enabled (`Some(false)` is refused).
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for another object; [`HbaError::InvalidArgument`] for a bad
    /// name, no secret given nor stored, or a secret that would authenticate both the
    /// initiator and a target (RFC 7143 §9.2.1); [`HbaError::NotSupported`] to disable
    /// the LHBA's credentials (change the methods in use instead); the errors of a
    /// persisted change.
    pub fn set_chap(
        &self,
        object: ObjectId,
        role: ChapRole,
        name: String,
        secret: Option<ChapSecret>,
        enabled: Option<bool>,
    ) -> Result<(), HbaError> {
        let owner = self.auth_owner(object)?;
        check_chap_name(&name)?;
        if matches!(owner, Owner::Lhba) && enabled == Some(false) {
            return Err(HbaError::NotSupported(
                "the LHBA's CHAP credentials cannot be disabled; set the methods in use".into(),
            ));
        }
        self.update(move |s| {
            let a = &mut s.auth;
            let (slot, switch) = match (&owner, role) {
                (Owner::Lhba, ChapRole::Initiator) => (&mut a.chap, None),
                (Owner::Lhba, ChapRole::Target) => (&mut a.mutual, None),
                (Owner::Target(t), ChapRole::Initiator) => {
                    let t = a.targets.entry(t.clone()).or_default();
                    let was_set = t.chap.is_some();
                    t.chap_enabled = enabled.unwrap_or(!was_set || t.chap_enabled);
                    (&mut t.chap, None)
                }
                (Owner::Target(t), ChapRole::Target) => {
                    let t = a.targets.entry(t.clone()).or_default();
                    (&mut t.mutual, Some(&mut t.mutual_enabled))
                }
            };
            let secret = match (secret, slot.take()) {
                (Some(s), _) => s,
                (None, Some(old)) => old.secret,
                (None, None) => {
                    return Err(HbaError::InvalidArgument(
                        "no CHAP secret given and none stored".into(),
                    ));
                }
            };
            *slot = Some(ChapCredentials { name, secret });
            if let Some(switch) = switch {
                // A target's mutual switch: as asked, else kept, else on.
                *switch = enabled.or(*switch).or(Some(true));
            }
            a.targets.retain(|_, t| !t.is_empty());
            a.validate().map_err(HbaError::InvalidArgument)
        })
    }

    /// Turns a target's credentials of `role` on or off (its own CHAP credentials
    /// instead of the LHBA's; mutual CHAP), from the next login.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for another object; [`HbaError::NotSupported`] for the
    /// LHBA (its CHAP follows the methods in use; its mutual credentials are removed
    /// with [`Engine::remove_chap`]); [`HbaError::InvalidArgument`] to turn on
    /// credentials that are not set; the errors of a persisted change.
    pub fn set_chap_enabled(
        &self,
        object: ObjectId,
        role: ChapRole,
        enabled: bool,
    ) -> Result<(), HbaError> {
        let Owner::Target(name) = self.auth_owner(object)? else {
            return Err(HbaError::NotSupported(
                "the LHBA's credentials have no switch".into(),
            ));
        };
        self.update(move |s| {
            let t = s.auth.targets.entry(name).or_default();
            match role {
                ChapRole::Initiator => t.chap_enabled = enabled,
                ChapRole::Target => t.mutual_enabled = Some(enabled),
            }
            s.auth.targets.retain(|_, t| !t.is_empty());
            s.auth.validate().map_err(HbaError::InvalidArgument)
        })
    }

    /// Removes the CHAP credentials of `role` named `name` from the LHBA or a target.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for another object; [`HbaError::InvalidArgument`] when no
    /// credentials with that name are set, or when a target has mutual CHAP on and
    /// relies on the LHBA's credentials being removed; the errors of a persisted change.
    pub fn remove_chap(
        &self,
        object: ObjectId,
        role: ChapRole,
        name: &str,
    ) -> Result<(), HbaError> {
        let owner = self.auth_owner(object)?;
        let name = name.to_owned();
        self.update(move |s| {
            let a = &mut s.auth;
            let slot = match (&owner, role) {
                (Owner::Lhba, ChapRole::Initiator) => &mut a.chap,
                (Owner::Lhba, ChapRole::Target) => &mut a.mutual,
                (Owner::Target(t), role) => {
                    let t = a.targets.entry(t.clone()).or_default();
                    if role == ChapRole::Initiator {
                        t.chap_enabled = false;
                        &mut t.chap
                    } else {
                        &mut t.mutual
                    }
                }
            };
            if slot.as_ref().is_none_or(|c| c.name != name) {
                return Err(HbaError::InvalidArgument(format!(
                    "no CHAP credentials named {name:?} are set"
                )));
            }
            *slot = None;
            a.targets.retain(|_, t| !t.is_empty());
            a.validate().map_err(HbaError::InvalidArgument)
        })
    }

    /// The HeaderDigest or DataDigest offer of the LHBA (the defaults) or a target (its
    /// override, else the LHBA's, else ours: `[None]`), in preference order: what the
    /// next login offers.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for another object.
    pub fn digests(&self, object: ObjectId, kind: DigestKind) -> Result<Vec<Digest>, HbaError> {
        let owner = self.auth_owner(object)?;
        let state = lock(&self.inner.persisted);
        let target = match &owner {
            Owner::Lhba => None,
            Owner::Target(name) => Some(name.as_str()),
        };
        let op = effective(base_config(), &state, target);
        Ok(match kind {
            DigestKind::Header => op.header_digest,
            DigestKind::Data => op.data_digest,
        })
    }

    /// Sets the HeaderDigest or DataDigest offer of the LHBA or a target, in preference
    /// order, from the next login.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for another object; [`HbaError::InvalidArgument`] for an
    /// empty list or a digest listed twice; the errors of a persisted change.
    pub fn set_digests(
        &self,
        object: ObjectId,
        kind: DigestKind,
        digests: &[Digest],
    ) -> Result<(), HbaError> {
        let owner = self.auth_owner(object)?;
        if digests.is_empty()
            || digests
                .iter()
                .enumerate()
                .any(|(i, d)| digests[..i].contains(d))
        {
            return Err(HbaError::InvalidArgument(format!(
                "{}: one to two digests, each listed once",
                kind.name()
            )));
        }
        let list: Vec<DigestName> = digests.iter().map(|&d| d.into()).collect();
        self.update(move |s| {
            let o = match &owner {
                Owner::Lhba => &mut s.login_defaults,
                Owner::Target(name) => s.target_login.entry(name.clone()).or_default(),
            };
            *digest_slot(o, kind) = Some(list);
            s.target_login.retain(|_, o| !o.is_empty());
            crate::params::validate_state(s).map_err(HbaError::InvalidArgument)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(fill: u8) -> ChapSecret {
        ChapSecret::new(vec![fill; 16]).unwrap()
    }

    fn creds(name: &str, fill: u8) -> ChapCredentials {
        ChapCredentials::new(name.into(), secret(fill)).unwrap()
    }

    #[test]
    fn secret_lengths_and_debug() {
        assert!(ChapSecret::new(vec![1; 11]).is_err());
        assert!(ChapSecret::new(vec![1; 12]).is_ok());
        assert!(ChapSecret::new(vec![1; MAX_SECRET_LEN]).is_ok());
        assert!(ChapSecret::new(vec![1; MAX_SECRET_LEN + 1]).is_err());
        let c = creds("user", b'x');
        let shown = format!("{c:?} {:#?}", c.secret);
        assert!(!shown.contains("xxxx") && !shown.contains("120"), "{shown}");
        assert!(shown.contains("<secret>"), "{shown}");
        assert!(ChapCredentials::new(String::new(), secret(1)).is_err());
        assert!(ChapCredentials::new("a\0b".into(), secret(1)).is_err());
        assert!(ChapCredentials::new("n".repeat(256), secret(1)).is_err());
    }

    #[test]
    fn one_secret_never_both_ways() {
        let mut a = AuthState {
            chap: Some(creds("me", 1)),
            mutual: Some(creds("them", 1)),
            ..AuthState::default()
        };
        assert!(a.validate().unwrap_err().contains("9.2.1"));
        a.mutual = Some(creds("them", 2));
        a.validate().unwrap();
        a.targets.insert(
            "iqn.2026-01.x:t".into(),
            TargetAuth {
                mutual: Some(creds("t", 1)),
                ..TargetAuth::default()
            },
        );
        assert!(a.validate().unwrap_err().contains("9.2.1"));
    }

    #[test]
    fn credentials_follow_methods_and_overrides() {
        let t = "iqn.2026-01.x:t";
        let mut a = AuthState::default();
        assert!(a.credentials(t).unwrap().is_none());
        a.chap = Some(creds("me", 1));
        // Credentials alone do nothing until CHAP is in use.
        assert!(a.credentials(t).unwrap().is_none());
        a.methods = vec![AuthMethod::Chap];
        let c = a.credentials(t).unwrap().unwrap();
        assert_eq!(c.user, "me");
        assert!(c.target.is_none());
        a.mutual = Some(creds("them", 2));
        let c = a.credentials(t).unwrap().unwrap();
        assert_eq!(c.target.as_ref().map(|(n, _)| n.as_str()), Some("them"));
        // A target's own credentials and mutual switch.
        a.targets.insert(
            t.into(),
            TargetAuth {
                chap: Some(creds("local", 3)),
                chap_enabled: true,
                mutual_enabled: Some(false),
                ..TargetAuth::default()
            },
        );
        let c = a.credentials(t).unwrap().unwrap();
        assert_eq!(c.user, "local");
        assert!(c.target.is_none());
        // CHAP alone without credentials: refused, not silently None.
        let b = AuthState {
            methods: vec![AuthMethod::Chap],
            ..AuthState::default()
        };
        assert!(matches!(
            b.credentials(t),
            Err(HbaError::InvalidArgument(_))
        ));
        let b = AuthState {
            methods: vec![AuthMethod::Chap, AuthMethod::None],
            ..AuthState::default()
        };
        assert!(b.credentials(t).unwrap().is_none());
    }
}
