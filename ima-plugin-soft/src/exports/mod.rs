//! Every entry point a library may look up, grouped like `ima-lib/src/exports`.
//!
//! Each export is `#[unsafe(no_mangle)] pub unsafe extern "C"`, runs in the `ima_support`
//! guard, and is checked at compile time against its prototype in `ima_abi::plugin_api`.
//! Logic lives in the internal helpers below and in the [`Backend`](crate::Backend); no
//! export calls another export.
#![allow(non_snake_case)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ima_abi::wide::{string_to_wide_array, wide_array_to_string};
use ima_abi::{
    HostId, IMA_FALSE, IMA_TRUE, ImaBool, ImaStatus, IpAddress, ObjectType, Oid, OidList,
    TargetAddress, WChar,
};
use ima_support::memory::publish_list;
use ima_support::{check_type, non_null};

use crate::backend::{Applied, Backend, Host, ObjectRef, TargetAddr};
use crate::error::PluginError;
use crate::state;

type Result<T> = std::result::Result<T, PluginError>;

/// One export: `ima_support::export!` with the plugin's error type, plus the compile-time
/// check of its signature against `ima_abi::plugin_api`.
macro_rules! export {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        ::ima_support::export! {
            error = $crate::PluginError;
            $(#[$doc])* fn $name($($arg: $ty),*) $body
        }
        const _: ::ima_abi::plugin_api::$name = $name;
    };
}

/// An export the backend does not implement: argument pointers checked, then NOT_SUPPORTED
/// if the object exists, else OBJECT_NOT_FOUND (wrong type: INCORRECT_OBJECT_TYPE).
macro_rules! unsupported {
    ($(#[$doc:meta])* $name:ident($oid:ident $(, $arg:ident: $ty:ty)* $(,)?) [$($t:ident),+]
     $(non_null($($p:ident),+))?) => {
        export! {
            $(#[$doc])*
            fn $name($oid: ::ima_abi::Oid $(, $arg: $ty)*) {
                $($( ::ima_support::non_null($p, stringify!($p))?; )+)?
                $( let _ = $arg; )*
                $crate::exports::unsupported($oid, &[$(::ima_abi::ObjectType::$t),+])
            }
        }
    };
}

/// `IMA_STATUS f(IMA_OID, IMA_OID_LIST **)` answered by a backend list method.
macro_rules! object_list {
    ($(#[$doc:meta])* $name:ident($oid:ident, $list:ident) [$($t:ident),+] => $method:ident) => {
        export! {
            $(#[$doc])*
            fn $name($oid: ::ima_abi::Oid, $list: *mut *mut ::ima_abi::OidList) {
                ::ima_support::non_null($list, stringify!($list))?;
                let (owner, backend) = $crate::exports::enter($oid, &[$(::ima_abi::ObjectType::$t),+])?;
                let objects = backend.$method(owner)?;
                // SAFETY: non-NULL, writable by the caller's contract.
                unsafe { $crate::exports::give_list($list, &objects) }
            }
        }
    };
}

pub mod auth;
pub mod discovery;
pub mod events;
pub mod ext;
pub mod lhba;
pub mod library;
pub mod lu;
pub mod node;
pub mod params;
pub mod phba;
pub mod ports;
pub mod session;
pub mod stats;
pub mod target;

/// The backend and the object an OID names: the type must be one of `allowed`, the ownerId
/// ours and the sequence number non-negative (else OBJECT_NOT_FOUND).
pub(crate) fn enter(
    oid: Oid,
    allowed: &[ObjectType],
) -> Result<(ObjectRef, std::sync::Arc<dyn Backend>)> {
    check_type(oid.object_type, allowed)?;
    let (owner_id, backend) = state::current()?;
    let seq = u64::try_from(oid.object_sequence_number).map_err(|_| PluginError::ObjectNotFound)?;
    if oid.owner_id != owner_id {
        return Err(PluginError::ObjectNotFound);
    }
    Ok((ObjectRef::new(oid.object_type, seq), backend))
}

/// The OID of one of our objects (ownerId stamped).
pub(crate) fn oid_of(object: ObjectRef) -> Result<Oid> {
    let owner_id = state::owner_id();
    let seq = i64::try_from(object.seq)
        .map_err(|_| PluginError::Engine("sequence number out of range".into()))?;
    Ok(Oid::new(object.kind, owner_id, seq))
}

/// NOT_SUPPORTED for an existing object, OBJECT_NOT_FOUND otherwise.
pub(crate) fn unsupported(oid: Oid, allowed: &[ObjectType]) -> Result<ImaStatus> {
    let (object, backend) = enter(oid, allowed)?;
    if backend.exists(object) {
        Err(PluginError::NotSupported)
    } else {
        Err(PluginError::ObjectNotFound)
    }
}

/// Publishes `objects` as an `IMA_OID_LIST` (C allocator, ownerId stamped) through `pp_list`.
///
/// # Safety
/// `pp_list` must be non-NULL and writable.
pub(crate) unsafe fn give_list(
    pp_list: *mut *mut OidList,
    objects: &[ObjectRef],
) -> Result<ImaStatus> {
    let oids = objects
        .iter()
        .map(|&o| oid_of(o))
        .collect::<Result<Vec<Oid>>>()?;
    let list = publish_list::<OidList, Oid>(&oids)?;
    // SAFETY: forwarded caller contract.
    unsafe { pp_list.write(list) };
    Ok(ImaStatus::STATUS_SUCCESS)
}

/// Writes `value` through a non-NULL out-pointer.
///
/// # Safety
/// `out` must be non-NULL and writable for one `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T) -> Result<ImaStatus> {
    // SAFETY: forwarded caller contract.
    unsafe { out.write(value) };
    Ok(ImaStatus::STATUS_SUCCESS)
}

/// The status of an applied change.
pub(crate) fn applied(applied: Applied) -> Result<ImaStatus> {
    Ok(match applied {
        Applied::Now => ImaStatus::STATUS_SUCCESS,
        Applied::AfterReboot => ImaStatus::STATUS_REBOOT_NECESSARY,
    })
}

/// `IMA_TRUE`/`IMA_FALSE`.
pub(crate) fn ima_bool(value: bool) -> ImaBool {
    if value { IMA_TRUE } else { IMA_FALSE }
}

/// Copies `s` into a fixed wide array, truncated to fit (NUL-terminated).
pub(crate) fn wide_into(s: &str, out: &mut [WChar]) {
    let cut: String = s.chars().take(out.len().saturating_sub(1)).collect();
    // Fits by construction; characters a wchar_t cannot hold leave the field empty.
    let _ = string_to_wide_array(&cut, out);
}

/// `IMA_IP_ADDRESS` → `IpAddr`.
pub(crate) fn ip_from_c(ip: &IpAddress) -> IpAddr {
    if ip.ipv4_address == IMA_TRUE {
        let b = ip.ip_address;
        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    } else {
        IpAddr::V6(Ipv6Addr::from(ip.ip_address))
    }
}

/// `IpAddr` → `IMA_IP_ADDRESS`.
pub(crate) fn ip_to_c(ip: IpAddr) -> IpAddress {
    let mut out = IpAddress::zeroed();
    match ip {
        IpAddr::V4(v4) => {
            out.ipv4_address = IMA_TRUE;
            out.ip_address[..4].copy_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => out.ip_address = v6.octets(),
    }
    out
}

/// `IMA_HOST_ID` → [`Host`].
pub(crate) fn host_from_c(host: &HostId) -> Result<Host> {
    if host.hostname_in_use == IMA_TRUE {
        // SAFETY: `hostnameInUse` says the hostname member is the valid one.
        let name = unsafe { host.id.hostname };
        wide_array_to_string(&name)
            .map(Host::Name)
            .map_err(|_| ima_support::ArgError::InvalidArgument("hostname").into())
    } else {
        // SAFETY: otherwise the IP address member is the valid one.
        Ok(Host::Ip(ip_from_c(unsafe { &host.id.ip_address })))
    }
}

/// [`Host`] → `IMA_HOST_ID`.
pub(crate) fn host_to_c(host: &Host) -> HostId {
    let mut out = HostId::zeroed();
    match host {
        Host::Ip(ip) => out.id.ip_address = ip_to_c(*ip),
        Host::Name(name) => {
            out.hostname_in_use = IMA_TRUE;
            let mut wide = [0; ima_abi::IMA_HOST_NAME_LEN];
            wide_into(name, &mut wide);
            out.id.hostname = wide;
        }
    }
    out
}

/// `IMA_TARGET_ADDRESS` → [`TargetAddr`].
pub(crate) fn target_addr_from_c(address: &TargetAddress) -> Result<TargetAddr> {
    Ok(TargetAddr {
        host: host_from_c(&address.hostname_ip_address)?,
        port: address.port_number,
    })
}

/// [`TargetAddr`] → `IMA_TARGET_ADDRESS`.
pub(crate) fn target_addr_to_c(address: &TargetAddr) -> TargetAddress {
    let mut out = TargetAddress::zeroed();
    out.hostname_ip_address = host_to_c(&address.host);
    out.port_number = address.port;
    out
}

/// Checks that a pointer argument is non-NULL (re-exported for the export files).
pub(crate) fn need<T>(ptr: *const T, name: &'static str) -> Result<()> {
    Ok(non_null(ptr, name)?)
}

/// A time as an `IMA_DATETIME` (`struct tm`, UTC); zeroed when the system cannot convert it.
pub(crate) fn datetime(at: std::time::SystemTime) -> ima_abi::ImaDatetime {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let t = libc::time_t::try_from(secs).unwrap_or(libc::time_t::MAX);
    // SAFETY: `struct tm` is plain integers (and, on glibc, a pointer that may be NULL):
    // all zeroes is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals; gmtime_r is the re-entrant form.
    let converted = unsafe { libc::gmtime_r(&t, &mut tm) };
    if converted.is_null() {
        // SAFETY: as above.
        return unsafe { std::mem::zeroed() };
    }
    tm
}
