//! The persisted state: node identity and discovery configuration, in a versioned JSON file
//! that several processes share.
//!
//! Every change is a read-modify-write under an exclusive `flock` on `<state>.lock`: the
//! file is read again under the lock, the change applied to what is there, and the result
//! written to a temporary file in the same directory, flushed to disk and renamed over the
//! state file. Readers never lock: a rename is atomic, so they see the old or the new file.
//! A file that does not decode is [`HbaError::CorruptState`] and is never written over.

use std::{
    collections::{BTreeMap, HashSet},
    ffi::OsString,
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use iscsi_initiator::Portal;
use serde::{Deserialize, Serialize};

use crate::{HbaError, TimeoutKind};

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
            auto_login_static: true,
            auto_login_send_targets: true,
            discovery_addresses: Vec::new(),
            static_targets: Vec::new(),
            login_defaults: ParamOverrides::default(),
            target_login: BTreeMap::new(),
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
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(STATE_VERSION) => {}
        Some(v) => return Err(format!("version {v}; this program reads {STATE_VERSION}")),
        None => return Err("no \"version\" number".into()),
    }
    let doc: StateDoc = serde_json::from_value(value).map_err(|e| e.to_string())?;
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
    let state = PersistedState {
        next_id: doc.next_id,
        node_name: doc.node.name,
        node_alias: doc.node.alias,
        static_enabled: doc.discovery.static_enabled,
        send_targets_enabled: doc.discovery.send_targets_enabled,
        auto_login_static: doc.discovery.auto_login_static,
        auto_login_send_targets: doc.discovery.auto_login_send_targets,
        discovery_addresses,
        static_targets,
        login_defaults,
        target_login,
    };
    crate::params::validate_state(&state).map_err(|e| format!("login_params: {e}"))?;
    Ok(state)
}

/// Encodes the state, pretty-printed, with a final newline.
fn encode(state: &PersistedState) -> Vec<u8> {
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
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_vec_pretty(&doc).unwrap_or_default();
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
        match fs::read(&self.path) {
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
            let mut f = OpenOptions::new().create_new(true).write(true).open(&tmp)?;
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
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");
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
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\"MaxBurstLength\": 131072"), "{text}");
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
        ] {
            let e = decode(bytes).unwrap_err();
            assert!(e.contains(what), "{e}");
        }
    }
}
