//! Targets and their address keys (docs/ima-notes.md §2.7).

use std::ptr::null_mut;

use ima_abi::{AddressKey, AddressKeys, ImaStatus, Oid, TargetErrorStatistics, TargetProperties};

use crate::error::ImaError;
use crate::library::library;
use crate::plugin::dispatch::{MAX_LIST_ENTRIES, take_list};
use ima_support::memory::publish_list;
use ima_support::non_null;

routed_list! {
    /// Targets visible through an LHBA or LNP. ROUTE(LHBA, LNP), list copied.
    IMA_GetTargetOidList(oid, pp_list) [LHBA, LNP]
}

getter! {
    /// Target properties. ROUTE(TARGET).
    IMA_GetTargetProperties(target_oid, p_props: *mut TargetProperties) [TARGET]
}

getter! {
    /// Target error counters. ROUTE(TARGET).
    IMA_GetTargetErrorStatistics(target_oid, p_stats: *mut TargetErrorStatistics) [TARGET]
}

type KeysFn = ima_abi::plugin_api::IMA_GetAddressKeys;

fn address_keys(
    target_oid: Oid,
    pp_keys: *mut *mut AddressKeys,
    symbol: &'static str,
    pick: fn(&crate::plugin::table::EntryPoints) -> Option<KeysFn>,
) -> Result<ImaStatus, ImaError> {
    non_null(pp_keys, "ppKeys")?;
    let plugin = library().route(target_oid, &[ima_abi::ObjectType::TARGET])?;
    let session = plugin.enter()?;
    let f = session.entry(symbol, pick)?;
    let mut keys: *mut AddressKeys = null_mut();
    // SAFETY: `f` is the plugin's `symbol` with prototype `(IMA_OID, IMA_ADDRESS_KEYS **)`;
    // `keys` is a valid out-parameter.
    let status = session.status(unsafe { f(target_oid, &raw mut keys) });
    let result = if status.is_error() {
        null_mut()
    } else {
        // SAFETY: on success the plugin returned its counted key list through `keys`; it is
        // read as header + count × 24 bytes (not illumos's over-read, docs/ima-notes.md §3.7).
        let copied =
            unsafe { take_list::<AddressKeys, AddressKey>(&session, keys, MAX_LIST_ENTRIES) }?;
        drop(session);
        publish_list::<AddressKeys, AddressKey>(&copied)?
    };
    // SAFETY: non-NULL and writable by the caller's contract.
    unsafe { pp_keys.write(result) };
    Ok(status)
}

export! {
    /// The (IP, port) pairs a target is reachable at. ROUTE(TARGET), list copied.
    fn IMA_GetAddressKeys(target_oid: Oid, pp_keys: *mut *mut AddressKeys) {
        address_keys(target_oid, pp_keys, "IMA_GetAddressKeys", |e| e.IMA_GetAddressKeys)
    }
}

export! {
    /// Older name of [`IMA_GetAddressKeys`] (declared in the SNIA header, never implemented
    /// by illumos). ROUTE(TARGET), list copied.
    fn IMA_GetAddressKeyProperties(target_oid: Oid, pp_props: *mut *mut AddressKeys) {
        address_keys(target_oid, pp_props, "IMA_GetAddressKeyProperties", |e| e.IMA_GetAddressKeyProperties)
    }
}
