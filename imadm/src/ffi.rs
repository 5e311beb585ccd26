//! The only module with `unsafe` code: loading the IMA library with `libloading`, calling
//! its exports through the prototypes of `ima.h` (those of `ima_abi::plugin_api`, which
//! the library exports under the same names), copying what they return into Rust values,
//! freeing every list with `IMA_FreeMemory`; and three process-level helpers: setting the
//! environment before the library is loaded, catching SIGINT, and reading a secret from
//! the terminal with echo off.
//!
//! Everything else in imadm is safe Rust over [`Ima`].

use std::ffi::{c_int, c_void};
use std::io::{self, BufRead, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use ima_abi::list::counted_slice;
use ima_abi::plugin_api as api;
use ima_abi::{
    AddressKey, AddressKeys, AuthMethod, BoolValue, ChapInitiatorAuthParms, ConnectionProperties,
    DeviceStatistics, DigestType, DiscoveryAddressProperties, DiscoveryProperties, IMA_FALSE,
    IMA_TRUE, ImaBool, ImaStatus, ImaUint, InitiatorAuthParms, LhbaProperties, LibraryProperties,
    LnpProperties, LuProperties, MinMaxValue, NetworkPortStatus, NetworkPortalProperties,
    NodeProperties, ObjectPropertyFn, ObjectVisibilityFn, Oid, OidList, PhbaProperties, PhbaStatus,
    PluginProperties, PnpProperties, PnpStatistics, SessionProperties, StaticDiscoveryTarget,
    StaticDiscoveryTargetProperties, StatisticsProperties, TargetAddress, TargetErrorStatistics,
    TargetProperties,
};
use zeroize::Zeroizing;

use crate::error::{ImaError, LoadError};
use crate::params::Param;

type Result<T> = std::result::Result<T, ImaError>;

/// Longest list copied out of the library (far above anything a plugin returns).
const MAX_LIST: usize = 1 << 20;

/// `IMA_GetLibraryProperties` (a library call, not a plugin entry point).
type GetLibraryPropertiesFn = unsafe extern "C" fn(*mut LibraryProperties) -> ImaStatus;
/// `IMA_GetPluginOidList`.
type GetPluginOidListFn = unsafe extern "C" fn(*mut *mut OidList) -> ImaStatus;
/// `IMA_GetAssociatedPluginOid`.
type GetAssociatedPluginOidFn = unsafe extern "C" fn(Oid, *mut Oid) -> ImaStatus;
/// `IMA_GetSharedNodeOid`.
type GetSharedNodeOidFn = unsafe extern "C" fn(*mut Oid) -> ImaStatus;

macro_rules! exports {
    ($($name:ident: $ty:ty,)*) => {
        /// The library's exports imadm calls, resolved once at load.
        #[allow(non_snake_case)]
        struct Exports {
            $($name: $ty,)*
        }

        impl Exports {
            fn resolve(lib: &'static libloading::Library, path: &Path) -> std::result::Result<Self, LoadError> {
                Ok(Self {
                    $($name: {
                        // SAFETY: `$ty` is the C prototype ima.h declares for this export
                        // (ima_abi::plugin_api lists the same prototypes); the library is
                        // never unloaded (it is leaked), so the pointer stays valid.
                        let symbol = unsafe {
                            lib.get::<$ty>(concat!(stringify!($name), "\0").as_bytes())
                        }
                        .map_err(|source| LoadError::Symbol {
                            path: path.to_path_buf(),
                            name: stringify!($name),
                            source,
                        })?;
                        *symbol
                    },)*
                })
            }
        }
    };
}

exports! {
    IMA_GetLibraryProperties: GetLibraryPropertiesFn,
    IMA_GetPluginOidList: GetPluginOidListFn,
    IMA_GetPluginProperties: api::IMA_GetPluginProperties,
    IMA_GetAssociatedPluginOid: GetAssociatedPluginOidFn,
    IMA_PluginIOCtl: api::IMA_PluginIOCtl,
    IMA_FreeMemory: api::IMA_FreeMemory,
    IMA_GetSharedNodeOid: GetSharedNodeOidFn,
    IMA_GetNodeProperties: api::IMA_GetNodeProperties,
    IMA_SetNodeName: api::IMA_SetNodeName,
    IMA_SetNodeAlias: api::IMA_SetNodeAlias,
    IMA_GetLhbaOidList: api::IMA_GetLhbaOidList,
    IMA_GetLhbaProperties: api::IMA_GetLhbaProperties,
    IMA_GetPhbaOidList: api::IMA_GetPhbaOidList,
    IMA_GetPhbaProperties: api::IMA_GetPhbaProperties,
    IMA_GetPhbaStatus: api::IMA_GetPhbaStatus,
    IMA_GetLnpOidList: api::IMA_GetLnpOidList,
    IMA_GetLnpProperties: api::IMA_GetLnpProperties,
    IMA_GetPnpOidList: api::IMA_GetPnpOidList,
    IMA_GetPnpProperties: api::IMA_GetPnpProperties,
    IMA_GetPnpStatistics: api::IMA_GetPnpStatistics,
    IMA_GetNetworkPortStatus: api::IMA_GetNetworkPortStatus,
    IMA_GetNetworkPortalOidList: api::IMA_GetNetworkPortalOidList,
    IMA_GetNetworkPortalProperties: api::IMA_GetNetworkPortalProperties,
    IMA_GetDiscoveryProperties: api::IMA_GetDiscoveryProperties,
    IMA_SetStaticDiscovery: api::IMA_SetStaticDiscovery,
    IMA_SetSendTargetsDiscovery: api::IMA_SetSendTargetsDiscovery,
    IMA_SetIsnsDiscovery: api::IMA_SetIsnsDiscovery,
    IMA_AddDiscoveryAddress: api::IMA_AddDiscoveryAddress,
    IMA_RemoveDiscoveryAddress: api::IMA_RemoveDiscoveryAddress,
    IMA_GetDiscoveryAddressOidList: api::IMA_GetDiscoveryAddressOidList,
    IMA_GetDiscoveryAddressProperties: api::IMA_GetDiscoveryAddressProperties,
    IMA_AddStaticDiscoveryTarget: api::IMA_AddStaticDiscoveryTarget,
    IMA_RemoveStaticDiscoveryTarget: api::IMA_RemoveStaticDiscoveryTarget,
    IMA_GetStaticDiscoveryTargetOidList: api::IMA_GetStaticDiscoveryTargetOidList,
    IMA_GetStaticDiscoveryTargetProperties: api::IMA_GetStaticDiscoveryTargetProperties,
    IMA_GetTargetOidList: api::IMA_GetTargetOidList,
    IMA_GetTargetProperties: api::IMA_GetTargetProperties,
    IMA_GetTargetErrorStatistics: api::IMA_GetTargetErrorStatistics,
    IMA_GetAddressKeys: api::IMA_GetAddressKeys,
    IMA_GetLuOidList: api::IMA_GetLuOidList,
    IMA_GetLuOid: api::IMA_GetLuOid,
    IMA_GetLuProperties: api::IMA_GetLuProperties,
    IMA_ExposeLu: api::IMA_ExposeLu,
    IMA_UnexposeLu: api::IMA_UnexposeLu,
    IMA_LuInquiry: api::IMA_LuInquiry,
    IMA_LuReadCapacity: api::IMA_LuReadCapacity,
    IMA_LuReportLuns: api::IMA_LuReportLuns,
    IMA_GetSessionOidList: api::IMA_GetSessionOidList,
    IMA_GetSessionProperties: api::IMA_GetSessionProperties,
    IMA_GetConnectionOidList: api::IMA_GetConnectionOidList,
    IMA_GetConnectionProperties: api::IMA_GetConnectionProperties,
    IMA_GetSupportedAuthMethods: api::IMA_GetSupportedAuthMethods,
    IMA_GetInUseInitiatorAuthMethods: api::IMA_GetInUseInitiatorAuthMethods,
    IMA_SetInitiatorAuthMethods: api::IMA_SetInitiatorAuthMethods,
    IMA_GetInitiatorAuthParms: api::IMA_GetInitiatorAuthParms,
    IMA_SetInitiatorAuthParms: api::IMA_SetInitiatorAuthParms,
    IMA_GetInitiatorLocalAuthParms: api::IMA_GetInitiatorLocalAuthParms,
    IMA_SetInitiatorLocalAuthParms: api::IMA_SetInitiatorLocalAuthParms,
    IMA_GetMutualLocalAuthParms: api::IMA_GetMutualLocalAuthParms,
    IMA_SetMutualLocalAuth: api::IMA_SetMutualLocalAuth,
    IMA_SetMutualLocalAuthParms: api::IMA_SetMutualLocalAuthParms,
    IMA_AddLhbaMutualAuthParms: api::IMA_AddLhbaMutualAuthParms,
    IMA_GetLhbaMutualAuthParmsList: api::IMA_GetLhbaMutualAuthParmsList,
    IMA_GetFirstBurstLengthProperties: api::IMA_GetFirstBurstLengthProperties,
    IMA_GetMaxBurstLengthProperties: api::IMA_GetMaxBurstLengthProperties,
    IMA_GetMaxRecvDataSegmentLengthProperties: api::IMA_GetMaxRecvDataSegmentLengthProperties,
    IMA_GetMaxConnectionsProperties: api::IMA_GetMaxConnectionsProperties,
    IMA_GetDefaultTime2RetainProperties: api::IMA_GetDefaultTime2RetainProperties,
    IMA_GetDefaultTime2WaitProperties: api::IMA_GetDefaultTime2WaitProperties,
    IMA_GetMaxOutstandingR2TProperties: api::IMA_GetMaxOutstandingR2TProperties,
    IMA_GetErrorRecoveryLevelProperties: api::IMA_GetErrorRecoveryLevelProperties,
    IMA_GetInitialR2TProperties: api::IMA_GetInitialR2TProperties,
    IMA_GetImmediateDataProperties: api::IMA_GetImmediateDataProperties,
    IMA_GetDataPduInOrderProperties: api::IMA_GetDataPduInOrderProperties,
    IMA_GetDataSequenceInOrderProperties: api::IMA_GetDataSequenceInOrderProperties,
    IMA_SetFirstBurstLength: api::IMA_SetFirstBurstLength,
    IMA_SetMaxBurstLength: api::IMA_SetMaxBurstLength,
    IMA_SetMaxRecvDataSegmentLength: api::IMA_SetMaxRecvDataSegmentLength,
    IMA_SetMaxConnections: api::IMA_SetMaxConnections,
    IMA_SetDefaultTime2Retain: api::IMA_SetDefaultTime2Retain,
    IMA_SetDefaultTime2Wait: api::IMA_SetDefaultTime2Wait,
    IMA_SetMaxOutstandingR2T: api::IMA_SetMaxOutstandingR2T,
    IMA_SetErrorRecoveryLevel: api::IMA_SetErrorRecoveryLevel,
    IMA_SetInitialR2T: api::IMA_SetInitialR2T,
    IMA_SetImmediateData: api::IMA_SetImmediateData,
    IMA_SetDataPduInOrder: api::IMA_SetDataPduInOrder,
    IMA_SetDataSequenceInOrder: api::IMA_SetDataSequenceInOrder,
    IMA_GetHeaderDigestValues: api::IMA_GetHeaderDigestValues,
    IMA_GetDataDigestValues: api::IMA_GetDataDigestValues,
    IMA_SetHeaderDigestValues: api::IMA_SetHeaderDigestValues,
    IMA_SetDataDigestValues: api::IMA_SetDataDigestValues,
    IMA_GetStatisticsProperties: api::IMA_GetStatisticsProperties,
    IMA_GetDeviceStatistics: api::IMA_GetDeviceStatistics,
    IMA_RegisterForObjectVisibilityChanges: api::IMA_RegisterForObjectVisibilityChanges,
    IMA_RegisterForObjectPropertyChanges: api::IMA_RegisterForObjectPropertyChanges,
}

/// The answer of a SCSI pass-through call that reached the LU: its IMA status (success or
/// one of the `IMA_ERROR_SCSI_STATUS_*`), the data and the sense bytes.
#[derive(Debug, Clone)]
pub struct ScsiReply {
    /// SUCCESS, CONDITION_MET or an `IMA_ERROR_SCSI_STATUS_*` error.
    pub status: ImaStatus,
    /// The data returned (cut to what the library reported).
    pub data: Vec<u8>,
    /// The sense bytes (CHECK CONDITION).
    pub sense: Vec<u8>,
}

/// The IMA library, loaded for the life of the process.
pub struct Ima {
    x: Exports,
    path: PathBuf,
}

/// Checks a status returned by the library (low 32 bits, docs/ima-notes.md §1.2).
fn check(call: &'static str, raw: ImaStatus) -> Result<ImaStatus> {
    let status = ImaStatus::from_plugin(raw.0);
    if status.is_error() {
        Err(ImaError { call, status })
    } else {
        Ok(status)
    }
}

fn ima_bool(value: bool) -> ImaBool {
    if value { IMA_TRUE } else { IMA_FALSE }
}

fn len_of(n: usize) -> ImaUint {
    ImaUint::try_from(n).unwrap_or(ImaUint::MAX)
}

impl Ima {
    /// Loads the library at `path` and resolves its exports. The library stays loaded until
    /// the process exits (its exit handler terminates the plugins then).
    ///
    /// # Errors
    ///
    /// The file cannot be loaded or lacks an export imadm uses.
    pub fn load(path: &Path) -> std::result::Result<Self, LoadError> {
        // SAFETY: loading runs the library's initialisers; libima.so has none that need
        // anything from us (it initialises itself on the first call, docs/ima-notes.md),
        // and the user chose the file (`--lib`) or it was built with imadm.
        let lib = unsafe { libloading::Library::new(path) }.map_err(|source| LoadError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        // Never unloaded: the resolved pointers live as long as the process, and the
        // library's exit handler terminates the plugins at exit.
        let lib: &'static libloading::Library = Box::leak(Box::new(lib));
        let x = Exports::resolve(lib, path)?;
        Ok(Self {
            x,
            path: path.to_path_buf(),
        })
    }

    /// The file loaded.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies a returned OID list and frees it.
    fn take_oids(&self, list: *mut OidList) -> Vec<Oid> {
        // SAFETY: `list` was returned by the library for this call (NULL is refused by
        // counted_slice); it holds `oidCount` OIDs and is freed only below.
        let oids = unsafe { counted_slice::<OidList, Oid>(list, MAX_LIST) }
            .map(<[Oid]>::to_vec)
            .unwrap_or_default();
        self.free(list.cast());
        oids
    }

    fn free(&self, memory: *mut c_void) {
        if memory.is_null() {
            return;
        }
        // SAFETY: `memory` was returned by this library and is freed once.
        let status = unsafe { (self.x.IMA_FreeMemory)(memory) };
        if let Err(e) = check("IMA_FreeMemory", status) {
            tracing::warn!(%e, "freeing a list failed");
        }
    }

    fn list0(
        &self,
        call: &'static str,
        f: unsafe extern "C" fn(*mut *mut OidList) -> ImaStatus,
    ) -> Result<Vec<Oid>> {
        let mut list = ptr::null_mut();
        // SAFETY: `f` has this prototype; `list` is a valid out-pointer.
        check(call, unsafe { f(&mut list) })?;
        Ok(self.take_oids(list))
    }

    fn list1(
        &self,
        call: &'static str,
        f: unsafe extern "C" fn(Oid, *mut *mut OidList) -> ImaStatus,
        oid: Oid,
    ) -> Result<Vec<Oid>> {
        let mut list = ptr::null_mut();
        // SAFETY: `f` has this prototype; `list` is a valid out-pointer.
        check(call, unsafe { f(oid, &mut list) })?;
        Ok(self.take_oids(list))
    }

    /// A getter filling one structure. `init` is the zeroed structure.
    fn get<T: Copy>(
        &self,
        call: &'static str,
        f: unsafe extern "C" fn(Oid, *mut T) -> ImaStatus,
        oid: Oid,
        init: T,
    ) -> Result<T> {
        let mut value = init;
        // SAFETY: `f` has this prototype; `value` is a valid, initialised out-structure.
        check(call, unsafe { f(oid, &mut value) })?;
        Ok(value)
    }

    /// A call taking an OID and one value by value.
    fn set<A: Copy>(
        &self,
        call: &'static str,
        f: unsafe extern "C" fn(Oid, A) -> ImaStatus,
        oid: Oid,
        arg: A,
    ) -> Result<ImaStatus> {
        // SAFETY: `f` has this prototype; the arguments are plain values.
        check(call, unsafe { f(oid, arg) })
    }

    /// A call taking an OID only.
    fn act(
        &self,
        call: &'static str,
        f: unsafe extern "C" fn(Oid) -> ImaStatus,
        oid: Oid,
    ) -> Result<ImaStatus> {
        // SAFETY: `f` has this prototype.
        check(call, unsafe { f(oid) })
    }

    // ---- library, plugins, vendor commands ----

    /// `IMA_GetLibraryProperties`.
    pub fn library_properties(&self) -> Result<LibraryProperties> {
        let mut p = LibraryProperties::zeroed();
        // SAFETY: valid out-structure.
        check("IMA_GetLibraryProperties", unsafe {
            (self.x.IMA_GetLibraryProperties)(&mut p)
        })?;
        Ok(p)
    }

    /// `IMA_GetPluginOidList`.
    pub fn plugins(&self) -> Result<Vec<Oid>> {
        self.list0("IMA_GetPluginOidList", self.x.IMA_GetPluginOidList)
    }

    /// `IMA_GetPluginProperties`.
    pub fn plugin_properties(&self, plugin: Oid) -> Result<PluginProperties> {
        let init = PluginProperties::zeroed();
        self.get(
            "IMA_GetPluginProperties",
            self.x.IMA_GetPluginProperties,
            plugin,
            init,
        )
    }

    /// `IMA_GetAssociatedPluginOid`.
    pub fn associated_plugin(&self, oid: Oid) -> Result<Oid> {
        self.get(
            "IMA_GetAssociatedPluginOid",
            self.x.IMA_GetAssociatedPluginOid,
            oid,
            Oid::default(),
        )
    }

    /// `IMA_PluginIOCtl` with an input structure `I` and an output structure `O`
    /// (`output` is the initial value of the output buffer).
    pub fn ioctl<I: Copy, O: Copy>(
        &self,
        plugin: Oid,
        command: ImaUint,
        input: &I,
        output: O,
    ) -> Result<O> {
        let mut out = output;
        let mut out_len = len_of(size_of::<O>());
        // SAFETY: the input buffer is `I`, readable for its size; the output buffer is
        // `O`, writable for `out_len` bytes; the plugin writes at most `out_len` bytes
        // (ima_plugin_soft.h) of a plain-integer structure.
        check("IMA_PluginIOCtl", unsafe {
            (self.x.IMA_PluginIOCtl)(
                plugin,
                command,
                ptr::from_ref(input).cast(),
                len_of(size_of::<I>()),
                ptr::from_mut(&mut out).cast(),
                &mut out_len,
            )
        })?;
        Ok(out)
    }

    // ---- node ----

    /// `IMA_GetSharedNodeOid`.
    pub fn shared_node(&self) -> Result<Oid> {
        let mut oid = Oid::default();
        // SAFETY: valid out-pointer.
        check("IMA_GetSharedNodeOid", unsafe {
            (self.x.IMA_GetSharedNodeOid)(&mut oid)
        })?;
        Ok(oid)
    }

    /// `IMA_GetNodeProperties`.
    pub fn node_properties(&self, node: Oid) -> Result<NodeProperties> {
        let init = NodeProperties::zeroed();
        self.get(
            "IMA_GetNodeProperties",
            self.x.IMA_GetNodeProperties,
            node,
            init,
        )
    }

    /// `IMA_SetNodeName`.
    pub fn set_node_name(&self, node: Oid, name: &str) -> Result<ImaStatus> {
        let wide = ima_abi::wide::to_wide_vec(name);
        // SAFETY: `wide` is NUL-terminated and outlives the call.
        check("IMA_SetNodeName", unsafe {
            (self.x.IMA_SetNodeName)(node, wide.as_ptr())
        })
    }

    /// `IMA_SetNodeAlias`.
    pub fn set_node_alias(&self, node: Oid, alias: &str) -> Result<ImaStatus> {
        let wide = ima_abi::wide::to_wide_vec(alias);
        // SAFETY: `wide` is NUL-terminated and outlives the call.
        check("IMA_SetNodeAlias", unsafe {
            (self.x.IMA_SetNodeAlias)(node, wide.as_ptr())
        })
    }

    // ---- HBAs and ports ----

    /// `IMA_GetLhbaOidList`.
    pub fn lhbas(&self) -> Result<Vec<Oid>> {
        self.list0("IMA_GetLhbaOidList", self.x.IMA_GetLhbaOidList)
    }

    /// `IMA_GetLhbaProperties`.
    pub fn lhba_properties(&self, lhba: Oid) -> Result<LhbaProperties> {
        let init = LhbaProperties::zeroed();
        self.get(
            "IMA_GetLhbaProperties",
            self.x.IMA_GetLhbaProperties,
            lhba,
            init,
        )
    }

    /// `IMA_GetPhbaOidList`.
    pub fn phbas(&self) -> Result<Vec<Oid>> {
        self.list0("IMA_GetPhbaOidList", self.x.IMA_GetPhbaOidList)
    }

    /// `IMA_GetPhbaProperties`.
    pub fn phba_properties(&self, phba: Oid) -> Result<PhbaProperties> {
        let init = PhbaProperties::zeroed();
        self.get(
            "IMA_GetPhbaProperties",
            self.x.IMA_GetPhbaProperties,
            phba,
            init,
        )
    }

    /// `IMA_GetPhbaStatus`.
    pub fn phba_status(&self, phba: Oid) -> Result<PhbaStatus> {
        self.get(
            "IMA_GetPhbaStatus",
            self.x.IMA_GetPhbaStatus,
            phba,
            PhbaStatus::default(),
        )
    }

    /// `IMA_GetLnpOidList`.
    pub fn lnps(&self) -> Result<Vec<Oid>> {
        self.list0("IMA_GetLnpOidList", self.x.IMA_GetLnpOidList)
    }

    /// `IMA_GetLnpProperties`.
    pub fn lnp_properties(&self, lnp: Oid) -> Result<LnpProperties> {
        let init = LnpProperties::zeroed();
        self.get(
            "IMA_GetLnpProperties",
            self.x.IMA_GetLnpProperties,
            lnp,
            init,
        )
    }

    /// `IMA_GetPnpOidList` of a PHBA or LNP.
    pub fn pnps(&self, of: Oid) -> Result<Vec<Oid>> {
        self.list1("IMA_GetPnpOidList", self.x.IMA_GetPnpOidList, of)
    }

    /// `IMA_GetPnpProperties`.
    pub fn pnp_properties(&self, pnp: Oid) -> Result<PnpProperties> {
        let init = PnpProperties::zeroed();
        self.get(
            "IMA_GetPnpProperties",
            self.x.IMA_GetPnpProperties,
            pnp,
            init,
        )
    }

    /// `IMA_GetPnpStatistics`.
    pub fn pnp_statistics(&self, pnp: Oid) -> Result<PnpStatistics> {
        self.get(
            "IMA_GetPnpStatistics",
            self.x.IMA_GetPnpStatistics,
            pnp,
            PnpStatistics::default(),
        )
    }

    /// `IMA_GetNetworkPortStatus` of an LNP or PNP.
    pub fn port_status(&self, port: Oid) -> Result<NetworkPortStatus> {
        self.get(
            "IMA_GetNetworkPortStatus",
            self.x.IMA_GetNetworkPortStatus,
            port,
            NetworkPortStatus::default(),
        )
    }

    /// `IMA_GetNetworkPortalOidList` of an LNP.
    pub fn portals(&self, lnp: Oid) -> Result<Vec<Oid>> {
        self.list1(
            "IMA_GetNetworkPortalOidList",
            self.x.IMA_GetNetworkPortalOidList,
            lnp,
        )
    }

    /// `IMA_GetNetworkPortalProperties`.
    pub fn portal_properties(&self, portal: Oid) -> Result<NetworkPortalProperties> {
        let init = NetworkPortalProperties::zeroed();
        self.get(
            "IMA_GetNetworkPortalProperties",
            self.x.IMA_GetNetworkPortalProperties,
            portal,
            init,
        )
    }

    // ---- discovery ----

    /// `IMA_GetDiscoveryProperties`.
    pub fn discovery_properties(&self, hba: Oid) -> Result<DiscoveryProperties> {
        let init = DiscoveryProperties::zeroed();
        self.get(
            "IMA_GetDiscoveryProperties",
            self.x.IMA_GetDiscoveryProperties,
            hba,
            init,
        )
    }

    /// `IMA_SetStaticDiscovery`.
    pub fn set_static_discovery(&self, hba: Oid, on: bool) -> Result<ImaStatus> {
        self.set(
            "IMA_SetStaticDiscovery",
            self.x.IMA_SetStaticDiscovery,
            hba,
            ima_bool(on),
        )
    }

    /// `IMA_SetIsnsDiscovery` with the static method (the server given, not looked up).
    pub fn set_isns_discovery(
        &self,
        hba: Oid,
        on: bool,
        server: &ima_abi::HostId,
    ) -> Result<ImaStatus> {
        // SAFETY: plain values and a pointer to a host id that lives across the call.
        check("IMA_SetIsnsDiscovery", unsafe {
            (self.x.IMA_SetIsnsDiscovery)(
                hba,
                ima_bool(on),
                ima_abi::IsnsDiscoveryMethod::STATIC,
                server,
            )
        })
    }

    /// `IMA_SetSendTargetsDiscovery`.
    pub fn set_send_targets_discovery(&self, hba: Oid, on: bool) -> Result<ImaStatus> {
        self.set(
            "IMA_SetSendTargetsDiscovery",
            self.x.IMA_SetSendTargetsDiscovery,
            hba,
            ima_bool(on),
        )
    }

    /// `IMA_AddDiscoveryAddress`.
    pub fn add_discovery_address(&self, lhba: Oid, address: TargetAddress) -> Result<Oid> {
        let mut oid = Oid::default();
        // SAFETY: the address is passed by value; `oid` is a valid out-pointer.
        check("IMA_AddDiscoveryAddress", unsafe {
            (self.x.IMA_AddDiscoveryAddress)(lhba, address, &mut oid)
        })?;
        Ok(oid)
    }

    /// `IMA_RemoveDiscoveryAddress`.
    pub fn remove_discovery_address(&self, address: Oid) -> Result<ImaStatus> {
        self.act(
            "IMA_RemoveDiscoveryAddress",
            self.x.IMA_RemoveDiscoveryAddress,
            address,
        )
    }

    /// `IMA_GetDiscoveryAddressOidList`.
    pub fn discovery_addresses(&self, lhba: Oid) -> Result<Vec<Oid>> {
        self.list1(
            "IMA_GetDiscoveryAddressOidList",
            self.x.IMA_GetDiscoveryAddressOidList,
            lhba,
        )
    }

    /// `IMA_GetDiscoveryAddressProperties`.
    pub fn discovery_address_properties(&self, oid: Oid) -> Result<DiscoveryAddressProperties> {
        let init = DiscoveryAddressProperties::zeroed();
        self.get(
            "IMA_GetDiscoveryAddressProperties",
            self.x.IMA_GetDiscoveryAddressProperties,
            oid,
            init,
        )
    }

    /// `IMA_AddStaticDiscoveryTarget`.
    pub fn add_static_target(&self, lhba: Oid, target: StaticDiscoveryTarget) -> Result<Oid> {
        let mut oid = Oid::default();
        // SAFETY: the target is passed by value; `oid` is a valid out-pointer.
        check("IMA_AddStaticDiscoveryTarget", unsafe {
            (self.x.IMA_AddStaticDiscoveryTarget)(lhba, target, &mut oid)
        })?;
        Ok(oid)
    }

    /// `IMA_RemoveStaticDiscoveryTarget`.
    pub fn remove_static_target(&self, oid: Oid) -> Result<ImaStatus> {
        self.act(
            "IMA_RemoveStaticDiscoveryTarget",
            self.x.IMA_RemoveStaticDiscoveryTarget,
            oid,
        )
    }

    /// `IMA_GetStaticDiscoveryTargetOidList`.
    pub fn static_targets(&self, lhba: Oid) -> Result<Vec<Oid>> {
        self.list1(
            "IMA_GetStaticDiscoveryTargetOidList",
            self.x.IMA_GetStaticDiscoveryTargetOidList,
            lhba,
        )
    }

    /// `IMA_GetStaticDiscoveryTargetProperties`.
    pub fn static_target_properties(&self, oid: Oid) -> Result<StaticDiscoveryTargetProperties> {
        let init = StaticDiscoveryTargetProperties::zeroed();
        self.get(
            "IMA_GetStaticDiscoveryTargetProperties",
            self.x.IMA_GetStaticDiscoveryTargetProperties,
            oid,
            init,
        )
    }

    // ---- targets and LUs ----

    /// `IMA_GetTargetOidList` (runs discovery in our plugin).
    pub fn targets(&self, lhba: Oid) -> Result<Vec<Oid>> {
        self.list1("IMA_GetTargetOidList", self.x.IMA_GetTargetOidList, lhba)
    }

    /// `IMA_GetTargetProperties`.
    pub fn target_properties(&self, target: Oid) -> Result<TargetProperties> {
        let init = TargetProperties::zeroed();
        self.get(
            "IMA_GetTargetProperties",
            self.x.IMA_GetTargetProperties,
            target,
            init,
        )
    }

    /// `IMA_GetTargetErrorStatistics`.
    pub fn target_error_statistics(&self, target: Oid) -> Result<TargetErrorStatistics> {
        let init = TargetErrorStatistics::zeroed();
        self.get(
            "IMA_GetTargetErrorStatistics",
            self.x.IMA_GetTargetErrorStatistics,
            target,
            init,
        )
    }

    /// `IMA_GetAddressKeys`: the target's portals.
    pub fn address_keys(&self, target: Oid) -> Result<Vec<AddressKey>> {
        let mut keys: *mut AddressKeys = ptr::null_mut();
        // SAFETY: valid out-pointer.
        check("IMA_GetAddressKeys", unsafe {
            (self.x.IMA_GetAddressKeys)(target, &mut keys)
        })?;
        // SAFETY: a counted list of `addressKeyCount` keys returned by the library, freed
        // only below.
        let out = unsafe { counted_slice::<AddressKeys, AddressKey>(keys, MAX_LIST) }
            .map(<[AddressKey]>::to_vec)
            .unwrap_or_default();
        self.free(keys.cast());
        Ok(out)
    }

    /// `IMA_GetLuOidList` of a target or LHBA (logs in to a target in our plugin).
    pub fn lus(&self, of: Oid) -> Result<Vec<Oid>> {
        self.list1("IMA_GetLuOidList", self.x.IMA_GetLuOidList, of)
    }

    /// `IMA_GetLuOid`.
    pub fn lu_oid(&self, target: Oid, lun: u64) -> Result<Oid> {
        let mut oid = Oid::default();
        // SAFETY: valid out-pointer; the LUN is a value (IMA_UINT64 is `long long`).
        check("IMA_GetLuOid", unsafe {
            (self.x.IMA_GetLuOid)(target, lun as i64, &mut oid)
        })?;
        Ok(oid)
    }

    /// `IMA_GetLuProperties`.
    pub fn lu_properties(&self, lu: Oid) -> Result<LuProperties> {
        let init = LuProperties::zeroed();
        self.get("IMA_GetLuProperties", self.x.IMA_GetLuProperties, lu, init)
    }

    /// `IMA_ExposeLu`.
    pub fn expose_lu(&self, lu: Oid) -> Result<ImaStatus> {
        self.act("IMA_ExposeLu", self.x.IMA_ExposeLu, lu)
    }

    /// `IMA_UnexposeLu`.
    pub fn unexpose_lu(&self, lu: Oid) -> Result<ImaStatus> {
        self.act("IMA_UnexposeLu", self.x.IMA_UnexposeLu, lu)
    }

    /// Runs one pass-through call with a data buffer of `room` bytes and a 252-byte sense
    /// buffer. SCSI status errors come back as a [`ScsiReply`] (with the sense); other
    /// errors as [`ImaError`].
    fn pass_through(
        &self,
        call: &'static str,
        room: usize,
        run: impl FnOnce(*mut u8, *mut ImaUint, *mut u8, *mut ImaUint) -> ImaStatus,
    ) -> Result<ScsiReply> {
        let mut data = vec![0u8; room];
        let mut sense = vec![0u8; 252];
        let mut data_len = len_of(data.len());
        let mut sense_len = len_of(sense.len());
        let raw = run(
            data.as_mut_ptr(),
            &mut data_len,
            sense.as_mut_ptr(),
            &mut sense_len,
        );
        let status = ImaStatus::from_plugin(raw.0);
        let scsi_error = (0x8000_0100..=0x8000_01FF).contains(&status.0);
        if status.is_error() && !scsi_error {
            return Err(ImaError { call, status });
        }
        data.truncate(usize::try_from(data_len).unwrap_or(0));
        sense.truncate(if scsi_error {
            usize::try_from(sense_len).unwrap_or(0)
        } else {
            0
        });
        Ok(ScsiReply {
            status,
            data,
            sense,
        })
    }

    /// `IMA_LuInquiry` (standard data, or the VPD page `page` when `evpd`).
    pub fn inquiry(&self, oid: Oid, evpd: bool, page: u8) -> Result<ScsiReply> {
        let f = self.x.IMA_LuInquiry;
        self.pass_through("IMA_LuInquiry", 255, |d, dl, s, sl| {
            // SAFETY: `d`/`s` are writable for `*dl`/`*sl` bytes (pass_through's buffers).
            unsafe { f(oid, ima_bool(evpd), IMA_FALSE, page, d, dl, s, sl) }
        })
    }

    /// `IMA_LuReadCapacity` with a 10- or 16-byte CDB.
    pub fn read_capacity(&self, oid: Oid, cdb_length: u8) -> Result<ScsiReply> {
        let f = self.x.IMA_LuReadCapacity;
        self.pass_through("IMA_LuReadCapacity", 32, |d, dl, s, sl| {
            // SAFETY: as `inquiry`.
            unsafe { f(oid, ImaUint::from(cdb_length), d, dl, s, sl) }
        })
    }

    /// `IMA_LuReportLuns` (select report 0).
    pub fn report_luns(&self, oid: Oid) -> Result<ScsiReply> {
        let f = self.x.IMA_LuReportLuns;
        self.pass_through("IMA_LuReportLuns", 16 * 1024, |d, dl, s, sl| {
            // SAFETY: as `inquiry`.
            unsafe { f(oid, IMA_FALSE, 0, d, dl, s, sl) }
        })
    }

    // ---- sessions ----

    /// `IMA_GetSessionOidList` of an LHBA or target.
    pub fn sessions(&self, of: Oid) -> Result<Vec<Oid>> {
        self.list1("IMA_GetSessionOidList", self.x.IMA_GetSessionOidList, of)
    }

    /// `IMA_GetSessionProperties`.
    pub fn session_properties(&self, session: Oid) -> Result<SessionProperties> {
        let init = SessionProperties::zeroed();
        self.get(
            "IMA_GetSessionProperties",
            self.x.IMA_GetSessionProperties,
            session,
            init,
        )
    }

    /// `IMA_GetConnectionOidList`.
    pub fn connections(&self, session: Oid) -> Result<Vec<Oid>> {
        self.list1(
            "IMA_GetConnectionOidList",
            self.x.IMA_GetConnectionOidList,
            session,
        )
    }

    /// `IMA_GetConnectionProperties`.
    pub fn connection_properties(&self, connection: Oid) -> Result<ConnectionProperties> {
        let init = ConnectionProperties::zeroed();
        self.get(
            "IMA_GetConnectionProperties",
            self.x.IMA_GetConnectionProperties,
            connection,
            init,
        )
    }

    // ---- authentication ----

    /// Reads a method list with the capacity-in, count-out convention.
    fn methods(
        &self,
        call: &'static str,
        run: impl Fn(*mut ImaUint, *mut AuthMethod) -> ImaStatus,
    ) -> Result<Vec<AuthMethod>> {
        let mut room = 8usize;
        loop {
            let mut list = vec![AuthMethod::default(); room];
            let mut count = len_of(room);
            check(call, run(&mut count, list.as_mut_ptr()))?;
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            if count <= room {
                list.truncate(count);
                return Ok(list);
            }
            if count > 64 {
                return Err(ImaError {
                    call,
                    status: ImaStatus::ERROR_UNKNOWN_ERROR,
                });
            }
            room = count;
        }
    }

    /// `IMA_GetSupportedAuthMethods` (settable ones when `settable`).
    pub fn supported_auth_methods(&self, lhba: Oid) -> Result<Vec<AuthMethod>> {
        let f = self.x.IMA_GetSupportedAuthMethods;
        self.methods("IMA_GetSupportedAuthMethods", |count, list| {
            // SAFETY: `list` has room for `*count` methods (`methods`' buffer).
            unsafe { f(lhba, IMA_FALSE, count, list) }
        })
    }

    /// `IMA_GetInUseInitiatorAuthMethods`.
    pub fn auth_methods_in_use(&self, lhba: Oid) -> Result<Vec<AuthMethod>> {
        let f = self.x.IMA_GetInUseInitiatorAuthMethods;
        self.methods("IMA_GetInUseInitiatorAuthMethods", |count, list| {
            // SAFETY: as `supported_auth_methods`.
            unsafe { f(lhba, count, list) }
        })
    }

    /// `IMA_SetInitiatorAuthMethods`.
    pub fn set_auth_methods(&self, lhba: Oid, methods: &[AuthMethod]) -> Result<ImaStatus> {
        // SAFETY: `methods` holds `len` methods and outlives the call.
        check("IMA_SetInitiatorAuthMethods", unsafe {
            (self.x.IMA_SetInitiatorAuthMethods)(lhba, len_of(methods.len()), methods.as_ptr())
        })
    }

    /// `IMA_GetInitiatorAuthParms` (CHAP): the name only (the plugin never returns a secret).
    pub fn chap(&self, lhba: Oid) -> Result<ChapInitiatorAuthParms> {
        let mut p = InitiatorAuthParms::zeroed();
        // SAFETY: valid out-union.
        check("IMA_GetInitiatorAuthParms", unsafe {
            (self.x.IMA_GetInitiatorAuthParms)(lhba, AuthMethod::CHAP, &mut p)
        })?;
        // SAFETY: CHAP was asked for, so `chapParms` is the member written; every bit
        // pattern of it is valid (integers and byte arrays).
        Ok(unsafe { p.chap_parms })
    }

    /// `IMA_SetInitiatorAuthParms` (CHAP).
    pub fn set_chap(&self, lhba: Oid, chap: &ChapInitiatorAuthParms) -> Result<ImaStatus> {
        let parms = Wiped(wrap_chap(chap));
        // SAFETY: `parms` is a valid union that outlives the call.
        check("IMA_SetInitiatorAuthParms", unsafe {
            (self.x.IMA_SetInitiatorAuthParms)(lhba, AuthMethod::CHAP, &parms.0)
        })
    }

    /// `IMA_GetInitiatorLocalAuthParms` (CHAP): a target's own name and whether enabled.
    pub fn local_chap(&self, target: Oid) -> Result<(ChapInitiatorAuthParms, bool)> {
        let mut p = InitiatorAuthParms::zeroed();
        let mut enabled: ImaBool = IMA_FALSE;
        // SAFETY: valid out-pointers.
        check("IMA_GetInitiatorLocalAuthParms", unsafe {
            (self.x.IMA_GetInitiatorLocalAuthParms)(target, AuthMethod::CHAP, &mut p, &mut enabled)
        })?;
        // SAFETY: as `chap`.
        Ok((unsafe { p.chap_parms }, enabled == IMA_TRUE))
    }

    /// `IMA_SetInitiatorLocalAuthParms` (CHAP).
    pub fn set_local_chap(
        &self,
        target: Oid,
        chap: &ChapInitiatorAuthParms,
        enabled: bool,
    ) -> Result<ImaStatus> {
        let parms = Wiped(wrap_chap(chap));
        // SAFETY: `parms` is a valid union that outlives the call.
        check("IMA_SetInitiatorLocalAuthParms", unsafe {
            (self.x.IMA_SetInitiatorLocalAuthParms)(
                target,
                AuthMethod::CHAP,
                &parms.0,
                ima_bool(enabled),
            )
        })
    }

    /// `IMA_GetMutualLocalAuthParms` (CHAP): the name a target must prove.
    pub fn mutual_chap(&self, target: Oid) -> Result<ChapInitiatorAuthParms> {
        let mut p = InitiatorAuthParms::zeroed();
        // SAFETY: valid out-union.
        check("IMA_GetMutualLocalAuthParms", unsafe {
            (self.x.IMA_GetMutualLocalAuthParms)(target, AuthMethod::CHAP, &mut p)
        })?;
        // SAFETY: as `chap`.
        Ok(unsafe { p.chap_parms })
    }

    /// `IMA_SetMutualLocalAuthParms` (CHAP).
    pub fn set_mutual_chap(
        &self,
        target: Oid,
        chap: &ChapInitiatorAuthParms,
        enabled: bool,
    ) -> Result<ImaStatus> {
        let parms = Wiped(wrap_chap(chap));
        // SAFETY: `parms` is a valid union that outlives the call.
        check("IMA_SetMutualLocalAuthParms", unsafe {
            (self.x.IMA_SetMutualLocalAuthParms)(
                target,
                AuthMethod::CHAP,
                &parms.0,
                ima_bool(enabled),
            )
        })
    }

    /// `IMA_SetMutualLocalAuth` (CHAP): mutual CHAP on or off for a target.
    pub fn set_mutual(&self, target: Oid, enabled: bool) -> Result<ImaStatus> {
        // SAFETY: plain values.
        check("IMA_SetMutualLocalAuth", unsafe {
            (self.x.IMA_SetMutualLocalAuth)(target, AuthMethod::CHAP, ima_bool(enabled))
        })
    }

    /// `IMA_AddLhbaMutualAuthParms` (CHAP).
    pub fn add_lhba_mutual(&self, lhba: Oid, chap: &ChapInitiatorAuthParms) -> Result<ImaStatus> {
        let parms = Wiped(wrap_chap(chap));
        // SAFETY: the union is passed by value (a copy on the stack of the call).
        check("IMA_AddLhbaMutualAuthParms", unsafe {
            (self.x.IMA_AddLhbaMutualAuthParms)(lhba, AuthMethod::CHAP, parms.0)
        })
    }

    /// `IMA_GetLhbaMutualAuthParmsList` (CHAP): the names (the plugin returns no secrets).
    pub fn lhba_mutual(&self, lhba: Oid) -> Result<Vec<ChapInitiatorAuthParms>> {
        let mut list: *mut ima_abi::TargetAuthParmsList = ptr::null_mut();
        // SAFETY: valid out-pointer.
        check("IMA_GetLhbaMutualAuthParmsList", unsafe {
            (self.x.IMA_GetLhbaMutualAuthParmsList)(lhba, AuthMethod::CHAP, &mut list)
        })?;
        // SAFETY: a counted list returned by the library, freed only below.
        let entries =
            unsafe { counted_slice::<ima_abi::TargetAuthParmsList, InitiatorAuthParms>(list, 64) }
                // SAFETY: CHAP was asked for: `chapParms` is the member written.
                .map(|s| s.iter().map(|p| unsafe { p.chap_parms }).collect())
                .unwrap_or_default();
        self.free(list.cast());
        Ok(entries)
    }

    // ---- login parameters and digests ----

    /// The getter of a numeric login parameter.
    pub fn min_max(&self, param: Param, oid: Oid) -> Result<MinMaxValue> {
        let (call, f): (&'static str, api::IMA_GetMaxBurstLengthProperties) = match param {
            Param::FirstBurstLength => (
                "IMA_GetFirstBurstLengthProperties",
                self.x.IMA_GetFirstBurstLengthProperties,
            ),
            Param::MaxBurstLength => (
                "IMA_GetMaxBurstLengthProperties",
                self.x.IMA_GetMaxBurstLengthProperties,
            ),
            Param::MaxRecvDataSegmentLength => (
                "IMA_GetMaxRecvDataSegmentLengthProperties",
                self.x.IMA_GetMaxRecvDataSegmentLengthProperties,
            ),
            Param::MaxConnections => (
                "IMA_GetMaxConnectionsProperties",
                self.x.IMA_GetMaxConnectionsProperties,
            ),
            Param::DefaultTime2Retain => (
                "IMA_GetDefaultTime2RetainProperties",
                self.x.IMA_GetDefaultTime2RetainProperties,
            ),
            Param::DefaultTime2Wait => (
                "IMA_GetDefaultTime2WaitProperties",
                self.x.IMA_GetDefaultTime2WaitProperties,
            ),
            Param::MaxOutstandingR2T => (
                "IMA_GetMaxOutstandingR2TProperties",
                self.x.IMA_GetMaxOutstandingR2TProperties,
            ),
            Param::ErrorRecoveryLevel => (
                "IMA_GetErrorRecoveryLevelProperties",
                self.x.IMA_GetErrorRecoveryLevelProperties,
            ),
            _ => return Err(not_numeric("IMA_GetMaxBurstLengthProperties")),
        };
        self.get(call, f, oid, MinMaxValue::default())
    }

    /// The setter of a numeric login parameter.
    pub fn set_min_max(&self, param: Param, oid: Oid, value: u64) -> Result<ImaStatus> {
        let (call, f): (&'static str, api::IMA_SetMaxBurstLength) = match param {
            Param::FirstBurstLength => ("IMA_SetFirstBurstLength", self.x.IMA_SetFirstBurstLength),
            Param::MaxBurstLength => ("IMA_SetMaxBurstLength", self.x.IMA_SetMaxBurstLength),
            Param::MaxRecvDataSegmentLength => (
                "IMA_SetMaxRecvDataSegmentLength",
                self.x.IMA_SetMaxRecvDataSegmentLength,
            ),
            Param::MaxConnections => ("IMA_SetMaxConnections", self.x.IMA_SetMaxConnections),
            Param::DefaultTime2Retain => (
                "IMA_SetDefaultTime2Retain",
                self.x.IMA_SetDefaultTime2Retain,
            ),
            Param::DefaultTime2Wait => ("IMA_SetDefaultTime2Wait", self.x.IMA_SetDefaultTime2Wait),
            Param::MaxOutstandingR2T => {
                ("IMA_SetMaxOutstandingR2T", self.x.IMA_SetMaxOutstandingR2T)
            }
            Param::ErrorRecoveryLevel => (
                "IMA_SetErrorRecoveryLevel",
                self.x.IMA_SetErrorRecoveryLevel,
            ),
            _ => return Err(not_numeric("IMA_SetMaxBurstLength")),
        };
        self.set(
            call,
            f,
            oid,
            ImaUint::try_from(value).unwrap_or(ImaUint::MAX),
        )
    }

    fn bool_fns(
        &self,
        param: Param,
    ) -> Option<(
        &'static str,
        api::IMA_GetInitialR2TProperties,
        &'static str,
        api::IMA_SetInitialR2T,
    )> {
        Some(match param {
            Param::InitialR2T => (
                "IMA_GetInitialR2TProperties",
                self.x.IMA_GetInitialR2TProperties,
                "IMA_SetInitialR2T",
                self.x.IMA_SetInitialR2T,
            ),
            Param::ImmediateData => (
                "IMA_GetImmediateDataProperties",
                self.x.IMA_GetImmediateDataProperties,
                "IMA_SetImmediateData",
                self.x.IMA_SetImmediateData,
            ),
            Param::DataPduInOrder => (
                "IMA_GetDataPduInOrderProperties",
                self.x.IMA_GetDataPduInOrderProperties,
                "IMA_SetDataPduInOrder",
                self.x.IMA_SetDataPduInOrder,
            ),
            Param::DataSequenceInOrder => (
                "IMA_GetDataSequenceInOrderProperties",
                self.x.IMA_GetDataSequenceInOrderProperties,
                "IMA_SetDataSequenceInOrder",
                self.x.IMA_SetDataSequenceInOrder,
            ),
            _ => return None,
        })
    }

    /// The getter of a boolean login parameter.
    pub fn bool_value(&self, param: Param, oid: Oid) -> Result<BoolValue> {
        let (call, f, _, _) = self
            .bool_fns(param)
            .ok_or_else(|| not_numeric("IMA_GetInitialR2TProperties"))?;
        self.get(call, f, oid, BoolValue::default())
    }

    /// The setter of a boolean login parameter.
    pub fn set_bool_value(&self, param: Param, oid: Oid, value: bool) -> Result<ImaStatus> {
        let (_, _, call, f) = self
            .bool_fns(param)
            .ok_or_else(|| not_numeric("IMA_SetInitialR2T"))?;
        self.set(call, f, oid, ima_bool(value))
    }

    /// `IMA_GetHeaderDigestValues` / `IMA_GetDataDigestValues`: the offer in order.
    pub fn digests(&self, oid: Oid, header: bool) -> Result<Vec<DigestType>> {
        let (call, f) = if header {
            (
                "IMA_GetHeaderDigestValues",
                self.x.IMA_GetHeaderDigestValues,
            )
        } else {
            ("IMA_GetDataDigestValues", self.x.IMA_GetDataDigestValues)
        };
        let mut list = [DigestType::default(); 4];
        let mut count = len_of(list.len());
        // SAFETY: `list` has room for `count` values.
        check(call, unsafe { f(oid, &mut count, list.as_mut_ptr()) })?;
        let n = usize::try_from(count).unwrap_or(0).min(list.len());
        Ok(list[..n].to_vec())
    }

    /// `IMA_SetHeaderDigestValues` / `IMA_SetDataDigestValues`.
    pub fn set_digests(&self, oid: Oid, header: bool, values: &[DigestType]) -> Result<ImaStatus> {
        let (call, f) = if header {
            (
                "IMA_SetHeaderDigestValues",
                self.x.IMA_SetHeaderDigestValues,
            )
        } else {
            ("IMA_SetDataDigestValues", self.x.IMA_SetDataDigestValues)
        };
        // SAFETY: `values` holds `len` values and outlives the call.
        check(call, unsafe {
            f(oid, len_of(values.len()), values.as_ptr())
        })
    }

    // ---- statistics ----

    /// `IMA_GetStatisticsProperties`.
    pub fn statistics_properties(&self, oid: Oid) -> Result<StatisticsProperties> {
        self.get(
            "IMA_GetStatisticsProperties",
            self.x.IMA_GetStatisticsProperties,
            oid,
            StatisticsProperties::default(),
        )
    }

    /// `IMA_GetDeviceStatistics` of a target or LU.
    pub fn device_statistics(&self, oid: Oid) -> Result<DeviceStatistics> {
        self.get(
            "IMA_GetDeviceStatistics",
            self.x.IMA_GetDeviceStatistics,
            oid,
            DeviceStatistics::default(),
        )
    }

    // ---- events ----

    /// Registers both callbacks with the library (which fans them out to every plugin).
    pub fn register_callbacks(
        &self,
        visibility: ObjectVisibilityFn,
        property: ObjectPropertyFn,
    ) -> Result<()> {
        // SAFETY: both are `extern "C"` functions of this program with the prototypes of
        // ima.h; they stay valid for the life of the process.
        check("IMA_RegisterForObjectVisibilityChanges", unsafe {
            (self.x.IMA_RegisterForObjectVisibilityChanges)(visibility)
        })?;
        // SAFETY: as above.
        check("IMA_RegisterForObjectPropertyChanges", unsafe {
            (self.x.IMA_RegisterForObjectPropertyChanges)(property)
        })?;
        Ok(())
    }
}

/// The IP address member of an `IMA_HOST_ID` whose `hostnameInUse` is FALSE.
pub fn union_ip(host: &ima_abi::HostId) -> ima_abi::IpAddress {
    // SAFETY: both members of the union are plain byte/integer arrays, so reading the IP
    // member is defined whatever was written (at worst it shows name bytes as an address).
    unsafe { host.id.ip_address }
}

fn not_numeric(call: &'static str) -> ImaError {
    ImaError {
        call,
        status: ImaStatus::ERROR_INVALID_PARAMETER,
    }
}

/// An `IMA_INITIATOR_AUTHPARMS` holding a CHAP secret, wiped when dropped.
struct Wiped(InitiatorAuthParms);

impl Drop for Wiped {
    fn drop(&mut self) {
        // SAFETY: the block was built by `wrap_chap`, so `chapParms` is the member in use;
        // wiping its bytes leaves a valid value.
        let chap = unsafe { &mut self.0.chap_parms };
        zeroize::Zeroize::zeroize(&mut chap.challenge_secret);
        chap.challenge_secret_length = 0;
    }
}

fn wrap_chap(chap: &ChapInitiatorAuthParms) -> InitiatorAuthParms {
    let mut parms = InitiatorAuthParms::zeroed();
    parms.chap_parms = *chap;
    parms
}

/// Sets an environment variable for the IMA library and its plugins (`IMA_CONF`,
/// `ISCSI_HBA_STATE`, `IMA_NODE_STATE`), which read them when first called.
///
/// Call only while the process has a single thread: before the library is loaded and
/// before any runtime or target thread starts (imadm calls it first thing in `main` and
/// at the start of `demo`).
pub fn set_env(key: &str, value: &Path) {
    // SAFETY: imadm calls this only while it is single-threaded (see above), so no other
    // thread reads or writes the environment at the same time.
    unsafe { std::env::set_var(key, value) }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT (Ctrl-C) set a flag instead of killing the process, so that a watch loop
/// ends cleanly and the library terminates its plugins at exit.
pub fn catch_sigint() {
    let handler = on_sigint as extern "C" fn(c_int);
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// Whether SIGINT arrived since [`catch_sigint`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Reads one line from `/dev/tty` with echo off, after writing `prompt` there. The line
/// ending is removed; the buffer is wiped when dropped.
///
/// # Errors
///
/// No terminal, or a read error.
pub fn read_secret_from_tty(prompt: &str) -> io::Result<Zeroizing<Vec<u8>>> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    let fd = tty.as_raw_fd();
    // SAFETY: an all-zero termios is a valid value to be overwritten by tcgetattr.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is an open terminal; `saved` is a valid out-structure.
    if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut quiet = saved;
    quiet.c_lflag &= !libc::ECHO;
    quiet.c_lflag |= libc::ECHONL;
    // SAFETY: as above; `quiet` is a copy of the terminal's own settings.
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut writer = &tty;
    let result = writer
        .write_all(prompt.as_bytes())
        .and_then(|()| writer.flush())
        .and_then(|()| {
            let mut line = Zeroizing::new(Vec::new());
            io::BufReader::new(&tty).read_until(b'\n', &mut line)?;
            Ok(line)
        });
    // SAFETY: restores the settings read above on the same descriptor.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    let mut line = result?;
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(line)
}
