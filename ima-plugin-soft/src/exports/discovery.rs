//! Discovery: methods, SendTargets addresses, static targets (docs/ima-notes.md §2.6).

use ima_abi::{
    DiscoveryAddressProperties, DiscoveryProperties, HostId, ImaBool, IsnsDiscoveryMethod,
    ObjectType, Oid, StaticDiscoveryTarget, StaticDiscoveryTargetProperties, TargetAddress,
};
use ima_support::{check_bool, check_range};

use super::{
    applied, enter, host_from_c, host_to_c, ima_bool, need, oid_of, put, target_addr_from_c,
    target_addr_to_c, wide_into,
};
use crate::backend::{DiscoveryMethod, StaticTarget};
use crate::error::PluginError;

export! {
    /// Discovery settings of an LHBA or PHBA.
    fn IMA_GetDiscoveryProperties(oid: Oid, p_props: *mut DiscoveryProperties) {
        need(p_props, "pProps")?;
        let (owner, backend) = enter(oid, &[ObjectType::PHBA, ObjectType::LHBA])?;
        let info = backend.discovery_properties(owner)?;
        let mut props = DiscoveryProperties::zeroed();
        props.static_discovery_settable = ima_bool(info.static_settable);
        props.static_discovery_enabled = ima_bool(info.static_enabled);
        props.send_targets_discovery_settable = ima_bool(info.send_targets_settable);
        props.send_targets_discovery_enabled = ima_bool(info.send_targets_enabled);
        props.slp_discovery_settable = ima_bool(info.slp_settable);
        props.slp_discovery_enabled = ima_bool(info.slp_enabled);
        props.i_sns_discovery_settable = ima_bool(info.isns_settable);
        props.i_sns_discovery_enabled = ima_bool(info.isns_enabled);
        props.i_sns_discovery_method = IsnsDiscoveryMethod(info.isns_method);
        if let Some(host) = &info.isns_host {
            props.i_sns_host = host_to_c(host);
        }
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

fn set(
    oid: Oid,
    method: DiscoveryMethod,
    enable: ImaBool,
) -> Result<ima_abi::ImaStatus, PluginError> {
    check_bool(enable, "enable")?;
    let (owner, backend) = enter(oid, &[ObjectType::PHBA, ObjectType::LHBA])?;
    applied(backend.set_discovery(owner, method, enable == ima_abi::IMA_TRUE)?)
}

export! {
    /// Enables or disables static discovery.
    fn IMA_SetStaticDiscovery(oid: Oid, enable_static_discovery: ImaBool) {
        set(oid, DiscoveryMethod::Static, enable_static_discovery)
    }
}

export! {
    /// Enables or disables SendTargets discovery.
    fn IMA_SetSendTargetsDiscovery(oid: Oid, enable_send_targets_discovery: ImaBool) {
        set(oid, DiscoveryMethod::SendTargets, enable_send_targets_discovery)
    }
}

export! {
    /// Enables or disables SLP discovery.
    fn IMA_SetSlpDiscovery(oid: Oid, enable_slp_discovery: ImaBool) {
        set(oid, DiscoveryMethod::Slp, enable_slp_discovery)
    }
}

export! {
    /// Enables or disables iSNS discovery (method 0..=2; the host is required to enable the
    /// static method).
    fn IMA_SetIsnsDiscovery(
        oid: Oid,
        enable_isns_discovery: ImaBool,
        discovery_method: IsnsDiscoveryMethod,
        i_sns_host: *const HostId,
    ) {
        check_range(discovery_method.is_defined(), "discoveryMethod")?;
        let host = if i_sns_host.is_null() {
            None
        } else {
            // SAFETY: non-NULL and readable by the caller's contract.
            Some(host_from_c(unsafe { &*i_sns_host })?)
        };
        let method = DiscoveryMethod::Isns { method: discovery_method.0, host };
        set(oid, method, enable_isns_discovery)
    }
}

export! {
    /// Adds a SendTargets discovery address to an LHBA or PNP; the OID out-pointer may be NULL.
    fn IMA_AddDiscoveryAddress(
        oid: Oid,
        discovery_address: TargetAddress,
        p_discovery_address_oid: *mut Oid,
    ) {
        let address = target_addr_from_c(&discovery_address)?;
        let (owner, backend) = enter(oid, &[ObjectType::LHBA, ObjectType::PNP])?;
        let added = oid_of(backend.add_discovery_address(owner, &address)?)?;
        if !p_discovery_address_oid.is_null() {
            // SAFETY: non-NULL, writable by the caller's contract.
            unsafe { p_discovery_address_oid.write(added) };
        }
        Ok(ima_abi::ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Removes a discovery address.
    fn IMA_RemoveDiscoveryAddress(discovery_address_oid: Oid) {
        let (address, backend) = enter(discovery_address_oid, &[ObjectType::DISCOVERY_ADDRESS])?;
        backend.remove_discovery_address(address)?;
        Ok(ima_abi::ImaStatus::STATUS_SUCCESS)
    }
}

object_list! {
    /// Discovery addresses of an LHBA or PNP.
    IMA_GetDiscoveryAddressOidList(oid, pp_list) [LHBA, PNP] => discovery_addresses
}

export! {
    /// Properties of a discovery address.
    fn IMA_GetDiscoveryAddressProperties(
        discovery_address_oid: Oid,
        p_props: *mut DiscoveryAddressProperties,
    ) {
        need(p_props, "pProps")?;
        let (address, backend) = enter(discovery_address_oid, &[ObjectType::DISCOVERY_ADDRESS])?;
        let info = backend.discovery_address_properties(address)?;
        let mut props = DiscoveryAddressProperties::zeroed();
        props.associated_lhba_oid = oid_of(info.owner)?;
        props.discovery_address = target_addr_to_c(&info.address);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// Adds a static discovery target to an LHBA or PNP; the OID out-pointer may be NULL.
    fn IMA_AddStaticDiscoveryTarget(
        oid: Oid,
        static_discovery_target: StaticDiscoveryTarget,
        p_static_discovery_target_oid: *mut Oid,
    ) {
        let name = ima_abi::wide::wide_array_to_string(&static_discovery_target.target_name)
            .map_err(|_| ima_support::ArgError::InvalidArgument("targetName"))?;
        if name.is_empty() {
            return Err(ima_support::ArgError::InvalidArgument("targetName").into());
        }
        let target = StaticTarget {
            name,
            address: target_addr_from_c(&static_discovery_target.target_address)?,
        };
        let (owner, backend) = enter(oid, &[ObjectType::LHBA, ObjectType::PNP])?;
        let added = oid_of(backend.add_static_target(owner, &target)?)?;
        if !p_static_discovery_target_oid.is_null() {
            // SAFETY: non-NULL, writable by the caller's contract.
            unsafe { p_static_discovery_target_oid.write(added) };
        }
        Ok(ima_abi::ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Removes a static discovery target.
    fn IMA_RemoveStaticDiscoveryTarget(static_discovery_target_oid: Oid) {
        let (target, backend) =
            enter(static_discovery_target_oid, &[ObjectType::STATIC_DISCOVERY_TARGET])?;
        backend.remove_static_target(target)?;
        Ok(ima_abi::ImaStatus::STATUS_SUCCESS)
    }
}

object_list! {
    /// Static discovery targets of an LHBA or PNP (C allocation: a library may `free()` it).
    IMA_GetStaticDiscoveryTargetOidList(oid, pp_list) [LHBA, PNP] => static_targets
}

export! {
    /// Properties of a static discovery target.
    fn IMA_GetStaticDiscoveryTargetProperties(
        static_discovery_target_oid: Oid,
        p_props: *mut StaticDiscoveryTargetProperties,
    ) {
        need(p_props, "pProps")?;
        let (target, backend) =
            enter(static_discovery_target_oid, &[ObjectType::STATIC_DISCOVERY_TARGET])?;
        let info = backend.static_target_properties(target)?;
        let mut props = StaticDiscoveryTargetProperties::zeroed();
        props.associated_lhba_oid = oid_of(info.owner)?;
        wide_into(&info.target.name, &mut props.static_target.target_name);
        props.static_target.target_address = target_addr_to_c(&info.target.address);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}
