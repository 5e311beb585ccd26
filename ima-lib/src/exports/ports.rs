//! Network ports and portals (docs/ima-notes.md §2.5).

use ima_abi::{
    IpAddress, IpProperties, LnpProperties, NetworkPortStatus, NetworkPortalProperties, Oid,
    PnpProperties, PnpStatistics,
};

use crate::error::ImaError;

aggregate_list! {
    /// All logical network ports: every plugin once, lists concatenated.
    IMA_GetLnpOidList(pp_list)
}

getter! {
    /// LNP properties. ROUTE(LNP).
    IMA_GetLnpProperties(lnp_oid, p_props: *mut LnpProperties) [LNP]
}

routed_list! {
    /// Physical ports of a PHBA or LNP. ROUTE(PHBA, LNP), list copied.
    IMA_GetPnpOidList(oid, pp_list) [PHBA, LNP]
}

getter! {
    /// PNP properties. ROUTE(PNP).
    IMA_GetPnpProperties(pnp_oid, p_props: *mut PnpProperties) [PNP]
}

getter! {
    /// PNP statistics. ROUTE(PNP).
    IMA_GetPnpStatistics(pnp_oid, p_stats: *mut PnpStatistics) [PNP]
}

getter! {
    /// Port health. ROUTE(PNP, LNP).
    IMA_GetNetworkPortStatus(port_oid, p_status: *mut NetworkPortStatus) [PNP, LNP]
}

routed_list! {
    /// Portals of an LNP. ROUTE(LNP), list copied.
    IMA_GetNetworkPortalOidList(oid, pp_list) [LNP]
}

getter! {
    /// Portal properties. ROUTE(NETWORK_PORTAL).
    IMA_GetNetworkPortalProperties(network_portal_oid, p_props: *mut NetworkPortalProperties) [NETWORK_PORTAL]
}

value_setter! {
    /// Changes a portal's IP address. ROUTE(NETWORK_PORTAL).
    IMA_SetNetworkPortalIpAddress(network_portal_oid, new_ip_address: IpAddress) [NETWORK_PORTAL]
}

getter! {
    /// IP configuration of a PNP. ROUTE(PNP).
    IMA_GetIpProperties(oid, p_props: *mut IpProperties) [PNP]
}

bool_setter! {
    /// DHCP on or off. ROUTE(PNP); boolean checked.
    IMA_SetIpConfigMethod(oid, enable_dhcp_ip_configuration) [PNP]
}

value_setter! {
    /// Subnet mask. ROUTE(PNP).
    IMA_SetSubnetMask(oid, subnet_mask: IpAddress) [PNP]
}

export! {
    /// DNS servers. ROUTE(PNP). Both may be NULL (clear); an alternate without a primary, or
    /// an alternate equal to the primary → INVALID_PARAMETER.
    fn IMA_SetDnsServerAddress(
        oid: Oid,
        p_primary_dns_server_address: *const IpAddress,
        p_alternate_dns_server_address: *const IpAddress,
    ) {
        match (p_primary_dns_server_address.is_null(), p_alternate_dns_server_address.is_null()) {
            (true, false) => return Err(ImaError::InvalidArgument("pPrimaryDnsServerAddress")),
            (false, false) => {
                // SAFETY: both non-NULL and readable by the caller's contract.
                let same = unsafe {
                    p_primary_dns_server_address.read() == p_alternate_dns_server_address.read()
                };
                if same {
                    return Err(ImaError::InvalidArgument("pAlternateDnsServerAddress"));
                }
            }
            _ => {}
        }
        route_call!(
            oid,
            [PNP],
            IMA_SetDnsServerAddress(oid, p_primary_dns_server_address, p_alternate_dns_server_address)
        )
    }
}

value_setter! {
    /// Default gateway. ROUTE(PNP).
    IMA_SetDefaultGateway(oid, default_gateway: IpAddress) [PNP]
}
