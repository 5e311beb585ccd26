//! The real backend: the `iscsi-hba` engine, run on the plugin's own tokio runtime.
//!
//! `Initialize` starts it ([`start`]): a multi-threaded runtime with two worker threads
//! named `iscsi-hba`, and the engine with its state file (`ISCSI_HBA_STATE`, default
//! `/var/lib/iscsi-ima/hba.json`). Every call that talks to a target runs on that runtime
//! and is bounded by [`CALL_TIMEOUT`] on top of the engine's own deadlines, so a C call
//! never blocks for ever. `Terminate` logs every session out and stops the runtime
//! ([`Backend::shutdown`]).
//!
//! When the engine cannot start (above all a corrupt state file, which it never
//! overwrites), the plugin still answers the system-wide lists and the HBA properties, and
//! every call that needs the engine fails with `IMA_ERROR_UNEXPECTED_OS_ERROR`; the reason
//! is logged and written once to standard error, since IMA has no way to carry it.

use std::{
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::{Duration, Instant},
};

use ima_abi::{ImaStatus, ObjectType, TargetDiscoveryMethod};
use iscsi_hba::{
    AuthUsed, Engine, EngineConfig, ExposeOptions, HbaError, HbaEvent, LinkState, LoginParamKey,
    ObjectId, ObjectKind, PassThrough, Portal,
};
use iscsi_proto::discovery::Host as PortalHost;

use crate::{
    backend::{
        Applied, AuthMethod, AutoLogin, Backend, ChapInfo, ChapRole, ChapSecret, ConnectionInfo,
        DeviceStats, Digest, DigestKind, DiscoveryAddressInfo, DiscoveryInfo, DiscoveryMethod,
        Event, Host, LhbaInfo, LnpInfo, LoginParam, LoginParamInfo, LuInfo, NodeInfo, ObjectRef,
        ParamValue, PhbaInfo, PluginInfo, PnpInfo, PnpStats, PortStatus, PortalInfo, RescanSummary,
        Result, ScsiReply, SessionAddresses, SessionInfo, StaticTarget, StaticTargetInfo,
        TargetAddr, TargetErrors, TargetInfo,
    },
    error::PluginError,
    null::{self, NullBackend},
};

/// How long `Terminate` waits for the event thread to finish a callback.
const EVENT_THREAD_GRACE: Duration = Duration::from_secs(2);

/// `IMA_LU_PROPERTIES.osDeviceName` holds 64 wide characters, the NUL included.
const MAX_OS_DEVICE_NAME: usize = 63;

/// The longest any one C call waits for the engine.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// A target list younger than this is answered without asking the discovery addresses
/// again (libraries ask for a list twice per client call).
const DISCOVERY_FRESH: Duration = Duration::from_secs(2);

/// The backend over a running engine.
pub struct EngineBackend {
    runtime: tokio::runtime::Runtime,
    engine: Engine,
    /// When discovery last ran.
    discovered: Mutex<Option<Instant>>,
    /// Delivers the engine's events to the registered callbacks; ends at shutdown.
    event_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// The backend when the engine could not start: the HBAs exist, nothing else works.
struct FailedBackend {
    reason: String,
}

/// Starts the engine backend, or the failed one with the reason.
pub fn start() -> std::sync::Arc<dyn Backend> {
    let deliver: fn(Event) = crate::exports::events::deliver;
    let started = match daemon_socket() {
        Some(path) => {
            tracing::info!(socket = %path.display(), "using iscsi-hbad");
            crate::remote::RemoteBackend::start(path, deliver)
                .map(|b| std::sync::Arc::new(b) as std::sync::Arc<dyn Backend>)
                .map_err(|e| format!("iscsi-hbad: {e}"))
        }
        None => EngineBackend::start_with(EngineConfig::from_env(), deliver)
            .map(|b| std::sync::Arc::new(b) as std::sync::Arc<dyn Backend>),
    };
    match started {
        Ok(backend) => backend,
        Err(reason) => {
            tracing::error!(%reason, "the iSCSI HBA engine did not start");
            // IMA statuses cannot carry the reason: say it once where a person sees it.
            eprintln!("ima-plugin-soft: the iSCSI HBA engine did not start: {reason}");
            std::sync::Arc::new(FailedBackend { reason })
        }
    }
}

/// The daemon's socket when the plugin should use it: [`crate::remote::SOCKET_ENV`] (or
/// [`crate::remote::DEFAULT_SOCKET`]) names a socket someone listens on. An empty variable,
/// no file, or a file nobody listens on (a daemon that died) mean the embedded engine; a
/// socket we may not use is the daemon's to refuse, so it is used (and the refusal reported).
fn daemon_socket() -> Option<std::path::PathBuf> {
    let path = match std::env::var_os(crate::remote::SOCKET_ENV) {
        Some(p) if p.is_empty() => return None,
        Some(p) => std::path::PathBuf::from(p),
        None => std::path::PathBuf::from(crate::remote::DEFAULT_SOCKET),
    };
    match std::os::unix::net::UnixStream::connect(&path) {
        Ok(_) => Some(path),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            if path.exists() {
                tracing::warn!(socket = %path.display(), "nobody listens on the daemon socket; running the engine here");
            }
            None
        }
        Err(e) => {
            tracing::debug!(socket = %path.display(), error = %e, "daemon socket");
            Some(path)
        }
    }
}

impl EngineBackend {
    /// A runtime and an engine with `config`.
    ///
    /// # Errors
    ///
    /// The reason, as text, when the runtime or the engine cannot start.
    pub fn start(config: EngineConfig) -> std::result::Result<Self, String> {
        Self::start_with(config, crate::exports::events::deliver)
    }

    /// As [`EngineBackend::start`], with the engine's events handed to `deliver` on the
    /// event thread (the daemon forwards them to its subscribers).
    ///
    /// # Errors
    ///
    /// As [`EngineBackend::start`].
    pub fn start_with(
        config: EngineConfig,
        deliver: impl Fn(Event) + Send + 'static,
    ) -> std::result::Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("iscsi-hba")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?;
        let engine = {
            let _entered = runtime.enter();
            Engine::start(config).map_err(|e| e.to_string())?
        };
        let events = engine.events();
        let event_thread = std::thread::Builder::new()
            .name("iscsi-hba-events".into())
            .spawn(move || deliver_events(events, deliver))
            .map_err(|e| format!("cannot start the event thread: {e}"))?;
        runtime.spawn(engine.clone().supervise());
        Ok(Self {
            runtime,
            engine,
            discovered: Mutex::new(None),
            event_thread: Mutex::new(Some(event_thread)),
        })
    }

    /// Runs `work` on the runtime, bounded by [`CALL_TIMEOUT`]. From a thread that is
    /// itself inside a tokio runtime (a Rust program calling the plugin), it runs on a
    /// scoped helper thread, since a runtime cannot block inside another.
    fn block<T: Send>(
        &self,
        work: impl Future<Output = std::result::Result<T, HbaError>> + Send,
    ) -> Result<T> {
        let run = || {
            self.runtime
                .block_on(async { tokio::time::timeout(CALL_TIMEOUT, work).await })
        };
        let outcome = if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| s.spawn(run).join())
                .map_err(|_| PluginError::Engine("engine call panicked".into()))?
        } else {
            run()
        };
        outcome
            .map_err(|_| PluginError::Engine("timed out".into()))?
            .map_err(engine_error)
    }

    /// Runs discovery unless it ran less than [`DISCOVERY_FRESH`] ago.
    fn discover(&self) -> Result<()> {
        let mut last = self
            .discovered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < DISCOVERY_FRESH) {
            return Ok(());
        }
        let report = self.block(self.engine.refresh_discovery())?;
        for address in &report.addresses {
            if let Err(error) = &address.outcome {
                tracing::warn!(portal = %address.portal, %error, "discovery address failed");
            }
        }
        if let Some((server, Err(error))) = &report.isns {
            tracing::warn!(%server, %error, "iSNS server failed");
        }
        *last = Some(Instant::now());
        Ok(())
    }

    fn lu_ids(&self, target: ObjectId) -> Result<Vec<ObjectId>> {
        Ok(self
            .block(self.engine.lus(target))?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }
}

/// The event thread: every engine event, in order, to the registered callbacks, until the
/// engine shuts down. Runs outside every entry point and holds no plugin lock while a
/// callback runs (docs/ima-notes.md §4 item 3).
fn deliver_events(mut events: tokio::sync::broadcast::Receiver<HbaEvent>, deliver: impl Fn(Event)) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let event = match events.blocking_recv() {
            Ok(event) => event,
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "events dropped: callbacks too slow");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let event = match event {
            HbaEvent::Visibility { id, visible } => Event::Visibility(to_ref(id), visible),
            HbaEvent::Property(id) => Event::Property(to_ref(id)),
        };
        deliver(event);
    }
}

/// Maps an IMA object type to the engine's kind.
fn kind_of(t: ObjectType) -> Option<ObjectKind> {
    Some(match t {
        ObjectType::PHBA => ObjectKind::Phba,
        ObjectType::LHBA => ObjectKind::Lhba,
        ObjectType::NODE => ObjectKind::Node,
        ObjectType::LNP => ObjectKind::Lnp,
        ObjectType::PNP => ObjectKind::Pnp,
        ObjectType::NETWORK_PORTAL => ObjectKind::NetworkPortal,
        ObjectType::DISCOVERY_ADDRESS => ObjectKind::DiscoveryAddress,
        ObjectType::STATIC_DISCOVERY_TARGET => ObjectKind::StaticTarget,
        ObjectType::TARGET => ObjectKind::Target,
        ObjectType::LU => ObjectKind::Lu,
        ObjectType::SESSION => ObjectKind::Session,
        ObjectType::CONNECTION => ObjectKind::Connection,
        _ => return None,
    })
}

fn type_of(kind: ObjectKind) -> ObjectType {
    match kind {
        ObjectKind::Phba => ObjectType::PHBA,
        ObjectKind::Lhba => ObjectType::LHBA,
        ObjectKind::Node => ObjectType::NODE,
        ObjectKind::Lnp => ObjectType::LNP,
        ObjectKind::Pnp => ObjectType::PNP,
        ObjectKind::NetworkPortal => ObjectType::NETWORK_PORTAL,
        ObjectKind::DiscoveryAddress => ObjectType::DISCOVERY_ADDRESS,
        ObjectKind::StaticTarget => ObjectType::STATIC_DISCOVERY_TARGET,
        ObjectKind::Target => ObjectType::TARGET,
        ObjectKind::Lu => ObjectType::LU,
        ObjectKind::Session => ObjectType::SESSION,
        ObjectKind::Connection => ObjectType::CONNECTION,
    }
}

fn to_ref(id: ObjectId) -> ObjectRef {
    ObjectRef::new(type_of(id.kind), id.seq)
}

fn to_id(object: ObjectRef) -> Result<ObjectId> {
    let kind = kind_of(object.kind).ok_or(PluginError::ObjectNotFound)?;
    Ok(ObjectId::new(kind, object.seq))
}

/// The iSNS server an `IMA_SetIsnsDiscovery` host names: `None` (keep the configured one)
/// for no host or an all-zero one (illumos `iscsiadm` enables that way); a host name may
/// carry a port (`host:port`, `[v6]:port`); an address or a name without a port gets the
/// configured port when it is the configured host, else 3205.
fn isns_server(
    host: Option<&Host>,
    configured: Option<iscsi_hba::IsnsServer>,
) -> Result<Option<iscsi_hba::IsnsServer>> {
    let keep_port = |mut server: iscsi_hba::IsnsServer| {
        if let Some(c) = &configured {
            if c.host == server.host {
                server.port = c.port;
            }
        }
        server
    };
    match host {
        None => Ok(None),
        Some(Host::Ip(ip)) if ip.is_unspecified() => Ok(None),
        Some(Host::Name(name)) if name.trim().is_empty() => Ok(None),
        Some(Host::Ip(ip)) => Ok(Some(keep_port(iscsi_hba::IsnsServer::new(ip.to_string())))),
        Some(Host::Name(name)) => {
            let has_port = name.starts_with('[') || name.matches(':').count() == 1;
            let server: iscsi_hba::IsnsServer = name.parse().map_err(engine_error)?;
            Ok(Some(if has_port { server } else { keep_port(server) }))
        }
    }
}

fn engine_error(e: HbaError) -> PluginError {
    if e.is_login_rejected() {
        tracing::info!(error = %e, "login rejected by the target");
        return PluginError::Status(ImaStatus::ERROR_LOGIN_REJECTED);
    }
    if e.is_login_timeout() {
        tracing::info!(error = %e, "no answer from the target in time");
        return PluginError::Status(ImaStatus::ERROR_TARGET_TIMEOUT);
    }
    match e {
        HbaError::NotFound(_) => PluginError::ObjectNotFound,
        HbaError::NotSupported(_) => PluginError::NotSupported,
        HbaError::StatisticsDisabled(_) => {
            PluginError::Status(ImaStatus::ERROR_STATS_COLLECTION_NOT_ENABLED)
        }
        HbaError::DiscoveryIncomplete { .. } => {
            PluginError::Status(ImaStatus::ERROR_TARGET_TIMEOUT)
        }
        HbaError::InUse(..) => PluginError::Status(ImaStatus::ERROR_LU_IN_USE),
        HbaError::LoggedOut(_) => {
            tracing::debug!("the target was logged out on request");
            PluginError::NotSupported
        }
        HbaError::InvalidArgument(why) => {
            tracing::debug!(%why, "invalid argument");
            PluginError::Status(ImaStatus::ERROR_INVALID_PARAMETER)
        }
        other => {
            tracing::warn!(error = %other, "engine call failed");
            PluginError::Engine(other.to_string())
        }
    }
}

fn to_portal(address: &TargetAddr) -> Portal {
    let host = match &address.host {
        Host::Ip(IpAddr::V4(ip)) => PortalHost::Ipv4(*ip),
        Host::Ip(IpAddr::V6(ip)) => PortalHost::Ipv6 {
            addr: *ip,
            zone: None,
        },
        Host::Name(name) => PortalHost::Name(name.clone()),
    };
    Portal {
        host,
        port: address.port,
        tpgt: None,
    }
}

fn to_target_addr(portal: &Portal) -> TargetAddr {
    let host = match &portal.host {
        PortalHost::Ipv4(ip) => Host::Ip(IpAddr::V4(*ip)),
        PortalHost::Ipv6 { addr, .. } => Host::Ip(IpAddr::V6(*addr)),
        PortalHost::Name(name) => Host::Name(name.clone()),
    };
    TargetAddr {
        host,
        port: portal.port,
    }
}

fn reply(p: PassThrough) -> ScsiReply {
    ScsiReply {
        data: p.data.to_vec(),
        status: u8::from(p.status),
        sense: p.sense.map(|s| s.to_vec()).unwrap_or_default(),
    }
}

fn param_key(param: LoginParam) -> LoginParamKey {
    match param {
        LoginParam::FirstBurstLength => LoginParamKey::FirstBurstLength,
        LoginParam::MaxBurstLength => LoginParamKey::MaxBurstLength,
        LoginParam::MaxRecvDataSegmentLength => LoginParamKey::MaxRecvDataSegmentLength,
        LoginParam::DefaultTime2Wait => LoginParamKey::DefaultTime2Wait,
        LoginParam::DefaultTime2Retain => LoginParamKey::DefaultTime2Retain,
        LoginParam::MaxOutstandingR2T => LoginParamKey::MaxOutstandingR2T,
        LoginParam::ErrorRecoveryLevel => LoginParamKey::ErrorRecoveryLevel,
        LoginParam::MaxConnections => LoginParamKey::MaxConnections,
        LoginParam::InitialR2T => LoginParamKey::InitialR2T,
        LoginParam::ImmediateData => LoginParamKey::ImmediateData,
        LoginParam::DataPduInOrder => LoginParamKey::DataPduInOrder,
        LoginParam::DataSequenceInOrder => LoginParamKey::DataSequenceInOrder,
    }
}

fn param_value(value: iscsi_hba::LoginParam) -> ParamValue {
    match (value.as_u32(), value.as_bool()) {
        (Some(n), _) => ParamValue::Number(n),
        (None, b) => ParamValue::Bool(b.unwrap_or_default()),
    }
}

/// The engine's typed value of `key`; a number for a boolean key (or the reverse) is
/// INVALID_PARAMETER.
fn engine_param(key: LoginParamKey, value: ParamValue) -> Result<iscsi_hba::LoginParam> {
    use iscsi_hba::LoginParam as P;
    let bad = || PluginError::Status(ImaStatus::ERROR_INVALID_PARAMETER);
    let n = || match value {
        ParamValue::Number(n) => Ok(n),
        ParamValue::Bool(_) => Err(bad()),
    };
    let b = || match value {
        ParamValue::Bool(b) => Ok(b),
        ParamValue::Number(_) => Err(bad()),
    };
    Ok(match key {
        LoginParamKey::FirstBurstLength => P::FirstBurstLength(n()?),
        LoginParamKey::MaxBurstLength => P::MaxBurstLength(n()?),
        LoginParamKey::MaxRecvDataSegmentLength => P::MaxRecvDataSegmentLength(n()?),
        LoginParamKey::DefaultTime2Wait => P::DefaultTime2Wait(n()?),
        LoginParamKey::DefaultTime2Retain => P::DefaultTime2Retain(n()?),
        LoginParamKey::MaxOutstandingR2T => P::MaxOutstandingR2T(n()?),
        LoginParamKey::ErrorRecoveryLevel => P::ErrorRecoveryLevel(n()?),
        LoginParamKey::MaxConnections => P::MaxConnections(n()?),
        LoginParamKey::InitialR2T => P::InitialR2T(b()?),
        LoginParamKey::ImmediateData => P::ImmediateData(b()?),
        LoginParamKey::DataPduInOrder => P::DataPduInOrder(b()?),
        LoginParamKey::DataSequenceInOrder => P::DataSequenceInOrder(b()?),
    })
}

fn digest_of(d: iscsi_hba::Digest) -> Digest {
    match d {
        iscsi_hba::Digest::Crc32c => Digest::Crc32c,
        iscsi_hba::Digest::None => Digest::None,
    }
}

fn engine_digest(d: Digest) -> iscsi_hba::Digest {
    match d {
        Digest::None => iscsi_hba::Digest::None,
        Digest::Crc32c => iscsi_hba::Digest::Crc32c,
    }
}

fn port_status(link: LinkState) -> PortStatus {
    match link {
        LinkState::Up => PortStatus::Working,
        LinkState::Down => PortStatus::Disconnected,
        _ => PortStatus::Degraded,
    }
}

impl Backend for EngineBackend {
    fn plugin_info(&self) -> Result<PluginInfo> {
        Ok(null::plugin_info())
    }

    fn exists(&self, object: ObjectRef) -> bool {
        let Ok(id) = to_id(object) else {
            return false;
        };
        let e = &self.engine;
        match id.kind {
            ObjectKind::Phba | ObjectKind::Lhba | ObjectKind::Node => {
                id.seq == ObjectId::SINGLETON_SEQ
            }
            ObjectKind::Lnp => e.lnps().iter().any(|(i, _)| *i == id),
            ObjectKind::Pnp => e.pnps().iter().any(|(i, _)| *i == id),
            ObjectKind::NetworkPortal => e.network_portals().iter().any(|(i, _)| *i == id),
            ObjectKind::DiscoveryAddress => e.discovery_address(id).is_some(),
            ObjectKind::StaticTarget => e.static_target(id).is_some(),
            ObjectKind::Target => e.target(id).is_some(),
            ObjectKind::Lu => e.lu(id).is_some(),
            ObjectKind::Session => e.session_info(id).is_some(),
            ObjectKind::Connection => e.connection_info(id).is_some(),
        }
    }

    fn lhbas(&self) -> Result<Vec<ObjectRef>> {
        Ok(vec![null::LHBA])
    }

    fn phbas(&self) -> Result<Vec<ObjectRef>> {
        Ok(vec![null::PHBA])
    }

    fn non_shared_nodes(&self) -> Result<Vec<ObjectRef>> {
        Ok(Vec::new())
    }

    fn lnps(&self) -> Result<Vec<ObjectRef>> {
        Ok(self
            .engine
            .lnps()
            .into_iter()
            .map(|(id, _)| to_ref(id))
            .collect())
    }

    fn lhba_properties(&self, lhba: ObjectRef) -> Result<LhbaInfo> {
        let mut info = NullBackend.lhba_properties(lhba)?;
        info.os_device_name = self.engine.lhba().os_device_name;
        info.stale_data_removable = true;
        // IMA_ExposeLu serves the LU as an NBD export (docs/nbd.md).
        info.lu_exposing_supported = true;
        info.stale_data_size = u32::try_from(self.engine.stale_targets().len()).unwrap_or(u32::MAX);
        Ok(info)
    }

    fn phba_properties(&self, phba: ObjectRef) -> Result<PhbaInfo> {
        let p = self.engine.phba();
        let mut info = NullBackend.phba_properties(phba)?;
        info.vendor = p.vendor;
        info.model = p.model;
        info.description = p.description;
        info.driver_name = p.driver_name;
        info.driver_version = p.driver_version;
        info.maximum_cdb_length = p.max_cdb_length;
        Ok(info)
    }

    fn phba_working(&self, phba: ObjectRef) -> Result<bool> {
        NullBackend.phba_working(phba)
    }

    fn node_properties(&self) -> Result<NodeInfo> {
        let node = self.engine.node();
        Ok(NodeInfo {
            name: Some(node.name),
            alias: node.alias,
            initiator: true,
            target: false,
            name_and_alias_settable: true,
        })
    }

    fn set_node_name(&self, name: &str) -> Result<Applied> {
        self.engine
            .set_node_name(name.to_owned())
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn set_node_alias(&self, alias: Option<&str>) -> Result<Applied> {
        self.engine
            .set_node_alias(alias.map(str::to_owned))
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn discovery_properties(&self, owner: ObjectRef) -> Result<DiscoveryInfo> {
        self.check_hba(owner)?;
        let d = self.engine.discovery();
        Ok(DiscoveryInfo {
            static_settable: true,
            static_enabled: d.static_enabled,
            send_targets_settable: true,
            send_targets_enabled: d.send_targets_enabled,
            isns_settable: true,
            isns_enabled: d.isns_enabled,
            // IMA_ISNS_DISCOVERY_METHOD_STATIC: the server is configured, not looked up.
            isns_method: 0,
            isns_host: self.engine.isns_server().map(|s| match s.host.parse() {
                Ok(ip) => Host::Ip(ip),
                Err(_) => Host::Name(s.host),
            }),
            ..DiscoveryInfo::default()
        })
    }

    fn set_discovery(
        &self,
        owner: ObjectRef,
        method: DiscoveryMethod,
        enabled: bool,
    ) -> Result<Applied> {
        self.check_hba(owner)?;
        match method {
            DiscoveryMethod::Static => self.engine.set_static_discovery(enabled),
            DiscoveryMethod::SendTargets => self.engine.set_send_targets_discovery(enabled),
            DiscoveryMethod::Isns { method: 0, host } => {
                let server = isns_server(host.as_ref(), self.engine.isns_server())?;
                self.engine.set_isns_discovery(enabled, server)
            }
            DiscoveryMethod::Slp | DiscoveryMethod::Isns { .. } => {
                return Err(PluginError::NotSupported);
            }
        }
        .map_err(engine_error)?;
        *self
            .discovered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        Ok(Applied::Now)
    }

    fn add_discovery_address(&self, owner: ObjectRef, address: &TargetAddr) -> Result<ObjectRef> {
        self.check_lhba(owner)?;
        let id = self
            .engine
            .add_discovery_address(to_portal(address))
            .map_err(engine_error)?;
        Ok(to_ref(id))
    }

    fn remove_discovery_address(&self, address: ObjectRef) -> Result<()> {
        self.engine
            .remove_discovery_address(to_id(address)?)
            .map_err(engine_error)
    }

    fn discovery_addresses(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        self.check_lhba(owner)?;
        // Another process may have changed the list: read the state file again.
        self.engine.reload().map_err(engine_error)?;
        Ok(self
            .engine
            .discovery_addresses()
            .into_iter()
            .map(|(id, _)| to_ref(id))
            .collect())
    }

    fn discovery_address_properties(&self, address: ObjectRef) -> Result<DiscoveryAddressInfo> {
        let portal = self
            .engine
            .discovery_address(to_id(address)?)
            .ok_or(PluginError::ObjectNotFound)?;
        Ok(DiscoveryAddressInfo {
            owner: null::LHBA,
            address: to_target_addr(&portal),
        })
    }

    fn add_static_target(&self, owner: ObjectRef, target: &StaticTarget) -> Result<ObjectRef> {
        self.check_lhba(owner)?;
        let id = self
            .engine
            .add_static_target(target.name.clone(), to_portal(&target.address))
            .map_err(engine_error)?;
        Ok(to_ref(id))
    }

    fn remove_static_target(&self, target: ObjectRef) -> Result<()> {
        self.engine
            .remove_static_target(to_id(target)?)
            .map_err(engine_error)
    }

    fn static_targets(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        self.check_lhba(owner)?;
        self.engine.reload().map_err(engine_error)?;
        Ok(self
            .engine
            .static_targets()
            .into_iter()
            .map(|(id, _)| to_ref(id))
            .collect())
    }

    fn static_target_properties(&self, target: ObjectRef) -> Result<StaticTargetInfo> {
        let t = self
            .engine
            .static_target(to_id(target)?)
            .ok_or(PluginError::ObjectNotFound)?;
        Ok(StaticTargetInfo {
            owner: null::LHBA,
            target: StaticTarget {
                name: t.name,
                address: to_target_addr(&t.portal),
            },
        })
    }

    fn targets(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        match owner.kind {
            ObjectType::LHBA => self.check_lhba(owner)?,
            _ => {
                if !self.exists(owner) {
                    return Err(PluginError::ObjectNotFound);
                }
            }
        }
        self.discover()?;
        Ok(self
            .engine
            .targets()
            .into_iter()
            .map(|(id, _)| to_ref(id))
            .collect())
    }

    fn target_properties(&self, target: ObjectRef) -> Result<TargetInfo> {
        let t = self
            .engine
            .target(to_id(target)?)
            .ok_or(PluginError::ObjectNotFound)?;
        let mut flags = 0;
        if t.methods.static_ {
            flags |= TargetDiscoveryMethod::STATIC.0;
        }
        if t.methods.send_targets {
            flags |= TargetDiscoveryMethod::SENDTARGETS.0;
        }
        if t.methods.isns {
            flags |= TargetDiscoveryMethod::ISNS.0;
        }
        Ok(TargetInfo {
            lhba: Some(null::LHBA),
            name: t.name,
            alias: t.alias,
            discovery_method_flags: flags,
            send_targets_settable: false,
            send_targets_enabled: false,
        })
    }

    fn target_address_keys(&self, target: ObjectRef) -> Result<Vec<SocketAddr>> {
        let t = self
            .engine
            .target(to_id(target)?)
            .ok_or(PluginError::ObjectNotFound)?;
        // IMA address keys hold IP addresses: a DNS name is left out.
        Ok(t.addresses
            .iter()
            .filter_map(|p| match &p.host {
                PortalHost::Ipv4(ip) => Some(SocketAddr::from((*ip, p.port))),
                PortalHost::Ipv6 { addr, .. } => Some(SocketAddr::from((*addr, p.port))),
                PortalHost::Name(_) => None,
            })
            .collect())
    }

    fn lus(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        let targets = match owner.kind {
            ObjectType::LHBA => {
                self.check_lhba(owner)?;
                self.discover()?;
                self.engine
                    .targets()
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect()
            }
            _ => vec![to_id(owner)?],
        };
        let mut all = Vec::new();
        for target in targets {
            match self.lu_ids(target) {
                Ok(ids) => all.extend(ids.into_iter().map(to_ref)),
                // One unreachable target does not hide the others' LUs from the LHBA.
                Err(e) if owner.kind == ObjectType::LHBA => {
                    tracing::warn!(%target, error = %e, "LUs of a target could not be listed");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(all)
    }

    fn lu_by_lun(&self, target: ObjectRef, lun: u64) -> Result<ObjectRef> {
        let target = to_id(target)?;
        self.block(self.engine.lus(target))?
            .into_iter()
            .find(|(_, info)| info.lun == lun)
            .map(|(id, _)| to_ref(id))
            .ok_or(PluginError::ObjectNotFound)
    }

    fn lu_properties(&self, lu: ObjectRef) -> Result<LuInfo> {
        let (target, info) = self
            .engine
            .lu(to_id(lu)?)
            .ok_or(PluginError::ObjectNotFound)?;
        let export = self.engine.exposed(to_id(lu)?);
        Ok(LuInfo {
            target: to_ref(target),
            lun: info.lun,
            exposed_to_os: export.is_some(),
            time_exposed_to_os: export.as_ref().map(|e| e.since),
            // IMA's osDeviceName holds 63 characters: the URI when it fits, else the name.
            os_device_name: export.as_ref().map(|e| {
                if e.uri.chars().count() <= MAX_OS_DEVICE_NAME {
                    e.uri.clone()
                } else {
                    e.name.clone()
                }
            }),
            export_uri: export.map(|e| e.uri),
            os_parallel_ids: None,
        })
    }

    fn expose_lu(&self, lu: ObjectRef) -> Result<String> {
        let id = to_id(lu)?;
        if self.engine.exposed(id).is_some() {
            return Err(PluginError::Status(ImaStatus::ERROR_LU_EXPOSED));
        }
        self.block(self.engine.expose_lu(id, ExposeOptions::default()))
            .map(|info| info.uri)
    }

    fn unexpose_lu(&self, lu: ObjectRef, force: bool) -> Result<()> {
        let id = to_id(lu)?;
        if self.engine.exposed(id).is_none() {
            return Err(PluginError::Status(ImaStatus::ERROR_LU_NOT_EXPOSED));
        }
        self.engine.unexpose_lu(id, force).map_err(engine_error)
    }

    fn lu_inquiry(
        &self,
        device: ObjectRef,
        evpd: bool,
        cmddt: bool,
        page_code: u8,
        allocation_length: usize,
    ) -> Result<ScsiReply> {
        if cmddt {
            // CmdDt is obsolete since SPC-3.
            return Err(PluginError::NotSupported);
        }
        let len = u32::try_from(allocation_length.min(0xffff)).unwrap_or(0xffff);
        let device = to_id(device)?;
        self.block(self.engine.inquiry(device, evpd, page_code, len))
            .map(reply)
    }

    fn lu_read_capacity(
        &self,
        device: ObjectRef,
        cdb_length: u8,
        allocation_length: usize,
    ) -> Result<ScsiReply> {
        let len = u32::try_from(allocation_length).unwrap_or(u32::MAX);
        let device = to_id(device)?;
        self.block(self.engine.read_capacity(device, cdb_length, len))
            .map(reply)
    }

    fn lu_report_luns(
        &self,
        device: ObjectRef,
        to_well_known_lun: bool,
        select_report: u8,
        allocation_length: usize,
    ) -> Result<ScsiReply> {
        if to_well_known_lun {
            return Err(PluginError::NotSupported);
        }
        let len = u32::try_from(allocation_length).unwrap_or(u32::MAX);
        let device = to_id(device)?;
        self.block(self.engine.report_luns(device, select_report, len))
            .map(reply)
    }

    fn pnps(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        let owner_id = to_id(owner)?;
        if !self.exists(owner) {
            return Err(PluginError::ObjectNotFound);
        }
        Ok(self
            .engine
            .pnps()
            .into_iter()
            .filter(|(_, p)| p.phba == owner_id || p.lnp == owner_id)
            .map(|(id, _)| to_ref(id))
            .collect())
    }

    fn pnp_properties(&self, pnp: ObjectRef) -> Result<PnpInfo> {
        let id = to_id(pnp)?;
        let (_, p) = self
            .engine
            .pnps()
            .into_iter()
            .find(|(i, _)| *i == id)
            .ok_or(PluginError::ObjectNotFound)?;
        let rate = p
            .speed_mbps
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(0);
        Ok(PnpInfo {
            phba: to_ref(p.phba),
            mac: p.mac.unwrap_or_default(),
            mac_settable: false,
            maximum_transfer_rate: rate,
            current_transfer_rate: rate,
            maximum_frame_size: p.mtu.unwrap_or(0),
        })
    }

    fn lnp_properties(&self, lnp: ObjectRef) -> Result<LnpInfo> {
        let id = to_id(lnp)?;
        let (_, l) = self
            .engine
            .lnps()
            .into_iter()
            .find(|(i, _)| *i == id)
            .ok_or(PluginError::ObjectNotFound)?;
        Ok(LnpInfo {
            mac: l.mac.unwrap_or_default(),
            mac_settable: false,
        })
    }

    fn network_portals(&self, lnp: ObjectRef) -> Result<Vec<ObjectRef>> {
        let id = to_id(lnp)?;
        if !self.exists(lnp) {
            return Err(PluginError::ObjectNotFound);
        }
        Ok(self
            .engine
            .network_portals()
            .into_iter()
            .filter(|(_, p)| p.lnp == id)
            .map(|(i, _)| to_ref(i))
            .collect())
    }

    fn network_portal_properties(&self, portal: ObjectRef) -> Result<PortalInfo> {
        let id = to_id(portal)?;
        let (_, p) = self
            .engine
            .network_portals()
            .into_iter()
            .find(|(i, _)| *i == id)
            .ok_or(PluginError::ObjectNotFound)?;
        Ok(PortalInfo {
            lnp: to_ref(p.lnp),
            ip: p.address,
        })
    }

    fn network_port_status(&self, port: ObjectRef) -> Result<PortStatus> {
        let id = to_id(port)?;
        let link = match id.kind {
            ObjectKind::Lnp => self
                .engine
                .lnps()
                .into_iter()
                .find(|(i, _)| *i == id)
                .map(|(_, l)| l.link),
            _ => self
                .engine
                .pnps()
                .into_iter()
                .find(|(i, _)| *i == id)
                .map(|(_, p)| p.link),
        };
        link.map(port_status).ok_or(PluginError::ObjectNotFound)
    }

    fn login_param(&self, object: ObjectRef, param: LoginParam) -> Result<LoginParamInfo> {
        let key = param_key(param);
        let params = self
            .engine
            .login_params(to_id(object)?)
            .map_err(engine_error)?;
        Ok(LoginParamInfo {
            settable: key.settable(),
            current: param_value(params.get(key)),
            default: param_value(key.default_value()),
            range: key.range(),
        })
    }

    fn set_login_param(
        &self,
        object: ObjectRef,
        param: LoginParam,
        value: ParamValue,
    ) -> Result<Applied> {
        let value = engine_param(param_key(param), value)?;
        self.engine
            .set_login_param(to_id(object)?, value)
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn supported_auth_methods(&self, lhba: ObjectRef, _settable: bool) -> Result<Vec<AuthMethod>> {
        self.check_lhba(lhba)?;
        Ok(self.engine.supported_auth_methods())
    }

    fn auth_methods(&self, lhba: ObjectRef) -> Result<Vec<AuthMethod>> {
        self.check_lhba(lhba)?;
        Ok(self.engine.auth_methods())
    }

    fn set_auth_methods(&self, lhba: ObjectRef, methods: &[AuthMethod]) -> Result<Applied> {
        self.check_lhba(lhba)?;
        self.engine
            .set_auth_methods(methods)
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn chap(&self, object: ObjectRef, role: ChapRole) -> Result<Option<ChapInfo>> {
        self.engine.chap(to_id(object)?, role).map_err(engine_error)
    }

    fn set_chap(
        &self,
        object: ObjectRef,
        role: ChapRole,
        name: String,
        secret: Option<ChapSecret>,
        enabled: Option<bool>,
    ) -> Result<Applied> {
        self.engine
            .set_chap(to_id(object)?, role, name, secret, enabled)
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn set_chap_enabled(
        &self,
        object: ObjectRef,
        role: ChapRole,
        enabled: bool,
    ) -> Result<Applied> {
        self.engine
            .set_chap_enabled(to_id(object)?, role, enabled)
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn remove_chap(&self, object: ObjectRef, role: ChapRole, name: &str) -> Result<Applied> {
        self.engine
            .remove_chap(to_id(object)?, role, name)
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn digest_settable(&self, object: ObjectRef) -> Result<(bool, bool)> {
        self.engine
            .digests(to_id(object)?, DigestKind::Header)
            .map_err(engine_error)?;
        Ok((true, true))
    }

    fn digests(&self, object: ObjectRef, kind: DigestKind) -> Result<Vec<Digest>> {
        Ok(self
            .engine
            .digests(to_id(object)?, kind)
            .map_err(engine_error)?
            .into_iter()
            .map(digest_of)
            .collect())
    }

    fn set_digests(
        &self,
        object: ObjectRef,
        kind: DigestKind,
        digests: &[Digest],
    ) -> Result<Applied> {
        let digests: Vec<iscsi_hba::Digest> = digests.iter().map(|d| engine_digest(*d)).collect();
        self.engine
            .set_digests(to_id(object)?, kind, &digests)
            .map_err(engine_error)?;
        Ok(Applied::Now)
    }

    fn shutdown(&self) {
        let engine = self.engine.clone();
        let _ = self.block(async move {
            engine.shutdown().await;
            Ok(())
        });
        // The event stream has ended; the thread finishes the callbacks under way. It is
        // not joined without bound: a callback may be blocked on a library lock held by
        // the thread calling Terminate (docs/ima-notes.md §3.8).
        let thread = self
            .event_thread
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let deadline = Instant::now() + EVENT_THREAD_GRACE;
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                tracing::warn!("the event thread is still in a callback; left running");
            }
        }
    }

    fn sessions(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        let ids = match owner.kind {
            ObjectType::LHBA => {
                self.check_lhba(owner)?;
                self.engine
                    .sessions()
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect()
            }
            _ => self
                .engine
                .target_sessions(to_id(owner)?)
                .map_err(engine_error)?,
        };
        Ok(ids.into_iter().map(to_ref).collect())
    }

    fn session_properties(&self, session: ObjectRef) -> Result<SessionInfo> {
        let s = self
            .engine
            .session_info(to_id(session)?)
            .ok_or(PluginError::ObjectNotFound)?
            .snapshot;
        let p = &s.params;
        Ok(SessionInfo {
            lhba: Some(null::LHBA),
            chap: matches!(s.auth, AuthUsed::Chap { .. }),
            data_pdu_in_order: p.data_pdu_in_order,
            data_sequence_in_order: p.data_sequence_in_order,
            default_time2retain: p.default_time2retain,
            default_time2wait: p.default_time2wait,
            error_recovery_level: u16::from(p.error_recovery_level),
            first_burst_length: p.first_burst_length,
            immediate_data: p.immediate_data,
            initial_r2t: p.initial_r2t,
            isid: s.isid.0,
            max_burst_length: p.max_burst_length,
            max_connections: p.max_connections,
            max_outstanding_r2t: p.max_outstanding_r2t,
            target_portal_group_tag: p.target_portal_group_tag.or(s.portal.tpgt).unwrap_or(0),
            tsih: s.tsih.0,
        })
    }

    fn connections(&self, session: ObjectRef) -> Result<Vec<ObjectRef>> {
        Ok(self
            .engine
            .connections(to_id(session)?)
            .map_err(engine_error)?
            .into_iter()
            .map(to_ref)
            .collect())
    }

    fn connection_properties(&self, connection: ObjectRef) -> Result<ConnectionInfo> {
        let c = self
            .engine
            .connection_info(to_id(connection)?)
            .ok_or(PluginError::ObjectNotFound)?;
        let p = &c.snapshot.params;
        Ok(ConnectionInfo {
            session: to_ref(c.session),
            connection_id: c.snapshot.cid.0,
            header_digest: p.header_digest == iscsi_hba::Digest::Crc32c,
            data_digest: p.data_digest == iscsi_hba::Digest::Crc32c,
            max_recv_data_segment_length: p.initiator_max_recv_data_segment_length,
            max_transmit_data_segment_length: p.target_max_recv_data_segment_length,
        })
    }

    fn session_addresses(&self, session: ObjectRef) -> Result<SessionAddresses> {
        let s = self
            .engine
            .session_info(to_id(session)?)
            .ok_or(PluginError::ObjectNotFound)?
            .snapshot;
        Ok(SessionAddresses {
            local: s.local_addr,
            remote: s.remote_addr,
        })
    }

    fn login_target(&self, target: ObjectRef) -> Result<ObjectRef> {
        let target = self.target_id(target)?;
        Ok(to_ref(self.block(self.engine.login(target))?))
    }

    fn logout_target(&self, target: ObjectRef) -> Result<u64> {
        let target = self.target_id(target)?;
        let closed = self.block(self.engine.logout(target))?;
        Ok(closed as u64)
    }

    fn auto_login(&self) -> Result<AutoLogin> {
        let a = self.engine.auto_login();
        Ok(AutoLogin {
            static_targets: a.static_targets,
            send_targets: a.send_targets,
        })
    }

    fn set_auto_login(&self, auto: AutoLogin) -> Result<()> {
        self.engine
            .set_auto_login(iscsi_hba::AutoLogin {
                static_targets: auto.static_targets,
                send_targets: auto.send_targets,
            })
            .map_err(engine_error)
    }

    fn rescan(&self) -> Result<RescanSummary> {
        let r = self.block(self.engine.rescan())?;
        let n = |v: usize| v as u64;
        Ok(RescanSummary {
            targets: n(r.targets),
            sessions: n(r.sessions),
            logged_in: n(r.logged_in.len()),
            login_failures: n(r.login_failures.len()),
            discovery_failures: n(r.discovery_failures.len()),
        })
    }

    fn remove_stale_data(&self, lhba: ObjectRef) -> Result<()> {
        self.check_lhba(lhba)?;
        self.block(self.engine.remove_stale_data()).map(|_| ())
    }

    fn commit_parameters(&self, hba: ObjectRef) -> Result<()> {
        self.check_hba(hba)
    }

    fn statistics_properties(&self, object: ObjectRef) -> Result<(bool, bool)> {
        if object.kind == ObjectType::PNP {
            // Port counters are always kept and cannot be turned off.
            return if self.exists(object) {
                Ok((false, true))
            } else {
                Err(PluginError::ObjectNotFound)
            };
        }
        let enabled = self
            .engine
            .statistics_enabled(to_id(object)?)
            .map_err(engine_error)?;
        Ok((true, enabled))
    }

    fn set_statistics(&self, object: ObjectRef, enabled: bool) -> Result<()> {
        self.engine
            .set_statistics(to_id(object)?, enabled)
            .map_err(engine_error)
    }

    fn device_statistics(&self, object: ObjectRef) -> Result<DeviceStats> {
        let s = self
            .engine
            .device_stats(to_id(object)?)
            .map_err(engine_error)?;
        let pdus = s.pdus.unwrap_or_default();
        Ok(DeviceStats {
            scsi_bytes_sent: s.bytes_written,
            scsi_bytes_received: s.bytes_read,
            pdu_bytes_sent: pdus.bytes_out,
            pdu_bytes_received: pdus.bytes_in,
            // An LU's PDUs are not counted apart from its target's, except the command
            // PDUs: pass-through commands send no data, so one PDU each.
            pdus_sent: if s.pdus.is_some() {
                pdus.pdus_out
            } else {
                s.commands
            },
            pdus_received: pdus.pdus_in,
        })
    }

    fn target_error_statistics(&self, target: ObjectRef) -> Result<TargetErrors> {
        let e = self
            .engine
            .target_errors(to_id(target)?)
            .map_err(engine_error)?;
        Ok(TargetErrors {
            login_failed: e.login_failures.total(),
            session_failed: e.sessions_failed,
            digest: e.digest_errors,
            time_limit_exceeded: e.sessions_timed_out,
            format_error: e.format_errors,
            closed_for_timeout: e.connections_timed_out,
            last_login_failure: e.last_login_failure,
        })
    }

    fn pnp_statistics(&self, pnp: ObjectRef) -> Result<PnpStats> {
        let s = self.engine.port_stats(to_id(pnp)?).map_err(engine_error)?;
        Ok(PnpStats {
            bytes_sent: s.bytes_out,
            pdus_sent: s.pdus_out,
            bytes_received: s.bytes_in,
            pdus_received: s.pdus_in,
        })
    }
}

impl EngineBackend {
    /// The engine id of a TARGET object.
    fn target_id(&self, target: ObjectRef) -> Result<ObjectId> {
        if target.kind != ObjectType::TARGET {
            return Err(PluginError::ObjectNotFound);
        }
        to_id(target)
    }

    /// The LHBA (the owner of discovery addresses, static targets and targets).
    fn check_lhba(&self, owner: ObjectRef) -> Result<()> {
        if owner == null::LHBA {
            Ok(())
        } else {
            Err(PluginError::ObjectNotFound)
        }
    }

    /// The LHBA or the PHBA (discovery settings).
    fn check_hba(&self, owner: ObjectRef) -> Result<()> {
        if owner == null::LHBA || owner == null::PHBA {
            Ok(())
        } else {
            Err(PluginError::ObjectNotFound)
        }
    }
}

impl Backend for FailedBackend {
    fn plugin_info(&self) -> Result<PluginInfo> {
        Ok(null::plugin_info())
    }

    fn exists(&self, object: ObjectRef) -> bool {
        NullBackend.exists(object)
    }

    fn lhbas(&self) -> Result<Vec<ObjectRef>> {
        NullBackend.lhbas()
    }

    fn phbas(&self) -> Result<Vec<ObjectRef>> {
        NullBackend.phbas()
    }

    fn non_shared_nodes(&self) -> Result<Vec<ObjectRef>> {
        NullBackend.non_shared_nodes()
    }

    fn lnps(&self) -> Result<Vec<ObjectRef>> {
        NullBackend.lnps()
    }

    fn lhba_properties(&self, lhba: ObjectRef) -> Result<LhbaInfo> {
        NullBackend.lhba_properties(lhba)
    }

    fn phba_properties(&self, phba: ObjectRef) -> Result<PhbaInfo> {
        NullBackend.phba_properties(phba)
    }

    fn phba_working(&self, _phba: ObjectRef) -> Result<bool> {
        // The HBA exists but its engine is down.
        Ok(false)
    }

    fn node_properties(&self) -> Result<NodeInfo> {
        Err(self.failed())
    }

    fn discovery_properties(&self, _owner: ObjectRef) -> Result<DiscoveryInfo> {
        Err(self.failed())
    }

    fn add_discovery_address(&self, _owner: ObjectRef, _address: &TargetAddr) -> Result<ObjectRef> {
        Err(self.failed())
    }

    fn discovery_addresses(&self, _owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(self.failed())
    }

    fn add_static_target(&self, _owner: ObjectRef, _target: &StaticTarget) -> Result<ObjectRef> {
        Err(self.failed())
    }

    fn static_targets(&self, _owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(self.failed())
    }

    fn targets(&self, _owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(self.failed())
    }

    fn lus(&self, _owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(self.failed())
    }

    fn login_param(&self, _object: ObjectRef, _param: LoginParam) -> Result<LoginParamInfo> {
        Err(self.failed())
    }

    fn set_login_param(
        &self,
        _object: ObjectRef,
        _param: LoginParam,
        _value: ParamValue,
    ) -> Result<Applied> {
        Err(self.failed())
    }

    fn supported_auth_methods(&self, _lhba: ObjectRef, _settable: bool) -> Result<Vec<AuthMethod>> {
        Err(self.failed())
    }

    fn auth_methods(&self, _lhba: ObjectRef) -> Result<Vec<AuthMethod>> {
        Err(self.failed())
    }

    fn set_auth_methods(&self, _lhba: ObjectRef, _methods: &[AuthMethod]) -> Result<Applied> {
        Err(self.failed())
    }

    fn chap(&self, _object: ObjectRef, _role: ChapRole) -> Result<Option<ChapInfo>> {
        Err(self.failed())
    }

    fn set_chap(
        &self,
        _object: ObjectRef,
        _role: ChapRole,
        _name: String,
        _secret: Option<ChapSecret>,
        _enabled: Option<bool>,
    ) -> Result<Applied> {
        Err(self.failed())
    }

    fn set_chap_enabled(
        &self,
        _object: ObjectRef,
        _role: ChapRole,
        _enabled: bool,
    ) -> Result<Applied> {
        Err(self.failed())
    }

    fn remove_chap(&self, _object: ObjectRef, _role: ChapRole, _name: &str) -> Result<Applied> {
        Err(self.failed())
    }

    fn digest_settable(&self, _object: ObjectRef) -> Result<(bool, bool)> {
        Err(self.failed())
    }

    fn digests(&self, _object: ObjectRef, _kind: DigestKind) -> Result<Vec<Digest>> {
        Err(self.failed())
    }

    fn set_digests(
        &self,
        _object: ObjectRef,
        _kind: DigestKind,
        _digests: &[Digest],
    ) -> Result<Applied> {
        Err(self.failed())
    }
}

impl FailedBackend {
    fn failed(&self) -> PluginError {
        PluginError::Engine(self.reason.clone())
    }
}
