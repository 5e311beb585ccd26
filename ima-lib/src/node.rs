//! The shared node: owned by the library, named by a documented and persisted policy.
//!
//! # Policy
//! The shared node is `{NODE, ownerId 0, seq 0}`. Its name is chosen at initialisation, first
//! match wins:
//! 1. the name persisted in the state file by an earlier `IMA_SetNodeName` (or generation);
//! 2. `@node-name` in ima.conf;
//! 3. `IMA_GenerateNodeName`, which is then persisted so it stays stable.
//!
//! Only a missing state file means "nothing persisted". One that exists but cannot be read
//! (permissions, not UTF-8, ...) is skipped with a warning and a generated name is then not
//! persisted: the file may hold the real name, and is left as it is until an
//! `IMA_SetNodeName`/`IMA_SetNodeAlias` on the shared node rewrites it.
//!
//! The alias likewise comes from the state file, else `@node-alias`, else empty.
//! `IMA_SetNodeName`/`IMA_SetNodeAlias` on the shared node write the state file first and
//! fail with `IMA_ERROR_UNEXPECTED_OS_ERROR` (changing nothing) if it cannot be written.
//!
//! The state file is [`DEFAULT_STATE_PATH`], overridden by the environment variable
//! [`STATE_PATH_ENV`]. Format: at most two lines, `name=<value>` and `alias=<value>`; it is
//! read with a bound of [`MAX_STATE_BYTES`] and written atomically (temporary file + rename).
//!
//! # Plugins that manage initiator names
//! A plugin that exports `IMA_SetNodeName` is told the shared node's name: at initialisation
//! (when its `IMA_GetNodeProperties` does not already report it) and after every successful
//! `IMA_SetNodeName` on the shared node. Likewise `IMA_SetNodeAlias`. The OID passed is
//! `{NODE, <the plugin's ownerId>, seq 0}`: plugins must treat node sequence number 0 as
//! "the shared node" and not use it for non-shared nodes. (illumos passes an uninitialised
//! OID to one plugin chosen by path; docs/ima-notes.md §3.5.)

use std::io::Read;
use std::path::{Path, PathBuf};

use ima_abi::wide::{string_to_wide_array, to_wide_vec, wide_array_to_string};
use ima_abi::{IMA_TRUE, ImaStatus, NodeProperties, ObjectType, Oid};

use crate::config::{Config, MAX_NODE_ALIAS_CHARS, MAX_NODE_NAME_CHARS};
use crate::error::ImaError;
use crate::plugin::Plugin;

/// Default shared-node state file.
pub const DEFAULT_STATE_PATH: &str = "/var/lib/ima/shared-node";
/// Environment variable overriding [`DEFAULT_STATE_PATH`].
pub const STATE_PATH_ENV: &str = "IMA_NODE_STATE";
/// Bytes of the state file read at most.
pub const MAX_STATE_BYTES: u64 = 4096;
/// Naming authority of generated names. `invalid` is a reserved TLD (RFC 2606): replace it
/// with a registered domain of the distributor when packaging.
pub const NAMING_AUTHORITY: &str = "iqn.2025-01.invalid.iscsi-ima";

/// The shared node's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharedNode {
    pub(crate) name: String,
    pub(crate) alias: String,
    state_path: PathBuf,
}

/// The shared node's OID.
pub(crate) const SHARED_NODE_OID: Oid = Oid::new(ObjectType::NODE, 0, 0);

impl SharedNode {
    /// Applies the policy above.
    pub(crate) fn init(config: &Config, state_path: PathBuf) -> Self {
        // A state file that exists but cannot be read may hold the node's real name: it is
        // not used, but it is not replaced by a generated one either.
        let (saved_name, saved_alias, may_persist) = match read_state(&state_path) {
            Ok((name, alias)) => (name, alias, true),
            Err(error) => {
                tracing::warn!(
                    %error,
                    path = %state_path.display(),
                    "cannot read the shared-node state; using the configured or a generated \
                     name for now, not persisted"
                );
                (None, None, false)
            }
        };
        let alias = saved_alias
            .or_else(|| config.node_alias.clone())
            .unwrap_or_default();
        let (name, persist) = match (saved_name, &config.node_name) {
            (Some(name), _) => (name, false),
            (None, Some(name)) if !name.is_empty() => (name.clone(), false),
            (None, _) => (generate_name(), may_persist),
        };
        let node = Self {
            name,
            alias,
            state_path,
        };
        if persist {
            if let Err(error) = node.save() {
                tracing::warn!(%error, "cannot persist the generated node name");
            }
        }
        node
    }

    /// Changes the name (persisted first).
    pub(crate) fn set_name(&mut self, name: String) -> Result<(), ImaError> {
        let next = Self {
            name,
            ..self.clone()
        };
        self.replace(next, "name")
    }

    /// Changes the alias (persisted first).
    pub(crate) fn set_alias(&mut self, alias: String) -> Result<(), ImaError> {
        let next = Self {
            alias,
            ..self.clone()
        };
        self.replace(next, "alias")
    }

    /// Persists `next`, then becomes it; changes nothing if it cannot be persisted.
    fn replace(&mut self, next: Self, what: &str) -> Result<(), ImaError> {
        next.save().map_err(|error| {
            tracing::warn!(%error, path = %self.state_path.display(), "cannot persist node {what}");
            ImaError::Os("cannot persist the shared node")
        })?;
        *self = next;
        Ok(())
    }

    /// The shared node's properties.
    pub(crate) fn properties(&self) -> NodeProperties {
        let mut props = NodeProperties::zeroed();
        props.running_in_initiator_mode = IMA_TRUE;
        props.running_in_target_mode = 0;
        props.name_and_alias_settable = IMA_TRUE;
        // Both were bounds-checked when set; a failure would leave the field empty/invalid.
        props.name_valid = u32::from(string_to_wide_array(&self.name, &mut props.name).is_ok());
        props.alias_valid = u32::from(
            !self.alias.is_empty() && string_to_wide_array(&self.alias, &mut props.alias).is_ok(),
        );
        props
    }

    fn save(&self) -> std::io::Result<()> {
        let text = format!("name={}\nalias={}\n", self.name, self.alias);
        ima_support::statefile::write_atomic(&self.state_path, text.as_bytes())
    }
}

/// The state file path: [`STATE_PATH_ENV`] or [`DEFAULT_STATE_PATH`].
pub(crate) fn state_path() -> PathBuf {
    std::env::var_os(STATE_PATH_ENV)
        .map_or_else(|| PathBuf::from(DEFAULT_STATE_PATH), PathBuf::from)
}

/// The saved name and alias; both `None` if the file does not exist.
///
/// # Errors
/// Any other failure to read it, including text that is not UTF-8 (or whose last
/// character [`MAX_STATE_BYTES`] cuts).
fn read_state(path: &Path) -> std::io::Result<(Option<String>, Option<String>)> {
    let mut text = String::new();
    let read =
        std::fs::File::open(path).and_then(|f| f.take(MAX_STATE_BYTES).read_to_string(&mut text));
    match read {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::debug!(path = %path.display(), "no shared-node state");
            return Ok((None, None));
        }
        Err(error) => return Err(error),
        Ok(_) => {}
    }
    let mut name = None;
    let mut alias = None;
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("name=") {
            name = Some(value.to_owned())
                .filter(|v| !v.is_empty() && v.chars().count() <= MAX_NODE_NAME_CHARS);
        } else if let Some(value) = line.strip_prefix("alias=") {
            alias = Some(value.to_owned()).filter(|v| v.chars().count() <= MAX_NODE_ALIAS_CHARS);
        }
    }
    Ok((name, alias))
}

/// `IMA_GenerateNodeName`: `<NAMING_AUTHORITY>:<host>[.<machine-id prefix>]`, lower case,
/// characters outside `[a-z0-9.-]` replaced by `-`, at most 223 characters.
pub(crate) fn generate_name() -> String {
    let mut host = [0u8; 256];
    // SAFETY: the buffer is valid for `host.len() - 1` bytes; the last byte stays NUL, so the
    // result is terminated even if the name was truncated.
    let rc = unsafe { libc::gethostname(host.as_mut_ptr().cast(), host.len() - 1) };
    let host = if rc == 0 {
        let len = host.iter().position(|&b| b == 0).unwrap_or(host.len());
        String::from_utf8_lossy(&host[..len]).into_owned()
    } else {
        String::from("localhost")
    };
    let machine = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
    let machine: String = machine.trim().chars().take(8).collect();
    let mut unique = sanitize(&host);
    if !machine.is_empty() {
        unique.push('.');
        unique.push_str(&sanitize(&machine));
    }
    let mut name = format!("{NAMING_AUTHORITY}:{unique}");
    truncate_chars(&mut name, MAX_NODE_NAME_CHARS);
    name
}

/// Cuts `s` to at most `max` characters (`String::truncate` counts bytes).
fn truncate_chars(s: &mut String, max: usize) {
    if let Some((end, _)) = s.char_indices().nth(max) {
        s.truncate(end);
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Tells every plugin that manages initiator names the shared node's new name. Returns
/// `REBOOT_NECESSARY` if any plugin did, else `SUCCESS`; plugin errors are logged.
pub(crate) fn push_name(plugins: &[Plugin], name: &str) -> ImaStatus {
    push(plugins, name, "IMA_SetNodeName", |s| {
        s.entry("IMA_SetNodeName", |e| e.IMA_SetNodeName)
    })
}

/// As [`push_name`] for the alias.
pub(crate) fn push_alias(plugins: &[Plugin], alias: &str) -> ImaStatus {
    push(plugins, alias, "IMA_SetNodeAlias", |s| {
        s.entry("IMA_SetNodeAlias", |e| e.IMA_SetNodeAlias)
    })
}

type SetFn = ima_abi::plugin_api::IMA_SetNodeName;

fn push(
    plugins: &[Plugin],
    value: &str,
    what: &'static str,
    pick: impl Fn(&crate::plugin::Session<'_>) -> Result<SetFn, ImaError>,
) -> ImaStatus {
    let wide = to_wide_vec(value);
    let mut result = ImaStatus::STATUS_SUCCESS;
    for plugin in plugins {
        let Ok(session) = plugin.enter() else {
            continue;
        };
        let Ok(set) = pick(&session) else { continue };
        let oid = Oid::new(ObjectType::NODE, plugin.owner_id, 0);
        // SAFETY: `set` is the plugin's `IMA_SetNodeName`/`IMA_SetNodeAlias` (prototype
        // `(IMA_OID, const IMA_WCHAR *)`); `wide` is NUL-terminated and outlives the call.
        let status = session.status(unsafe { set(oid, wide.as_ptr()) });
        if status.is_error() {
            tracing::warn!(owner = plugin.owner_id, %status, call = what, "plugin refused the shared node value");
        } else if status == ImaStatus::STATUS_REBOOT_NECESSARY {
            result = status;
        }
    }
    result
}

/// At initialisation: pushes the name to name-managing plugins that report another one.
pub(crate) fn sync_plugins(plugins: &[Plugin], name: &str) {
    let stale: Vec<&Plugin> = plugins
        .iter()
        .filter(|p| p.has(|e| e.IMA_SetNodeName))
        .filter(|p| plugin_node_name(p).as_deref() != Some(name))
        .collect();
    if stale.is_empty() {
        return;
    }
    for plugin in stale {
        push_name(std::slice::from_ref(plugin), name);
    }
}

fn plugin_node_name(plugin: &Plugin) -> Option<String> {
    let session = plugin.enter().ok()?;
    let get = session
        .entry("IMA_GetNodeProperties", |e| e.IMA_GetNodeProperties)
        .ok()?;
    let mut props = NodeProperties::zeroed();
    let oid = Oid::new(ObjectType::NODE, plugin.owner_id, 0);
    // SAFETY: the plugin's `IMA_GetNodeProperties(IMA_OID, IMA_NODE_PROPERTIES *)` with a
    // valid, writable properties struct.
    let status = session.status(unsafe { get(oid, &raw mut props) });
    if status.is_error() || props.name_valid != IMA_TRUE {
        return None;
    }
    wide_array_to_string(&props.name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ima-node-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("state")
    }

    #[test]
    fn generated_name_is_persisted_and_reused() {
        let path = temp("gen");
        let node = SharedNode::init(&Config::default(), path.clone());
        assert!(node.name.starts_with(NAMING_AUTHORITY), "{}", node.name);
        assert!(node.name.chars().count() <= MAX_NODE_NAME_CHARS);
        let config = Config {
            node_name: Some("iqn.2025-01.invalid.other:x".into()),
            ..Config::default()
        };
        let again = SharedNode::init(&config, path.clone());
        assert_eq!(
            again.name, node.name,
            "persisted name wins over configuration"
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn configured_name_then_set() {
        let path = temp("conf");
        let config = Config {
            node_name: Some("iqn.2025-01.invalid.test:a".into()),
            node_alias: Some("alias a".into()),
            ..Config::default()
        };
        let mut node = SharedNode::init(&config, path.clone());
        assert_eq!(node.name, "iqn.2025-01.invalid.test:a");
        assert_eq!(node.alias, "alias a");
        assert!(!path.exists(), "a configured name is not written back");
        node.set_name("iqn.2025-01.invalid.test:b".into()).unwrap();
        let reread = SharedNode::init(&config, path.clone());
        assert_eq!(reread.name, "iqn.2025-01.invalid.test:b");
        assert_eq!(reread.alias, "alias a");
        let props = reread.properties();
        assert_eq!(props.name_valid, IMA_TRUE);
        assert_eq!(wide_array_to_string(&props.alias).unwrap(), "alias a");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn unwritable_state_fails_without_change() {
        let mut node = SharedNode::init(
            &Config {
                node_name: Some("iqn.x:y".into()),
                ..Config::default()
            },
            PathBuf::from("/proc/ima-cannot-write/state"),
        );
        assert_eq!(
            node.set_name("iqn.x:z".into()),
            Err(ImaError::Os("cannot persist the shared node"))
        );
        assert_eq!(node.name, "iqn.x:y");
    }

    #[test]
    fn unreadable_state_is_neither_used_nor_overwritten() {
        // An alias that is not UTF-8, and a multibyte character cut by the read bound.
        let mut cut = b"name=iqn.2025-01.invalid.test:saved\nalias=".to_vec();
        cut.resize(MAX_STATE_BYTES as usize - 1, b'a');
        cut.extend_from_slice("ä\n".as_bytes());
        let cases = [
            (
                "non-utf8",
                b"name=iqn.2025-01.invalid.test:saved\nalias=\xff\n".to_vec(),
            ),
            ("cut-char", cut),
        ];
        for (case, text) in cases {
            let path = temp(case);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            let node = SharedNode::init(&Config::default(), path.clone());
            assert!(
                node.name.starts_with(NAMING_AUTHORITY),
                "{case}: {}",
                node.name
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                text,
                "{case}: the state file is not replaced"
            );
            let config = Config {
                node_name: Some("iqn.2025-01.invalid.test:conf".into()),
                node_alias: Some("conf alias".into()),
                ..Config::default()
            };
            let node = SharedNode::init(&config, path.clone());
            assert_eq!(node.name, "iqn.2025-01.invalid.test:conf", "{case}");
            assert_eq!(node.alias, "conf alias", "{case}");
            assert_eq!(std::fs::read(&path).unwrap(), text, "{case}");
            std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
        }
    }

    #[test]
    fn truncation_counts_characters() {
        let mut s = format!("a{}", "ä".repeat(MAX_NODE_NAME_CHARS));
        truncate_chars(&mut s, MAX_NODE_NAME_CHARS);
        assert_eq!(s.chars().count(), MAX_NODE_NAME_CHARS);
        assert!(s.starts_with("aä") && s.ends_with('ä'), "{s}");
        let mut short = String::from("iqn.ä");
        truncate_chars(&mut short, MAX_NODE_NAME_CHARS);
        assert_eq!(short, "iqn.ä");
    }

    #[test]
    fn sanitize_host() {
        assert_eq!(sanitize("My_Host.Example"), "my-host.example");
    }
}
