//! Discovery: methods, SendTargets addresses, static targets (docs/ima-notes.md §2.6).

use ima_abi::{
    DiscoveryAddressProperties, DiscoveryProperties, HostId, IMA_TRUE, ImaBool,
    IsnsDiscoveryMethod, Oid, StaticDiscoveryTarget, StaticDiscoveryTargetProperties,
    TargetAddress,
};

use ima_support::{check_bool, check_range, non_null};

getter! {
    /// Which discovery methods are settable/enabled. ROUTE(PHBA, LHBA).
    IMA_GetDiscoveryProperties(oid, p_props: *mut DiscoveryProperties) [PHBA, LHBA]
}

bool_setter! {
    /// Static discovery on or off. ROUTE(PHBA, LHBA); boolean checked.
    IMA_SetStaticDiscovery(oid, enable_static_discovery) [PHBA, LHBA]
}

bool_setter! {
    /// SendTargets discovery on or off. ROUTE(PHBA, LHBA); boolean checked.
    IMA_SetSendTargetsDiscovery(oid, enable_send_targets_discovery) [PHBA, LHBA]
}

bool_setter! {
    /// SLP discovery on or off. ROUTE(PHBA, LHBA); boolean checked.
    IMA_SetSlpDiscovery(oid, enable_slp_discovery) [PHBA, LHBA]
}

export! {
    /// iSNS discovery on or off. ROUTE(PHBA, LHBA); boolean checked, method 0..=2, and the
    /// host required when enabling.
    fn IMA_SetIsnsDiscovery(
        oid: Oid,
        enable_isns_discovery: ImaBool,
        discovery_method: IsnsDiscoveryMethod,
        i_sns_host: *const HostId,
    ) {
        check_bool(enable_isns_discovery, "enableIsnsDiscovery")?;
        check_range(discovery_method.is_defined(), "discoveryMethod")?;
        if enable_isns_discovery == IMA_TRUE {
            non_null(i_sns_host, "iSnsHost")?;
        }
        route_call!(
            oid,
            [PHBA, LHBA],
            IMA_SetIsnsDiscovery(oid, enable_isns_discovery, discovery_method, i_sns_host)
        )
    }
}

export! {
    /// Adds a SendTargets address. ROUTE(LHBA, PNP). The OID out-pointer may be NULL (the
    /// plugin then writes into a library temporary).
    fn IMA_AddDiscoveryAddress(oid: Oid, discovery_address: TargetAddress, p_discovery_address_oid: *mut Oid) {
        let mut scratch = Oid::default();
        let out = if p_discovery_address_oid.is_null() { &raw mut scratch } else { p_discovery_address_oid };
        route_call!(oid, [LHBA, PNP], IMA_AddDiscoveryAddress(oid, discovery_address, out))
    }
}

oid_call! {
    /// Removes a discovery address. ROUTE(DISCOVERY_ADDRESS).
    IMA_RemoveDiscoveryAddress(discovery_address_oid) [DISCOVERY_ADDRESS]
}

routed_list! {
    /// Discovery addresses of an LHBA or PNP. ROUTE(LHBA, PNP), list copied.
    IMA_GetDiscoveryAddressOidList(oid, pp_list) [LHBA, PNP]
}

getter! {
    /// Discovery address properties. ROUTE(DISCOVERY_ADDRESS).
    IMA_GetDiscoveryAddressProperties(discovery_address_oid, p_props: *mut DiscoveryAddressProperties) [DISCOVERY_ADDRESS]
}

export! {
    /// Adds a static target. ROUTE(LHBA, PNP). The OID out-pointer may be NULL.
    fn IMA_AddStaticDiscoveryTarget(
        oid: Oid,
        static_discovery_target: StaticDiscoveryTarget,
        p_static_discovery_target_oid: *mut Oid,
    ) {
        let mut scratch = Oid::default();
        let out = if p_static_discovery_target_oid.is_null() {
            &raw mut scratch
        } else {
            p_static_discovery_target_oid
        };
        route_call!(oid, [LHBA, PNP], IMA_AddStaticDiscoveryTarget(oid, static_discovery_target, out))
    }
}

oid_call! {
    /// Removes a static target. ROUTE(STATIC_DISCOVERY_TARGET).
    IMA_RemoveStaticDiscoveryTarget(static_discovery_target_oid) [STATIC_DISCOVERY_TARGET]
}

routed_list! {
    /// Static targets of an LHBA or PNP. ROUTE(LHBA, PNP), list copied (illumos passes the
    /// plugin's memory through instead).
    IMA_GetStaticDiscoveryTargetOidList(oid, pp_list) [LHBA, PNP]
}

getter! {
    /// Static target properties. ROUTE(STATIC_DISCOVERY_TARGET).
    IMA_GetStaticDiscoveryTargetProperties(static_discovery_target_oid, p_props: *mut StaticDiscoveryTargetProperties) [STATIC_DISCOVERY_TARGET]
}
