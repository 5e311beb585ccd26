//! The exported `IMA_*` functions, grouped like docs/ima-notes.md §2.
//!
//! Every function is `#[unsafe(no_mangle)] pub unsafe extern "C"`, returns `IMA_STATUS`
//! ([`ImaStatus`](ima_abi::ImaStatus)) and runs its body inside the one boundary guard. See the
//! crate documentation for the shared safety contract and the status-code rules.
#![allow(non_snake_case)]

use std::ptr::null_mut;

use ima_abi::{ImaStatus, ObjectType, Oid, OidList};

use crate::error::ImaError;
use crate::library::library;
use crate::plugin::dispatch::{MAX_LIST_ENTRIES, take_list};
use crate::plugin::table::{AggregateListFn, EntryPoints, RoutedListFn};
use crate::plugin::{Plugin, Session};
use ima_support::memory::publish_list;
use ima_support::non_null;

/// Defines one export: doc, safety section, `no_mangle`, guard (`ima_support::export!` with
/// the library's error type).
macro_rules! export {
    ($($t:tt)*) => {
        ::ima_support::export! { error = $crate::ImaError; $($t)* }
    };
}

/// Routes to the owner of `$oid` (type checked against the list) and calls `$sym` there.
macro_rules! route_call {
    ($oid:expr, [$($ty:ident),+], $sym:ident($($arg:expr),* $(,)?)) => {{
        let plugin = $crate::library::library()
            .route($oid, &[$(::ima_abi::ObjectType::$ty),+])?;
        let session = plugin.enter()?;
        let f = session.entry(stringify!($sym), |e| e.$sym)?;
        // SAFETY: `f` was resolved from the entered (hence loaded) plugin under the IMA name
        // `$sym` and is declared with that prototype; the arguments are the caller's,
        // validated as the API requires and forwarded unchanged.
        Ok(session.status(unsafe { f($($arg),*) }))
    }};
}

/// `IMA_STATUS f(IMA_OID, T *pOut)`: pointer must be non-NULL, then routed.
macro_rules! getter {
    ($(#[$doc:meta])* $name:ident($oid:ident, $out:ident: *mut $t:ty) [$($ty:ident),+]) => {
        export! {
            $(#[$doc])*
            fn $name($oid: ::ima_abi::Oid, $out: *mut $t) {
                ::ima_support::non_null($out, stringify!($out))?;
                route_call!($oid, [$($ty),+], $name($oid, $out))
            }
        }
    };
}

/// `IMA_STATUS f(IMA_OID, IMA_BOOL)`: the boolean must be 0 or 1, then routed.
macro_rules! bool_setter {
    ($(#[$doc:meta])* $name:ident($oid:ident, $value:ident) [$($ty:ident),+]) => {
        export! {
            $(#[$doc])*
            fn $name($oid: ::ima_abi::Oid, $value: ::ima_abi::ImaBool) {
                ::ima_support::check_bool($value, stringify!($value))?;
                route_call!($oid, [$($ty),+], $name($oid, $value))
            }
        }
    };
}

/// `IMA_STATUS f(IMA_OID, T value)`: routed with the value unchanged.
macro_rules! value_setter {
    ($(#[$doc:meta])* $name:ident($oid:ident, $value:ident: $t:ty) [$($ty:ident),+]) => {
        export! {
            $(#[$doc])*
            fn $name($oid: ::ima_abi::Oid, $value: $t) {
                route_call!($oid, [$($ty),+], $name($oid, $value))
            }
        }
    };
}

/// `IMA_STATUS f(IMA_OID)`: routed.
macro_rules! oid_call {
    ($(#[$doc:meta])* $name:ident($oid:ident) [$($ty:ident),+]) => {
        export! {
            $(#[$doc])*
            fn $name($oid: ::ima_abi::Oid) {
                route_call!($oid, [$($ty),+], $name($oid))
            }
        }
    };
}

/// `IMA_STATUS f(IMA_OID, IMA_OID_LIST **)`: routed, the list copied into library memory.
macro_rules! routed_list {
    ($(#[$doc:meta])* $name:ident($oid:ident, $list:ident) [$($ty:ident),+]) => {
        export! {
            $(#[$doc])*
            fn $name($oid: ::ima_abi::Oid, $list: *mut *mut ::ima_abi::OidList) {
                $crate::exports::routed_list(
                    $oid,
                    &[$(::ima_abi::ObjectType::$ty),+],
                    $list,
                    stringify!($name),
                    |e| e.$name,
                )
            }
        }
    };
}

/// `IMA_STATUS f(IMA_OID_LIST **)`: every plugin once, lists concatenated.
macro_rules! aggregate_list {
    ($(#[$doc:meta])* $name:ident($list:ident)) => {
        export! {
            $(#[$doc])*
            fn $name($list: *mut *mut ::ima_abi::OidList) {
                $crate::exports::aggregate_list($list, stringify!($name), |e| e.$name)
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

/// Routed list call: validates, routes, copies the plugin's list into library memory.
fn routed_list(
    oid: Oid,
    allowed: &[ObjectType],
    pp_list: *mut *mut OidList,
    symbol: &'static str,
    pick: fn(&EntryPoints) -> Option<RoutedListFn>,
) -> Result<ImaStatus, ImaError> {
    non_null(pp_list, "ppList")?;
    let plugin = library().route(oid, allowed)?;
    let session = plugin.enter()?;
    let f = session.entry(symbol, pick)?;
    let mut list: *mut OidList = null_mut();
    // SAFETY: `f` is the plugin's entry point `symbol` with prototype
    // `(IMA_OID, IMA_OID_LIST **)`; `list` is a valid out-parameter.
    let status = session.status(unsafe { f(oid, &raw mut list) });
    let result = if status.is_error() {
        null_mut()
    } else {
        // SAFETY: on success the plugin returned its counted OID list through `list`.
        let oids = unsafe { take_list::<OidList, Oid>(&session, list, MAX_LIST_ENTRIES) }?;
        drop(session);
        publish_list::<OidList, Oid>(&oids)?
    };
    // SAFETY: `pp_list` is non-NULL and, by the caller's contract, writable.
    unsafe { pp_list.write(result) };
    Ok(status)
}

/// System-wide list: each plugin once. A plugin lacking the entry point or failing is skipped
/// with a log line; the call fails only if none succeeded and one returned an error.
fn aggregate_list(
    pp_list: *mut *mut OidList,
    symbol: &'static str,
    pick: fn(&EntryPoints) -> Option<AggregateListFn>,
) -> Result<ImaStatus, ImaError> {
    non_null(pp_list, "ppList")?;
    let mut all = Vec::new();
    let mut any_ok = false;
    let mut first_error = None;
    for plugin in &library().plugins {
        match collect_one(plugin, symbol, pick) {
            Ok(oids) if all.len() + oids.len() <= MAX_LIST_ENTRIES => {
                any_ok = true;
                all.extend(oids);
            }
            Ok(_) => tracing::warn!(
                owner = plugin.owner_id,
                symbol,
                "aggregate list too long, plugin skipped"
            ),
            Err(error @ ImaError::MissingEntryPoint { .. }) => {
                tracing::info!(owner = plugin.owner_id, %error, "plugin skipped");
            }
            Err(error) => {
                tracing::warn!(owner = plugin.owner_id, %error, symbol, "plugin failed, skipped");
                first_error.get_or_insert(error);
            }
        }
    }
    if let (false, Some(error)) = (any_ok, first_error) {
        return Err(error);
    }
    let list = publish_list::<OidList, Oid>(&all)?;
    // SAFETY: `pp_list` is non-NULL and, by the caller's contract, writable.
    unsafe { pp_list.write(list) };
    Ok(ImaStatus::STATUS_SUCCESS)
}

fn collect_one(
    plugin: &Plugin,
    symbol: &'static str,
    pick: fn(&EntryPoints) -> Option<AggregateListFn>,
) -> Result<Vec<Oid>, ImaError> {
    let session: Session<'_> = plugin.enter()?;
    let f = session.entry(symbol, pick)?;
    let mut list: *mut OidList = null_mut();
    // SAFETY: `f` is the plugin's `symbol` with prototype `(IMA_OID_LIST **)`; `list` is a
    // valid out-parameter.
    let status = session.status(unsafe { f(&raw mut list) });
    if status.is_error() {
        return Err(ImaError::Plugin(status));
    }
    // SAFETY: on success the plugin returned its counted OID list through `list`.
    unsafe { take_list::<OidList, Oid>(&session, list, MAX_LIST_ENTRIES) }
}
