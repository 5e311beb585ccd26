//! [`Engine`]: the handle, node identity, the HBA singletons, network ports and the
//! persisted discovery configuration.

use std::{
    collections::BTreeMap,
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError, atomic::AtomicBool},
};

use iscsi_initiator::{Dialer, Initiator, InitiatorConfig, Portal, TcpDialer};

use crate::{
    EngineConfig, HbaError, LinkState, ObjectId, ObjectKind,
    events::EventHub,
    id::SeqMap,
    lus::LuEntry,
    net,
    sessions::SessionTable,
    state::{PersistedState, StateFile},
    targets::TargetEntry,
};

/// The longest iSCSI name, in bytes (RFC 7143 §4.2.7.1).
pub const MAX_NAME_LEN: usize = 223;
/// The longest alias we keep, in bytes (the IMA alias field holds 255 characters).
pub const MAX_ALIAS_LEN: usize = 255;

/// The initiator node's identity.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct NodeInfo {
    /// The iSCSI name (InitiatorName).
    pub name: String,
    /// The alias (InitiatorAlias), if set.
    pub alias: Option<String>,
}

/// The state of the physical HBA.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum PhbaStatus {
    /// Working (a software HBA always is).
    Working,
}

/// The physical HBA: for a software initiator, the initiator itself.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PhbaInfo {
    /// Vendor: `iscsi-ima`.
    pub vendor: String,
    /// Model: `software initiator`.
    pub model: String,
    /// A one-line description.
    pub description: String,
    /// Serial number: empty (unknown).
    pub serial_number: String,
    /// Hardware version: empty (none).
    pub hardware_version: String,
    /// Firmware version: empty (none).
    pub firmware_version: String,
    /// Option ROM version: empty (none).
    pub option_rom_version: String,
    /// Driver name: this crate's name.
    pub driver_name: String,
    /// Driver version: this crate's version.
    pub driver_version: String,
    /// The longest CDB the initiator sends, in bytes.
    pub max_cdb_length: u32,
    /// Bidirectional commands: not supported.
    pub bidirectional_transfers: bool,
    /// Acts as an initiator: yes.
    pub is_initiator: bool,
    /// Acts as a target: no.
    pub is_target: bool,
    /// A TCP offload engine in use: no.
    pub tcp_offload_engine: bool,
    /// An iSCSI offload engine in use: no.
    pub iscsi_offload_engine: bool,
    /// Status.
    pub status: PhbaStatus,
}

/// The logical HBA (one, seq 1, not destroyable).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LhbaInfo {
    /// The physical HBA it runs on.
    pub phba: ObjectId,
    /// The node it serves.
    pub node: ObjectId,
    /// OS device name: empty (LUs are not exposed to the OS as block devices).
    pub os_device_name: String,
    /// LUs can be exposed to the OS: no.
    pub lu_exposing_supported: bool,
    /// Can be destroyed: no.
    pub is_destroyable: bool,
}

/// A logical network port: one host interface.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LnpInfo {
    /// The interface name (`eth0`, `lo`).
    pub interface: String,
    /// The MAC address; `None` when all zeros or not 6 bytes long.
    pub mac: Option<[u8; 6]>,
    /// The link state.
    pub link: LinkState,
}

/// A physical network port: one host interface.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PnpInfo {
    /// The physical HBA it belongs to.
    pub phba: ObjectId,
    /// The logical port of the same interface.
    pub lnp: ObjectId,
    /// The interface name.
    pub interface: String,
    /// The MAC address; `None` when all zeros or not 6 bytes long.
    pub mac: Option<[u8; 6]>,
    /// The link state.
    pub link: LinkState,
    /// The MTU in bytes, when known.
    pub mtu: Option<u32>,
    /// The link speed in Mbit/s, when known (not for down or virtual links).
    pub speed_mbps: Option<u64>,
}

/// A network portal: one IP address of an interface.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct NetworkPortalInfo {
    /// The address.
    pub address: IpAddr,
    /// The logical network port (interface) it is on.
    pub lnp: ObjectId,
    /// The interface name.
    pub interface: String,
}

/// Which discovery methods are enabled (persisted). SLP is not implemented and always
/// off; the iSNS server is [`Engine::isns_server`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct DiscoveryConfig {
    /// Static targets are used. Default on.
    pub static_enabled: bool,
    /// SendTargets is sent to every discovery address. Default on.
    pub send_targets_enabled: bool,
    /// iSNS: the configured server is asked for the targets visible to our node.
    pub isns_enabled: bool,
    /// SLP: always `false`.
    pub slp_enabled: bool,
}

/// A statically configured target.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StaticTarget {
    /// The target's iSCSI name.
    pub name: String,
    /// Where to log in.
    pub portal: Portal,
}

/// The tables of what discovery and LU scans found, under one lock.
#[derive(Debug)]
pub(crate) struct Discovered {
    pub(crate) targets: BTreeMap<u64, TargetEntry>,
    pub(crate) target_ids: SeqMap<String>,
    pub(crate) lus: BTreeMap<u64, LuEntry>,
    pub(crate) lu_ids: SeqMap<(u64, [u8; 8])>,
}

/// Network object ids, stable by interface name (and address) for the process's life.
#[derive(Debug)]
struct NetIds {
    lnp: SeqMap<String>,
    pnp: SeqMap<String>,
    portal: SeqMap<(String, IpAddr)>,
}

pub(crate) struct Inner {
    pub(crate) config: EngineConfig,
    file: StateFile,
    dialer: Arc<dyn Dialer>,
    pub(crate) persisted: Mutex<PersistedState>,
    initiator: Mutex<Arc<Initiator>>,
    pub(crate) discovered: Mutex<Discovered>,
    net_ids: Mutex<NetIds>,
    pub(crate) sessions: Mutex<SessionTable>,
    /// Exposed LUs (NBD exports), for the life of the engine.
    pub(crate) exports: Mutex<crate::exports::ExportTable>,
    pub(crate) shut_down: AtomicBool,
    pub(crate) events: EventHub,
    /// Wakes the supervisor for a pass.
    pub(crate) nudge: tokio::sync::Notify,
    /// Wakes the iSNS SCN watch after a change of the iSNS settings.
    pub(crate) isns_changed: tokio::sync::Notify,
    /// `true` once shut down: stops the supervisor.
    pub(crate) stop: tokio::sync::watch::Sender<bool>,
    /// Supervisor passes run one at a time.
    pub(crate) pass_lock: tokio::sync::Mutex<()>,
}

/// The software HBA engine: a cheap cloneable handle (an `Arc` inside).
///
/// Getters (`node`, `targets`, `lus`…) are synchronous, take a short in-memory lock and do
/// no I/O except the network-port getters, which read sysfs. Persisted changes are
/// synchronous too: they read and write the state file under its lock, waiting at most
/// [`EngineConfig::lock_timeout`]. Operations that talk to targets are `async`, need a
/// tokio runtime and are bounded by [`EngineConfig::operation_timeout`].
///
/// The persisted getters return the state as of the last change, [`Engine::reload`] or
/// [`Engine::refresh_discovery`] made by this engine; another process's changes are seen
/// from then on.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("state_path", &self.inner.config.state_path)
            .finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Engine {
    /// Starts the engine: loads the state file (missing: empty state), generates the node
    /// name from the host name when the state has none
    /// (`<name_prefix><sanitised host name>`) and persists it. Needs no runtime.
    ///
    /// # Errors
    ///
    /// [`HbaError::CorruptState`] for a state file that does not decode;
    /// [`HbaError::Io`] when it cannot be read or the generated name cannot be written;
    /// [`HbaError::Timeout`] when another process holds the lock too long.
    pub fn start(config: EngineConfig) -> Result<Self, HbaError> {
        Self::with_dialer(config, Arc::new(TcpDialer))
    }

    /// As [`Engine::start`], with connections opened by `dialer` (tests use in-memory
    /// pipes to an in-process target).
    ///
    /// # Errors
    ///
    /// As [`Engine::start`].
    pub fn with_dialer(config: EngineConfig, dialer: Arc<dyn Dialer>) -> Result<Self, HbaError> {
        let file = StateFile::new(config.state_path.clone(), config.lock_timeout);
        let mut state = file.load()?;
        if state.node_name.is_none() {
            let generated = generated_name(&config.name_prefix);
            file.update(
                |s| {
                    if s.node_name.is_none() {
                        tracing::info!(name = %generated, "generated the initiator node name");
                        s.node_name = Some(generated);
                    }
                    Ok(())
                },
                |after| state = after,
            )?;
        }
        let initiator = Arc::new(build_initiator(&config, &state, &dialer));
        Ok(Self {
            inner: Arc::new(Inner {
                file,
                dialer,
                persisted: Mutex::new(state),
                initiator: Mutex::new(initiator),
                discovered: Mutex::new(Discovered {
                    targets: BTreeMap::new(),
                    target_ids: SeqMap::new(ObjectKind::Target),
                    lus: BTreeMap::new(),
                    lu_ids: SeqMap::new(ObjectKind::Lu),
                }),
                net_ids: Mutex::new(NetIds {
                    lnp: SeqMap::new(ObjectKind::Lnp),
                    pnp: SeqMap::new(ObjectKind::Pnp),
                    portal: SeqMap::new(ObjectKind::NetworkPortal),
                }),
                sessions: Mutex::new(SessionTable::new()),
                exports: Mutex::new(crate::exports::ExportTable::default()),
                shut_down: AtomicBool::new(false),
                events: EventHub::new(),
                nudge: tokio::sync::Notify::new(),
                isns_changed: tokio::sync::Notify::new(),
                stop: tokio::sync::watch::channel(false).0,
                pass_lock: tokio::sync::Mutex::new(()),
                config,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Reads the state file again, to see another process's changes.
    ///
    /// # Errors
    ///
    /// [`HbaError::CorruptState`], [`HbaError::Io`]; the cached state is kept then.
    pub fn reload(&self) -> Result<(), HbaError> {
        let state = self.inner.file.load()?;
        self.install(state);
        Ok(())
    }

    /// Makes `state` the cached state, and rebuilds the initiator when the node changed.
    fn install(&self, state: PersistedState) {
        let mut cached = lock(&self.inner.persisted);
        let node_changed =
            cached.node_name != state.node_name || cached.node_alias != state.node_alias;
        if node_changed {
            *lock(&self.inner.initiator) = Arc::new(build_initiator(
                &self.inner.config,
                &state,
                &self.inner.dialer,
            ));
        }
        *cached = state;
    }

    /// Applies a change to the persisted state (see [`StateFile::update`]) and caches
    /// the result.
    pub(crate) fn update<R>(
        &self,
        change: impl FnOnce(&mut PersistedState) -> Result<R, HbaError>,
    ) -> Result<R, HbaError> {
        let result = self
            .inner
            .file
            .update(change, |state| self.install(state))?;
        // Discovery settings may have changed: the supervisor runs a pass.
        self.nudge();
        Ok(result)
    }

    pub(crate) fn persisted(&self) -> PersistedState {
        lock(&self.inner.persisted).clone()
    }

    pub(crate) fn initiator(&self) -> Arc<Initiator> {
        Arc::clone(&lock(&self.inner.initiator))
    }

    // ---- Node ----

    /// The initiator node's name and alias.
    pub fn node(&self) -> NodeInfo {
        let s = lock(&self.inner.persisted);
        NodeInfo {
            name: s.node_name.clone().unwrap_or_default(),
            alias: s.node_alias.clone(),
        }
    }

    /// Sets the node name (persisted). Sessions already open keep the old name; new
    /// logins use the new one.
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] for an empty name, one longer than
    /// [`MAX_NAME_LEN`] bytes, or with whitespace or control characters; the errors of a
    /// persisted change ([`HbaError::CorruptState`], [`HbaError::Io`],
    /// [`HbaError::Timeout`]).
    pub fn set_node_name(&self, name: String) -> Result<(), HbaError> {
        check_name(&name)?;
        self.update(|s| {
            s.node_name = Some(name);
            Ok(())
        })
    }

    /// Sets (`Some`) or clears (`None` or an empty string) the node alias (persisted).
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] for an alias longer than [`MAX_ALIAS_LEN`] bytes or
    /// with control characters; the errors of a persisted change.
    pub fn set_node_alias(&self, alias: Option<String>) -> Result<(), HbaError> {
        let alias = alias.filter(|a| !a.is_empty());
        if let Some(a) = &alias {
            if a.len() > MAX_ALIAS_LEN || a.chars().any(char::is_control) {
                return Err(HbaError::InvalidArgument(format!(
                    "an alias is at most {MAX_ALIAS_LEN} bytes without control characters"
                )));
            }
        }
        self.update(|s| {
            s.node_alias = alias;
            Ok(())
        })
    }

    // ---- HBA singletons ----

    /// The physical HBA (the software initiator).
    pub fn phba(&self) -> PhbaInfo {
        PhbaInfo {
            vendor: "iscsi-ima".into(),
            model: "software initiator".into(),
            description: "userspace iSCSI software initiator".into(),
            serial_number: String::new(),
            hardware_version: String::new(),
            firmware_version: String::new(),
            option_rom_version: String::new(),
            driver_name: env!("CARGO_PKG_NAME").into(),
            driver_version: env!("CARGO_PKG_VERSION").into(),
            max_cdb_length: 16,
            bidirectional_transfers: false,
            is_initiator: true,
            is_target: false,
            tcp_offload_engine: false,
            iscsi_offload_engine: false,
            status: PhbaStatus::Working,
        }
    }

    /// The logical HBA.
    pub fn lhba(&self) -> LhbaInfo {
        LhbaInfo {
            phba: ObjectId::PHBA,
            node: ObjectId::NODE,
            os_device_name: String::new(),
            lu_exposing_supported: false,
            is_destroyable: false,
        }
    }

    // ---- Network ports ----

    /// The logical network ports: one per host interface (the loopback included), sorted
    /// by interface name. Reads sysfs and the address list on each call.
    pub fn lnps(&self) -> Vec<(ObjectId, LnpInfo)> {
        let ifaces = net::interfaces();
        let mut ids = lock(&self.inner.net_ids);
        ifaces
            .into_iter()
            .map(|i| {
                (
                    ids.lnp.get_or_insert(&i.name),
                    LnpInfo {
                        interface: i.name,
                        mac: i.mac,
                        link: i.link,
                    },
                )
            })
            .collect()
    }

    /// The physical network ports: one per host interface, as [`Engine::lnps`].
    pub fn pnps(&self) -> Vec<(ObjectId, PnpInfo)> {
        let ifaces = net::interfaces();
        let mut ids = lock(&self.inner.net_ids);
        ifaces
            .into_iter()
            .map(|i| {
                (
                    ids.pnp.get_or_insert(&i.name),
                    PnpInfo {
                        phba: ObjectId::PHBA,
                        lnp: ids.lnp.get_or_insert(&i.name),
                        interface: i.name,
                        mac: i.mac,
                        link: i.link,
                        mtu: i.mtu,
                        speed_mbps: i.speed_mbps,
                    },
                )
            })
            .collect()
    }

    /// The network portals: one per IP address of each interface.
    pub fn network_portals(&self) -> Vec<(ObjectId, NetworkPortalInfo)> {
        let ifaces = net::interfaces();
        let mut ids = lock(&self.inner.net_ids);
        let mut out = Vec::new();
        for i in ifaces {
            let lnp = ids.lnp.get_or_insert(&i.name);
            for address in i.addresses {
                out.push((
                    ids.portal.get_or_insert(&(i.name.clone(), address)),
                    NetworkPortalInfo {
                        address,
                        lnp,
                        interface: i.name.clone(),
                    },
                ));
            }
        }
        out
    }

    // ---- Discovery configuration ----

    /// Which discovery methods are enabled.
    pub fn discovery(&self) -> DiscoveryConfig {
        let s = lock(&self.inner.persisted);
        DiscoveryConfig {
            static_enabled: s.static_enabled,
            send_targets_enabled: s.send_targets_enabled,
            isns_enabled: s.isns_enabled,
            slp_enabled: false,
        }
    }

    /// Enables or disables static discovery (persisted). Takes effect at the next
    /// [`Engine::refresh_discovery`].
    ///
    /// # Errors
    ///
    /// The errors of a persisted change.
    pub fn set_static_discovery(&self, enabled: bool) -> Result<(), HbaError> {
        self.update(|s| {
            s.static_enabled = enabled;
            Ok(())
        })
    }

    /// Enables or disables SendTargets discovery (persisted). Takes effect at the next
    /// [`Engine::refresh_discovery`].
    ///
    /// # Errors
    ///
    /// The errors of a persisted change.
    pub fn set_send_targets_discovery(&self, enabled: bool) -> Result<(), HbaError> {
        self.update(|s| {
            s.send_targets_enabled = enabled;
            Ok(())
        })
    }

    /// Adds a SendTargets discovery address (persisted); its portal group tag, if any, is
    /// dropped. An address already listed (same host and port) returns the existing id.
    ///
    /// # Errors
    ///
    /// The errors of a persisted change.
    pub fn add_discovery_address(&self, portal: Portal) -> Result<ObjectId, HbaError> {
        let portal = Portal {
            tpgt: None,
            ..portal
        };
        let seq = self.update(|s| {
            if let Some((id, _)) = s
                .discovery_addresses
                .iter()
                .find(|(_, p)| same_address(p, &portal))
            {
                return Ok(*id);
            }
            let id = s.allocate_id();
            s.discovery_addresses.push((id, portal));
            Ok(id)
        })?;
        Ok(ObjectId::new(ObjectKind::DiscoveryAddress, seq))
    }

    /// Removes a discovery address (persisted). Its targets go at the next
    /// [`Engine::refresh_discovery`] unless found another way.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an id that is not a listed discovery address; the errors
    /// of a persisted change.
    pub fn remove_discovery_address(&self, id: ObjectId) -> Result<(), HbaError> {
        if id.kind != ObjectKind::DiscoveryAddress {
            return Err(HbaError::NotFound(id));
        }
        self.update(|s| {
            let before = s.discovery_addresses.len();
            s.discovery_addresses.retain(|(seq, _)| *seq != id.seq);
            if s.discovery_addresses.len() == before {
                return Err(HbaError::NotFound(id));
            }
            Ok(())
        })
    }

    /// The discovery addresses, in the order added.
    pub fn discovery_addresses(&self) -> Vec<(ObjectId, Portal)> {
        lock(&self.inner.persisted)
            .discovery_addresses
            .iter()
            .map(|(seq, p)| (ObjectId::new(ObjectKind::DiscoveryAddress, *seq), p.clone()))
            .collect()
    }

    /// One discovery address.
    pub fn discovery_address(&self, id: ObjectId) -> Option<Portal> {
        if id.kind != ObjectKind::DiscoveryAddress {
            return None;
        }
        lock(&self.inner.persisted)
            .discovery_addresses
            .iter()
            .find(|(seq, _)| *seq == id.seq)
            .map(|(_, p)| p.clone())
    }

    /// Adds a static target (persisted). The same name at the same host and port returns
    /// the existing id.
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] for a malformed name (as
    /// [`Engine::set_node_name`]); the errors of a persisted change.
    pub fn add_static_target(&self, name: String, portal: Portal) -> Result<ObjectId, HbaError> {
        check_name(&name)?;
        let seq = self.update(|s| {
            if let Some((id, ..)) = s
                .static_targets
                .iter()
                .find(|(_, n, p)| *n == name && same_address(p, &portal))
            {
                return Ok(*id);
            }
            let id = s.allocate_id();
            s.static_targets.push((id, name, portal));
            Ok(id)
        })?;
        Ok(ObjectId::new(ObjectKind::StaticTarget, seq))
    }

    /// Removes a static target (persisted).
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an id that is not a listed static target; the errors of
    /// a persisted change.
    pub fn remove_static_target(&self, id: ObjectId) -> Result<(), HbaError> {
        if id.kind != ObjectKind::StaticTarget {
            return Err(HbaError::NotFound(id));
        }
        self.update(|s| {
            let before = s.static_targets.len();
            s.static_targets.retain(|(seq, ..)| *seq != id.seq);
            if s.static_targets.len() == before {
                return Err(HbaError::NotFound(id));
            }
            Ok(())
        })
    }

    /// The static targets, in the order added.
    pub fn static_targets(&self) -> Vec<(ObjectId, StaticTarget)> {
        lock(&self.inner.persisted)
            .static_targets
            .iter()
            .map(|(seq, name, portal)| {
                (
                    ObjectId::new(ObjectKind::StaticTarget, *seq),
                    StaticTarget {
                        name: name.clone(),
                        portal: portal.clone(),
                    },
                )
            })
            .collect()
    }

    /// One static target.
    pub fn static_target(&self, id: ObjectId) -> Option<StaticTarget> {
        self.static_targets()
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, t)| t)
    }
}

/// Two portals name the same address (host and port; the portal group tag aside).
fn same_address(a: &Portal, b: &Portal) -> bool {
    a.host == b.host && a.port == b.port
}

/// Checks an iSCSI name: not empty, at most [`MAX_NAME_LEN`] bytes, no whitespace or
/// control characters.
pub(crate) fn check_name(name: &str) -> Result<(), HbaError> {
    if name.is_empty()
        || name.len() > MAX_NAME_LEN
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(HbaError::InvalidArgument(format!(
            "an iSCSI name is 1 to {MAX_NAME_LEN} bytes without spaces or control characters"
        )));
    }
    Ok(())
}

/// The initiator for this state's node name and alias and the configured deadlines.
fn build_initiator(
    config: &EngineConfig,
    state: &PersistedState,
    dialer: &Arc<dyn Dialer>,
) -> Initiator {
    let mut c = InitiatorConfig::new(state.node_name.clone().unwrap_or_default());
    c.alias.clone_from(&state.node_alias);
    c.connect_timeout = config.connect_timeout;
    c.login_timeout = config.login_timeout;
    c.command_timeout = config.command_timeout;
    c.logout_timeout = config.logout_timeout;
    // A lost connection is retried for at most one command deadline, so no caller waits
    // past its operation deadline on a dead target.
    c.reconnect_timeout = config.command_timeout;
    Initiator::with_dialer(c, Arc::clone(dialer))
}

/// `<prefix><sanitised host name>`.
fn generated_name(prefix: &str) -> String {
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let mut name = format!("{prefix}{}", sanitise_host(&host));
    name.truncate(MAX_NAME_LEN);
    name
}

/// A host name as the last part of an IQN: lower case, `[a-z0-9.-]`, anything else
/// becoming `-`; `localhost` when nothing is left.
fn sanitise_host(host: &str) -> String {
    let s: String = host
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '-') => c,
            _ => '-',
        })
        .collect();
    let s = s.trim_matches(|c| c == '-' || c == '.');
    if s.is_empty() {
        "localhost".to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_sanitised() {
        assert_eq!(sanitise_host("Web_01.Example.COM"), "web-01.example.com");
        assert_eq!(sanitise_host(" --"), "localhost");
        assert_eq!(sanitise_host("héllo"), "h-llo");
        assert!(generated_name("iqn.2026-12.org.iscsi-ima:").starts_with("iqn.2026-12"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("iqn.2026-12.org.x:y").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"a".repeat(224)).is_err());
        assert!(check_name(&"a".repeat(223)).is_ok());
    }
}
