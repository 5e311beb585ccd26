//! The persisted state: node identity, discovery configuration, login parameters and
//! authentication, in a versioned JSON file that several processes share.
//!
//! Every change is a read-modify-write under an exclusive `flock` on `<state>.lock`: the
//! file is read again under the lock, the change applied to what is there, and the result
//! written to a temporary file in the same directory, flushed to disk and renamed over the
//! state file. Readers never lock: a rename is atomic, so they see the old or the new file.
//! A file that does not decode is [`HbaError::CorruptState`] and is never written over.
//!
//! The file holds CHAP secrets: it is written with mode 0600 (the temporary file is
//! created so, and the rename replaces any older file with its mode), and the buffers
//! that hold its bytes are wiped after use.

use std::{
    collections::{BTreeMap, HashSet},
    ffi::OsString,
    fs::{self, File, OpenOptions},
    io::{self, Write},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use iscsi_initiator::Portal;
use iscsi_proto::negotiation::Digest;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::{
    HbaError, IsnsServer, TimeoutKind,
    auth::{AuthMethod, AuthState, ChapCredentials, ChapSecret, TargetAuth},
};

/// The mode of the state file: it holds CHAP secrets, so owner read/write only.
pub(crate) const STATE_FILE_MODE: u32 = 0o600;

/// The version this code reads and writes.
pub(crate) const STATE_VERSION: u64 = 1;

/// The persisted state, decoded.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct PersistedState {
    /// The next persisted sequence number to hand out (discovery addresses and static
    /// targets share it). Never decreases.
    pub(crate) next_id: u64,
    pub(crate) node_name: Option<String>,
    pub(crate) node_alias: Option<String>,
    pub(crate) static_enabled: bool,
    pub(crate) send_targets_enabled: bool,
    /// iSNS discovery is on (needs `isns_server`).
    pub(crate) isns_enabled: bool,
    /// The iSNS server, kept when iSNS is switched off.
    pub(crate) isns_server: Option<IsnsServer>,
    /// Log in to the targets static configuration finds.
    pub(crate) auto_login_static: bool,
    /// Log in to the targets SendTargets finds.
    pub(crate) auto_login_send_targets: bool,
    pub(crate) discovery_addresses: Vec<(u64, Portal)>,
    pub(crate) static_targets: Vec<(u64, String, Portal)>,
    /// Login parameters set on the LHBA: the defaults of every target.
    pub(crate) login_defaults: ParamOverrides,
    /// Login parameters set on a target, by target name (never empty entries).
    pub(crate) target_login: BTreeMap<String, ParamOverrides>,
    /// Authentication settings of the LHBA and per target name.
    pub(crate) auth: AuthState,
}

/// A digest as the state file names it (RFC 7143 §13.1 names).
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub(crate) enum DigestName {
    /// `None`.
    None,
    /// `CRC32C`.
    #[serde(rename = "CRC32C")]
    Crc32c,
}

impl From<Digest> for DigestName {
    fn from(d: Digest) -> Self {
        match d {
            Digest::None => Self::None,
            Digest::Crc32c => Self::Crc32c,
        }
    }
}

impl From<DigestName> for Digest {
    fn from(d: DigestName) -> Self {
        match d {
            DigestName::None => Self::None,
            DigestName::Crc32c => Self::Crc32c,
        }
    }
}

/// The settable login parameters one object (the LHBA or a target) sets; `None` inherits.
/// Stored under their RFC 7143 key names; the fixed ones (ErrorRecoveryLevel,
/// MaxConnections, DataPDUInOrder, DataSequenceInOrder) are never stored.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParamOverrides {
    #[serde(
        rename = "FirstBurstLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) first_burst_length: Option<u32>,
    #[serde(
        rename = "MaxBurstLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) max_burst_length: Option<u32>,
    #[serde(
        rename = "MaxRecvDataSegmentLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) max_recv_data_segment_length: Option<u32>,
    #[serde(
        rename = "DefaultTime2Wait",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) default_time2wait: Option<u16>,
    #[serde(
        rename = "DefaultTime2Retain",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) default_time2retain: Option<u16>,
    #[serde(
        rename = "MaxOutstandingR2T",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) max_outstanding_r2t: Option<u16>,
    #[serde(
        rename = "InitialR2T",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) initial_r2t: Option<bool>,
    #[serde(
        rename = "ImmediateData",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) immediate_data: Option<bool>,
    /// HeaderDigest offer in preference order.
    #[serde(
        rename = "HeaderDigest",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) header_digest: Option<Vec<DigestName>>,
    /// DataDigest offer in preference order.
    #[serde(
        rename = "DataDigest",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) data_digest: Option<Vec<DigestName>>,
}

impl ParamOverrides {
    /// Nothing set.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The keys set.
    pub(crate) fn keys(&self) -> Vec<crate::LoginParamKey> {
        use crate::LoginParamKey as K;
        [
            (self.first_burst_length.is_some(), K::FirstBurstLength),
            (self.max_burst_length.is_some(), K::MaxBurstLength),
            (
                self.max_recv_data_segment_length.is_some(),
                K::MaxRecvDataSegmentLength,
            ),
            (self.default_time2wait.is_some(), K::DefaultTime2Wait),
            (self.default_time2retain.is_some(), K::DefaultTime2Retain),
            (self.max_outstanding_r2t.is_some(), K::MaxOutstandingR2T),
            (self.initial_r2t.is_some(), K::InitialR2T),
            (self.immediate_data.is_some(), K::ImmediateData),
        ]
        .into_iter()
        .filter_map(|(set, k)| set.then_some(k))
        .collect()
    }
}

impl Default for PersistedState {
    fn default() -> Self {
        Self {
            next_id: 1,
            node_name: None,
            node_alias: None,
            static_enabled: true,
            send_targets_enabled: true,
            isns_enabled: false,
            isns_server: None,
            auto_login_static: true,
            auto_login_send_targets: true,
            discovery_addresses: Vec::new(),
            static_targets: Vec::new(),
            login_defaults: ParamOverrides::default(),
            target_login: BTreeMap::new(),
            auth: AuthState::default(),
        }
    }
}

impl PersistedState {
    /// A new persisted sequence number.
    pub(crate) fn allocate_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

/// The file format (see docs/hba.md).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct StateDoc {
    version: u64,
    next_id: u64,
    node: NodeDoc,
    discovery: DiscoveryDoc,
    #[serde(default)]
    discovery_addresses: Vec<AddressDoc>,
    #[serde(default)]
    static_targets: Vec<StaticTargetDoc>,
    /// Absent in files written before login parameters existed, and while none is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login_params: Option<LoginParamsDoc>,
    /// Absent in files written before authentication existed, and while nothing is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth: Option<AuthDoc>,
}

/// The `auth` section: the LHBA's settings and the targets' (by name).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct AuthDoc {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    methods: Vec<AuthMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chap: Option<ChapDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mutual: Option<ChapDoc>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    targets: BTreeMap<String, TargetAuthDoc>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TargetAuthDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chap: Option<ChapDoc>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    chap_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mutual: Option<ChapDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mutual_enabled: Option<bool>,
}

/// CHAP credentials in the file: the name, and the secret as an RFC 7143 §6.1 hex
/// constant (`0x…`).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ChapDoc {
    name: String,
    secret: HexSecret,
}

/// A secret written and read as `0x` + lower-case hex, through wiped buffers. Private to
/// this module: nothing else can serialise a secret.
#[derive(Debug)]
struct HexSecret(ChapSecret);

impl Serialize for HexSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = self.0.expose();
        let mut text = Zeroizing::new(String::with_capacity(2 + 2 * bytes.len()));
        text.push_str("0x");
        for b in bytes {
            text.push(char::from(HEX[usize::from(b >> 4)]));
            text.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for HexSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = HexSecret;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a CHAP secret as 0x and hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HexSecret, E> {
                let digits = v
                    .strip_prefix("0x")
                    .or_else(|| v.strip_prefix("0X"))
                    .filter(|d| d.len() % 2 == 0)
                    .ok_or_else(|| {
                        E::custom("a CHAP secret is 0x and an even number of hex digits")
                    })?;
                let mut bytes = Zeroizing::new(Vec::with_capacity(digits.len() / 2));
                for pair in digits.as_bytes().chunks_exact(2) {
                    let nibble = |c: u8| char::from(c).to_digit(16);
                    match (nibble(pair[0]), nibble(pair[1])) {
                        // Both below 16, so the byte fits.
                        (Some(h), Some(l)) => bytes.push(u8::try_from(h * 16 + l).unwrap_or(0)),
                        _ => return Err(E::custom("a CHAP secret has a non-hex digit")),
                    }
                }
                ChapSecret::new(std::mem::take(&mut *bytes))
                    .map(HexSecret)
                    .map_err(E::custom)
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<HexSecret, E> {
                let v = Zeroizing::new(v);
                self.visit_str(&v)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl ChapDoc {
    fn of(c: &ChapCredentials) -> Self {
        Self {
            name: c.name.clone(),
            secret: HexSecret(c.secret.clone()),
        }
    }

    fn into_credentials(self) -> Result<ChapCredentials, String> {
        ChapCredentials::new(self.name, self.secret.0).map_err(|e| format!("auth: {e}"))
    }
}

impl AuthDoc {
    fn of(a: &AuthState) -> Self {
        Self {
            methods: a.methods.clone(),
            chap: a.chap.as_ref().map(ChapDoc::of),
            mutual: a.mutual.as_ref().map(ChapDoc::of),
            targets: a
                .targets
                .iter()
                .map(|(name, t)| {
                    let doc = TargetAuthDoc {
                        chap: t.chap.as_ref().map(ChapDoc::of),
                        chap_enabled: t.chap_enabled,
                        mutual: t.mutual.as_ref().map(ChapDoc::of),
                        mutual_enabled: t.mutual_enabled,
                    };
                    (name.clone(), doc)
                })
                .collect(),
        }
    }

    fn into_state(self) -> Result<AuthState, String> {
        let opt = |c: Option<ChapDoc>| c.map(ChapDoc::into_credentials).transpose();
        let mut targets = BTreeMap::new();
        for (name, t) in self.targets {
            let t = TargetAuth {
                chap: opt(t.chap)?,
                chap_enabled: t.chap_enabled,
                mutual: opt(t.mutual)?,
                mutual_enabled: t.mutual_enabled,
            };
            if !t.is_empty() {
                targets.insert(name, t);
            }
        }
        let state = AuthState {
            methods: self.methods,
            chap: opt(self.chap)?,
            mutual: opt(self.mutual)?,
            targets,
        };
        state.validate().map_err(|e| format!("auth: {e}"))?;
        Ok(state)
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LoginParamsDoc {
    #[serde(default, skip_serializing_if = "ParamOverrides::is_empty")]
    lhba: ParamOverrides,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    targets: BTreeMap<String, ParamOverrides>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NodeDoc {
    name: Option<String>,
    alias: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct DiscoveryDoc {
    static_enabled: bool,
    send_targets_enabled: bool,
    /// Absent in files written before automatic login existed: on.
    #[serde(default = "yes")]
    auto_login_static: bool,
    #[serde(default = "yes")]
    auto_login_send_targets: bool,
    /// Absent in files written before iSNS discovery existed: off.
    #[serde(default)]
    isns_enabled: bool,
    /// `host:port` of the iSNS server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    isns_server: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct AddressDoc {
    id: u64,
    address: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct StaticTargetDoc {
    id: u64,
    name: String,
    address: String,
}

/// Decodes the file's bytes.
fn decode(bytes: &[u8]) -> Result<PersistedState, String> {
    // The version first, skipping everything else (no copy of the secrets is made).
    #[derive(Deserialize)]
    struct VersionProbe {
        #[serde(default)]
        version: Option<serde_json::Value>,
    }
    let probe: VersionProbe =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    match probe.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(STATE_VERSION) => {}
        Some(v) => return Err(format!("version {v}; this program reads {STATE_VERSION}")),
        None => return Err("no \"version\" number".into()),
    }
    let doc: StateDoc = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut ids = HashSet::new();
    let mut check_id = |id: u64| {
        if id == 0 || id >= doc.next_id || !ids.insert(id) {
            Err(format!("id {id} is 0, repeated or not below next_id"))
        } else {
            Ok(())
        }
    };
    let portal = |s: &str| {
        s.parse::<Portal>()
            .map_err(|e| format!("bad address {s:?}: {e}"))
    };
    let mut discovery_addresses = Vec::new();
    for a in &doc.discovery_addresses {
        check_id(a.id)?;
        discovery_addresses.push((a.id, portal(&a.address)?));
    }
    let mut static_targets = Vec::new();
    for t in &doc.static_targets {
        check_id(t.id)?;
        crate::engine::check_name(&t.name).map_err(|e| e.to_string())?;
        static_targets.push((t.id, t.name.clone(), portal(&t.address)?));
    }
    if let Some(name) = &doc.node.name {
        crate::engine::check_name(name).map_err(|e| e.to_string())?;
    }
    let (login_defaults, mut target_login) = doc
        .login_params
        .map(|p| (p.lhba, p.targets))
        .unwrap_or_default();
    for name in target_login.keys() {
        crate::engine::check_name(name).map_err(|e| format!("login_params: {e}"))?;
    }
    target_login.retain(|_, o| !o.is_empty());
    let auth = doc
        .auth
        .map(AuthDoc::into_state)
        .transpose()?
        .unwrap_or_default();
    let state = PersistedState {
        next_id: doc.next_id,
        node_name: doc.node.name,
        node_alias: doc.node.alias,
        static_enabled: doc.discovery.static_enabled,
        send_targets_enabled: doc.discovery.send_targets_enabled,
        auto_login_static: doc.discovery.auto_login_static,
        auto_login_send_targets: doc.discovery.auto_login_send_targets,
        isns_enabled: doc.discovery.isns_enabled,
        isns_server: doc
            .discovery
            .isns_server
            .as_deref()
            .map(str::parse::<IsnsServer>)
            .transpose()
            .map_err(|e| format!("isns_server: {e}"))?,
        discovery_addresses,
        static_targets,
        login_defaults,
        target_login,
        auth,
    };
    crate::params::validate_state(&state).map_err(|e| format!("login_params: {e}"))?;
    Ok(state)
}

/// Encodes the state, pretty-printed, with a final newline, in a buffer wiped on drop.
fn encode(state: &PersistedState) -> Zeroizing<Vec<u8>> {
    let doc = StateDoc {
        version: STATE_VERSION,
        next_id: state.next_id,
        node: NodeDoc {
            name: state.node_name.clone(),
            alias: state.node_alias.clone(),
        },
        discovery: DiscoveryDoc {
            static_enabled: state.static_enabled,
            send_targets_enabled: state.send_targets_enabled,
            auto_login_static: state.auto_login_static,
            auto_login_send_targets: state.auto_login_send_targets,
            isns_enabled: state.isns_enabled,
            isns_server: state.isns_server.as_ref().map(ToString::to_string),
        },
        discovery_addresses: state
            .discovery_addresses
            .iter()
            .map(|(id, p)| AddressDoc {
                id: *id,
                address: p.to_string(),
            })
            .collect(),
        static_targets: state
            .static_targets
            .iter()
            .map(|(id, name, p)| StaticTargetDoc {
                id: *id,
                name: name.clone(),
                address: p.to_string(),
            })
            .collect(),
        login_params: (!state.login_defaults.is_empty() || !state.target_login.is_empty()).then(
            || LoginParamsDoc {
                lhba: state.login_defaults.clone(),
                targets: state.target_login.clone(),
            },
        ),
        auth: (!state.auth.is_empty()).then(|| AuthDoc::of(&state.auth)),
    };
    // Room for the whole file up front, so growing the buffer leaves no copies behind.
    let mut out = Zeroizing::new(Vec::with_capacity(64 * 1024));
    // Serialising plain structs of strings and numbers into memory cannot fail.
    let _ = serde_json::to_writer_pretty(&mut *out, &doc);
    out.push(b'\n');
    out
}

/// The state file and its lock file.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    lock_path: PathBuf,
    lock_timeout: Duration,
}

impl StateFile {
    pub(crate) fn new(path: PathBuf, lock_timeout: Duration) -> Self {
        let mut lock = OsString::from(path.as_os_str());
        lock.push(".lock");
        Self {
            path,
            lock_path: PathBuf::from(lock),
            lock_timeout,
        }
    }

    /// Reads the state; a missing file is the default state.
    ///
    /// # Errors
    ///
    /// [`HbaError::CorruptState`], [`HbaError::Io`].
    pub(crate) fn load(&self) -> Result<PersistedState, HbaError> {
        match fs::read(&self.path).map(Zeroizing::new) {
            Ok(bytes) => decode(&bytes).map_err(|reason| HbaError::CorruptState {
                path: self.path.clone(),
                reason,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(PersistedState::default()),
            Err(e) => Err(HbaError::io(&self.path, e)),
        }
    }

    /// Applies `change` to the state as it is on disk now, under the lock, and writes the
    /// result when it differs; then, still under the lock, hands the new state to
    /// `installed` (so callers caching it install states in the order they were written).
    /// Returns what `change` returned.
    ///
    /// # Errors
    ///
    /// What `change` returns (nothing is written then); [`HbaError::CorruptState`] (the
    /// file is left alone); [`HbaError::Timeout`] when the lock is not free within the
    /// lock timeout; [`HbaError::Io`].
    pub(crate) fn update<R>(
        &self,
        change: impl FnOnce(&mut PersistedState) -> Result<R, HbaError>,
        installed: impl FnOnce(PersistedState),
    ) -> Result<R, HbaError> {
        if let Some(dir) = self.dir() {
            fs::create_dir_all(dir).map_err(|e| HbaError::io(dir, e))?;
        }
        let _lock = self.lock()?;
        let before = self.load()?;
        let mut after = before.clone();
        let result = change(&mut after)?;
        if after != before {
            self.write(&after)?;
        }
        installed(after);
        Ok(result)
    }

    fn dir(&self) -> Option<&Path> {
        self.path.parent().filter(|d| !d.as_os_str().is_empty())
    }

    /// Takes the exclusive lock, waiting at most the lock timeout. The lock is released
    /// when the returned file is closed.
    fn lock(&self) -> Result<File, HbaError> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(|e| HbaError::io(&self.lock_path, e))?;
        let deadline = Instant::now() + self.lock_timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            match try_lock_exclusive(&file) {
                Ok(true) => return Ok(file),
                Ok(false) if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Ok(false) => return Err(HbaError::Timeout(TimeoutKind::StateLock)),
                Err(e) => return Err(HbaError::io(&self.lock_path, e)),
            }
        }
    }

    /// Writes `state` by atomic replace: a temporary file in the same directory, synced,
    /// renamed over the state file, then the directory synced.
    fn write(&self, state: &PersistedState) -> Result<(), HbaError> {
        static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut tmp = OsString::from(self.path.as_os_str());
        tmp.push(format!(
            ".tmp.{}.{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let tmp = PathBuf::from(tmp);
        let written = (|| {
            let mut f = OpenOptions::new()
                .create_new(true)
                .write(true)
                .mode(STATE_FILE_MODE)
                .open(&tmp)?;
            // Whatever the umask left: exactly owner read/write.
            f.set_permissions(fs::Permissions::from_mode(STATE_FILE_MODE))?;
            f.write_all(&encode(state))?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(HbaError::io(&tmp, e));
        }
        if let Err(e) = fs::rename(&tmp, &self.path) {
            let _ = fs::remove_file(&tmp);
            return Err(HbaError::io(&self.path, e));
        }
        // The rename is durable once the directory is; failing to sync it is not fatal.
        if let Some(dir) = self.dir() {
            if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
                tracing::debug!(dir = %dir.display(), error = %e, "cannot sync the state directory");
            }
        }
        tracing::debug!(path = %self.path.display(), "state written");
        Ok(())
    }
}

/// `flock(LOCK_EX | LOCK_NB)`: `Ok(false)` when another open file holds the lock.
#[allow(unsafe_code)]
fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: `flock` takes a descriptor number and flags and touches no memory of ours;
    // the descriptor belongs to `file`, which is open for the whole call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EWOULDBLOCK) | Some(libc::EINTR) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut s = PersistedState {
            node_name: Some("iqn.2026-12.org.iscsi-ima:h".into()),
            node_alias: Some("a".into()),
            send_targets_enabled: false,
            ..PersistedState::default()
        };
        let id = s.allocate_id();
        s.discovery_addresses
            .push((id, "10.0.0.1:3260".parse().unwrap()));
        let id = s.allocate_id();
        s.static_targets.push((
            id,
            "iqn.2026-01.x:t".into(),
            "[fe80::1%eth0]:3261,2".parse().unwrap(),
        ));
        let bytes = encode(&s);
        assert_eq!(decode(&bytes).unwrap(), s);
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");
        assert!(!text.contains("auth"), "{text}");
        assert!(!text.contains("login_params"), "{text}");

        s.login_defaults.max_burst_length = Some(131_072);
        s.target_login.insert(
            "iqn.2026-01.x:t".into(),
            ParamOverrides {
                first_burst_length: Some(4096),
                immediate_data: Some(false),
                ..ParamOverrides::default()
            },
        );
        let bytes = encode(&s);
        assert_eq!(decode(&bytes).unwrap(), s);
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("\"MaxBurstLength\": 131072"), "{text}");

        // Digests and authentication.
        s.login_defaults.header_digest = Some(vec![DigestName::Crc32c, DigestName::None]);
        s.target_login
            .entry("iqn.2026-01.x:t".into())
            .or_default()
            .data_digest = Some(vec![DigestName::Crc32c]);
        let secret = |b: &[u8]| ChapSecret::new(b.to_vec()).unwrap();
        s.auth.methods = vec![AuthMethod::Chap, AuthMethod::None];
        s.auth.chap = Some(ChapCredentials::new("me".into(), secret(b"initiator-secret")).unwrap());
        s.auth.mutual =
            Some(ChapCredentials::new("them".into(), secret(b"\x00\xfftarget-sec")).unwrap());
        s.auth.targets.insert(
            "iqn.2026-01.x:t".into(),
            TargetAuth {
                chap: Some(
                    ChapCredentials::new("local".into(), secret(b"local-secret-1")).unwrap(),
                ),
                chap_enabled: true,
                mutual: None,
                mutual_enabled: Some(false),
            },
        );
        let bytes = encode(&s);
        assert_eq!(decode(&bytes).unwrap(), s);
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(
            text.contains("\"HeaderDigest\": [\n        \"CRC32C\""),
            "{text}"
        );
        // Secrets are hex, never the text itself.
        assert!(!text.contains("initiator-secret"), "{text}");
        assert!(text.contains("\"0x00ff7461726765742d736563\""), "{text}");
    }

    #[test]
    fn isns_settings_round_trip_and_old_files_read_as_off() {
        let s = PersistedState {
            isns_enabled: true,
            isns_server: Some("[fe80::5]:3206".parse().unwrap()),
            ..PersistedState::default()
        };
        let bytes = encode(&s);
        assert_eq!(decode(&bytes).unwrap(), s);
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(
            text.contains("\"isns_server\": \"[fe80::5]:3206\""),
            "{text}"
        );
        let plain = encode(&PersistedState::default());
        let text = String::from_utf8(plain.to_vec()).unwrap();
        assert!(!text.contains("isns_server"), "{text}");
        let old = text.replace(",\n    \"isns_enabled\": false", "");
        assert_ne!(old, text);
        let read = decode(old.as_bytes()).unwrap();
        assert!(!read.isns_enabled);
        assert_eq!(read.isns_server, None);
        let bad = text.replace(
            "\"isns_enabled\": false",
            "\"isns_enabled\": true, \"isns_server\": \"host:0\"",
        );
        assert!(decode(bad.as_bytes()).unwrap_err().contains("isns_server"));
    }

    #[test]
    fn the_state_file_is_owner_only() {
        let dir = std::env::temp_dir().join(format!("hba-state-mode-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hba.json");
        // An older file readable by everyone becomes 0600 at the next write.
        fs::write(&path, encode(&PersistedState::default()).as_slice()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let file = StateFile::new(path.clone(), Duration::from_secs(5));
        file.update(
            |s| {
                s.node_alias = Some("a".into());
                Ok(())
            },
            |_| {},
        )
        .unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_files_are_named() {
        for (bytes, what) in [
            (&b"{"[..], "not JSON"),
            (br#"{"version": 2}"#, "version 2"),
            (br#"{"node": {}}"#, "version"),
            (
                br#"{"version":1,"next_id":2,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "discovery_addresses":[{"id":2,"address":"10.0.0.1"}]}"#,
                "not below next_id",
            ),
            (
                br#"{"version":1,"next_id":9,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "discovery_addresses":[{"id":2,"address":"[zz"}]}"#,
                "bad address",
            ),
            (
                br#"{"version":1,"next_id":1,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "login_params":{"lhba":{"ErrorRecoveryLevel":1}}}"#,
                "unknown field",
            ),
            (
                br#"{"version":1,"next_id":1,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "login_params":{"lhba":{"MaxBurstLength":1024}}}"#,
                "FirstBurstLength",
            ),
            (
                br#"{"version":1,"next_id":1,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "login_params":{"lhba":{}, "other": 1}}"#,
                "unknown field",
            ),
            (
                br#"{"version":1,"next_id":1,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "auth":{"chap":{"name":"me","secret":"0x0102"}}}"#,
                "96 bits",
            ),
            (
                br#"{"version":1,"next_id":1,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "auth":{"chap":{"name":"me","secret":"0x0102030405060708090a0b0c"},
                        "mutual":{"name":"t","secret":"0x0102030405060708090a0b0c"}}}"#,
                "9.2.1",
            ),
            (
                br#"{"version":1,"next_id":1,"node":{"name":null,"alias":null},
                "discovery":{"static_enabled":true,"send_targets_enabled":true},
                "login_params":{"lhba":{"HeaderDigest":[]}}}"#,
                "HeaderDigest",
            ),
        ] {
            let e = decode(bytes).unwrap_err();
            assert!(e.contains(what), "{e}");
        }
    }
}
