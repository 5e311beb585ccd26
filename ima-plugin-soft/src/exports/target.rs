//! Targets (docs/ima-notes.md §2.7).

use std::net::SocketAddr;

use ima_abi::{
    AddressKey, AddressKeyProperties, AddressKeys, ObjectType, Oid, TargetErrorStatistics,
    TargetProperties,
};
use ima_support::memory::publish_list_sized;

use super::{enter, ima_bool, ip_to_c, need, oid_of, put, wide_into};

/// Bytes an illumos-style library copies per address key (`sizeof(IMA_ADDRESS_KEYS)` on LP64,
/// docs/ima-notes.md §3.7): the list is over-allocated to `max(1, count)` of these.
pub const ADDRESS_KEYS_STRIDE: usize = 32;

object_list! {
    /// Targets seen through an LHBA or LNP.
    IMA_GetTargetOidList(oid, pp_list) [LHBA, LNP] => targets
}

export! {
    /// Target properties.
    fn IMA_GetTargetProperties(target_oid: Oid, p_props: *mut TargetProperties) {
        need(p_props, "pProps")?;
        let (target, backend) = enter(target_oid, &[ObjectType::TARGET])?;
        let info = backend.target_properties(target)?;
        let mut props = TargetProperties::zeroed();
        if let Some(lhba) = info.lhba {
            props.associated_lhba_oid = oid_of(lhba)?;
        }
        wide_into(&info.name, &mut props.name);
        if let Some(alias) = &info.alias {
            wide_into(alias, &mut props.alias);
        }
        props.discovery_method_flags = info.discovery_method_flags;
        props.send_targets_discovery_settable = ima_bool(info.send_targets_settable);
        props.send_targets_discovery_enabled = ima_bool(info.send_targets_enabled);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

/// A counter as a C field (saturating).
fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

export! {
    /// Login failures, failed sessions by cause, digest errors and connections closed on a
    /// timeout, since the plugin started; every count valid.
    fn IMA_GetTargetErrorStatistics(target_oid: Oid, p_stats: *mut TargetErrorStatistics) {
        need(p_stats, "pStats")?;
        let (target, backend) = enter(target_oid, &[ObjectType::TARGET])?;
        let e = backend.target_error_statistics(target)?;
        let mut stats = TargetErrorStatistics::zeroed();
        stats.login_failed_count_valid = ima_bool(true);
        stats.login_failed_count = count(e.login_failed);
        stats.session_failed_count_valid = ima_bool(true);
        stats.session_failed_count = count(e.session_failed);
        stats.header_or_digest_session_failed_count_valid = ima_bool(true);
        stats.header_or_digest_session_failed_count = count(e.digest);
        stats.time_limit_exceeded_session_failed_count_valid = ima_bool(true);
        stats.time_limit_exceeded_session_failed_count = count(e.time_limit_exceeded);
        stats.format_error_session_failed_count_valid = ima_bool(true);
        stats.format_error_session_failed_count = count(e.format_error);
        stats.closed_connection_due_to_timeout_count_valid = ima_bool(true);
        stats.closed_connection_due_to_timeout_count = count(e.closed_for_timeout);
        if let Some(at) = e.last_login_failure {
            stats.last_login_failure_time_valid = ima_bool(true);
            stats.last_login_failure_time = super::datetime(at);
        }
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_stats, stats) }
    }
}

/// The address-key list of `target`, over-allocated for illumos-style libraries.
fn address_keys(target_oid: Oid) -> Result<*mut AddressKeys, crate::PluginError> {
    let (target, backend) = enter(target_oid, &[ObjectType::TARGET])?;
    let keys: Vec<AddressKey> = backend
        .target_address_keys(target)?
        .into_iter()
        .map(|address: SocketAddr| AddressKey {
            ip_address: ip_to_c(address.ip()),
            port_number: address.port(),
        })
        .collect();
    let min = keys.len().max(1).saturating_mul(ADDRESS_KEYS_STRIDE);
    Ok(publish_list_sized::<AddressKeys, AddressKey>(&keys, min)?)
}

export! {
    /// Every (IP, port) of a target; list over-allocated to `max(1, count) * 32` bytes.
    fn IMA_GetAddressKeys(target_oid: Oid, pp_keys: *mut *mut AddressKeys) {
        need(pp_keys, "ppKeys")?;
        let list = address_keys(target_oid)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(pp_keys, list) }
    }
}

export! {
    /// The older name of [`IMA_GetAddressKeys`] (same layout), answered the same way.
    fn IMA_GetAddressKeyProperties(target_oid: Oid, pp_props: *mut *mut AddressKeyProperties) {
        need(pp_props, "ppProps")?;
        let list = address_keys(target_oid)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(pp_props, list) }
    }
}
