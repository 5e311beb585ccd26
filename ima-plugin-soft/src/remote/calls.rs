//! One [`Call`] per [`Backend`] method, the daemon's [`dispatch`], and the client's methods,
//! all generated from one list so the three cannot disagree.
//!
//! Each entry is `fn name(MODE arg: SIGNATURE_TYPE => WIRE_TYPE, ...) -> RETURN;` where
//! `ref` arguments are borrowed in the trait (`&str`, `&[T]`, `&T`) and owned on the wire,
//! and `val` arguments are the same type in both.

use serde::{Deserialize, Serialize};

use crate::backend::{
    AuthMethod, AutoLogin, Backend, ChapRole, ChapSecret, Digest, DigestKind, DiscoveryMethod,
    LoginParam, ObjectRef, ParamValue, StaticTarget, TargetAddr,
};
use crate::error::PluginError;

use super::WireError;

/// Calls `$m!` with the list of remote calls.
macro_rules! backend_calls {
    ($m:ident) => {
        $m! {
            fn plugin_info() -> PluginInfo;
            fn exists_call(val object: ObjectRef => ObjectRef) -> bool;
            fn lhbas() -> Vec<ObjectRef>;
            fn phbas() -> Vec<ObjectRef>;
            fn non_shared_nodes() -> Vec<ObjectRef>;
            fn lnps() -> Vec<ObjectRef>;
            fn lhba_properties(val lhba: ObjectRef => ObjectRef) -> LhbaInfo;
            fn phba_properties(val phba: ObjectRef => ObjectRef) -> PhbaInfo;
            fn phba_working(val phba: ObjectRef => ObjectRef) -> bool;
            fn node_properties() -> NodeInfo;
            fn set_node_name(ref name: &str => String) -> Applied;
            fn set_node_alias(opt alias: Option<&str> => Option<String>) -> Applied;
            fn discovery_properties(val owner: ObjectRef => ObjectRef) -> DiscoveryInfo;
            fn set_discovery(
                val owner: ObjectRef => ObjectRef,
                val method: DiscoveryMethod => DiscoveryMethod,
                val enabled: bool => bool
            ) -> Applied;
            fn add_discovery_address(
                val owner: ObjectRef => ObjectRef,
                ref address: &TargetAddr => TargetAddr
            ) -> ObjectRef;
            fn remove_discovery_address(val address: ObjectRef => ObjectRef) -> ();
            fn discovery_addresses(val owner: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn discovery_address_properties(val address: ObjectRef => ObjectRef)
                -> DiscoveryAddressInfo;
            fn add_static_target(
                val owner: ObjectRef => ObjectRef,
                ref target: &StaticTarget => StaticTarget
            ) -> ObjectRef;
            fn remove_static_target(val target: ObjectRef => ObjectRef) -> ();
            fn static_targets(val owner: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn static_target_properties(val target: ObjectRef => ObjectRef) -> StaticTargetInfo;
            fn targets(val owner: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn target_properties(val target: ObjectRef => ObjectRef) -> TargetInfo;
            fn target_address_keys(val target: ObjectRef => ObjectRef)
                -> Vec<std::net::SocketAddr>;
            fn lus(val owner: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn lu_by_lun(val target: ObjectRef => ObjectRef, val lun: u64 => u64) -> ObjectRef;
            fn lu_properties(val lu: ObjectRef => ObjectRef) -> LuInfo;
            fn lu_inquiry(
                val device: ObjectRef => ObjectRef,
                val evpd: bool => bool,
                val cmddt: bool => bool,
                val page_code: u8 => u8,
                val allocation_length: usize => usize
            ) -> ScsiReply;
            fn lu_read_capacity(
                val device: ObjectRef => ObjectRef,
                val cdb_length: u8 => u8,
                val allocation_length: usize => usize
            ) -> ScsiReply;
            fn lu_report_luns(
                val device: ObjectRef => ObjectRef,
                val to_well_known_lun: bool => bool,
                val select_report: u8 => u8,
                val allocation_length: usize => usize
            ) -> ScsiReply;
            fn expose_lu(val lu: ObjectRef => ObjectRef) -> String;
            fn unexpose_lu(val lu: ObjectRef => ObjectRef, val force: bool => bool) -> ();
            fn login_param(val object: ObjectRef => ObjectRef, val param: LoginParam => LoginParam)
                -> LoginParamInfo;
            fn set_login_param(
                val object: ObjectRef => ObjectRef,
                val param: LoginParam => LoginParam,
                val value: ParamValue => ParamValue
            ) -> Applied;
            fn sessions(val owner: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn session_properties(val session: ObjectRef => ObjectRef) -> SessionInfo;
            fn connections(val session: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn connection_properties(val connection: ObjectRef => ObjectRef) -> ConnectionInfo;
            fn session_addresses(val session: ObjectRef => ObjectRef) -> SessionAddresses;
            fn login_target(val target: ObjectRef => ObjectRef) -> ObjectRef;
            fn logout_target(val target: ObjectRef => ObjectRef) -> u64;
            fn auto_login() -> AutoLogin;
            fn set_auto_login(val auto: AutoLogin => AutoLogin) -> ();
            fn rescan() -> RescanSummary;
            fn remove_stale_data(val lhba: ObjectRef => ObjectRef) -> ();
            fn commit_parameters(val hba: ObjectRef => ObjectRef) -> ();
            fn statistics_properties(val object: ObjectRef => ObjectRef) -> (bool, bool);
            fn set_statistics(val object: ObjectRef => ObjectRef, val enabled: bool => bool) -> ();
            fn device_statistics(val object: ObjectRef => ObjectRef) -> DeviceStats;
            fn target_error_statistics(val target: ObjectRef => ObjectRef) -> TargetErrors;
            fn pnp_statistics(val pnp: ObjectRef => ObjectRef) -> PnpStats;
            fn pnps(val owner: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn pnp_properties(val pnp: ObjectRef => ObjectRef) -> PnpInfo;
            fn lnp_properties(val lnp: ObjectRef => ObjectRef) -> LnpInfo;
            fn network_portals(val lnp: ObjectRef => ObjectRef) -> Vec<ObjectRef>;
            fn network_portal_properties(val portal: ObjectRef => ObjectRef) -> PortalInfo;
            fn network_port_status(val port: ObjectRef => ObjectRef) -> PortStatus;
            fn supported_auth_methods(val lhba: ObjectRef => ObjectRef, val settable: bool => bool)
                -> Vec<AuthMethod>;
            fn auth_methods(val lhba: ObjectRef => ObjectRef) -> Vec<AuthMethod>;
            fn set_auth_methods(
                val lhba: ObjectRef => ObjectRef,
                ref methods: &[AuthMethod] => Vec<AuthMethod>
            ) -> Applied;
            fn chap(val object: ObjectRef => ObjectRef, val role: ChapRole => ChapRole)
                -> Option<ChapInfo>;
            fn set_chap(
                val object: ObjectRef => ObjectRef,
                val role: ChapRole => ChapRole,
                val name: String => String,
                val secret: Option<ChapSecret> => Option<ChapSecret>,
                val enabled: Option<bool> => Option<bool>
            ) -> Applied;
            fn set_chap_enabled(
                val object: ObjectRef => ObjectRef,
                val role: ChapRole => ChapRole,
                val enabled: bool => bool
            ) -> Applied;
            fn remove_chap(
                val object: ObjectRef => ObjectRef,
                val role: ChapRole => ChapRole,
                ref name: &str => String
            ) -> Applied;
            fn digest_settable(val object: ObjectRef => ObjectRef) -> (bool, bool);
            fn digests(val object: ObjectRef => ObjectRef, val kind: DigestKind => DigestKind)
                -> Vec<Digest>;
            fn set_digests(
                val object: ObjectRef => ObjectRef,
                val kind: DigestKind => DigestKind,
                ref digests: &[Digest] => Vec<Digest>
            ) -> Applied;
        }
    };
}

/// Argument on the wire, from the trait's argument.
macro_rules! to_wire {
    (ref $a:ident) => {
        ToOwned::to_owned($a)
    };
    (opt $a:ident) => {
        $a.map(ToOwned::to_owned)
    };
    (val $a:ident) => {
        $a
    };
}

/// Argument for the trait, from the wire.
macro_rules! from_wire {
    (ref $a:ident) => {
        &$a
    };
    (opt $a:ident) => {
        $a.as_deref()
    };
    (val $a:ident) => {
        $a
    };
}

macro_rules! define_call {
    ($(fn $name:ident($($mode:ident $arg:ident : $sig:ty => $wire:ty),* $(,)?) -> $ret:ty;)*) => {
        /// One [`Backend`] method call with its arguments (`exists_call` is
        /// [`Backend::exists`]).
        #[allow(non_camel_case_types, missing_docs)]
        #[derive(Debug, Serialize, Deserialize)]
        pub enum Call {
            $($name { $($arg: $wire),* },)*
        }

        impl Call {
            /// The method's name, for logs.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$name { .. } => stringify!($name),)*
                }
            }
        }

        /// Runs `call` on `backend` (the daemon's side): the method's result as JSON, or its
        /// error as a [`WireError`].
        pub fn dispatch(backend: &dyn Backend, call: Call) -> Result<serde_json::Value, WireError> {
            match call {
                $(Call::$name { $($arg),* } => answer(dispatch_one!($name, backend, $($mode $arg),*)),)*
            }
        }
    };
}

/// The trait call of one entry (`exists` returns a plain bool).
macro_rules! dispatch_one {
    (exists_call, $backend:ident, val $object:ident) => {
        Ok::<bool, PluginError>($backend.exists($object))
    };
    ($name:ident, $backend:ident, $($mode:ident $arg:ident),*) => {
        $backend.$name($(from_wire!($mode $arg)),*)
    };
}

backend_calls!(define_call);

/// The JSON of a method's result.
fn answer<T: Serialize>(result: Result<T, PluginError>) -> Result<serde_json::Value, WireError> {
    match result {
        Ok(value) => serde_json::to_value(value).map_err(|e| {
            WireError::new(
                ima_abi::ImaStatus::ERROR_UNEXPECTED_OS_ERROR,
                format!("cannot encode the answer: {e}"),
            )
        }),
        Err(e) => Err(WireError::from(&e)),
    }
}

/// The client's methods: each sends its [`Call`] and decodes the answer. Used inside
/// `impl Backend for RemoteBackend`.
macro_rules! define_remote_methods {
    ($(fn $name:ident($($mode:ident $arg:ident : $sig:ty => $wire:ty),* $(,)?) -> $ret:ty;)*) => {
        $(remote_method!($name($($mode $arg : $sig => $wire),*) -> $ret);)*
    };
}

/// One client method (`exists_call` is written by hand: `exists` returns a plain bool).
macro_rules! remote_method {
    (exists_call($($rest:tt)*) -> $ret:ty) => {};
    ($name:ident($($mode:ident $arg:ident : $sig:ty => $wire:ty),*) -> $ret:ty) => {
        fn $name(&self $(, $arg: $sig)*) -> crate::backend::Result<$ret> {
            self.call(Call::$name { $($arg: to_wire!($mode $arg)),* })
        }
    };
}

pub(crate) use {backend_calls, define_remote_methods, remote_method, to_wire};
