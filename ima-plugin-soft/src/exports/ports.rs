//! Network ports and portals (docs/ima-notes.md §2.5).

use ima_abi::{
    ImaBool, IpAddress, IpProperties, LnpProperties, NetworkPortStatus, NetworkPortalProperties,
    ObjectType, Oid, OidList, PnpProperties, PnpStatistics,
};

use super::lhba::system_list;
use super::{enter, give_list, ima_bool, ip_to_c, need, oid_of, put};
use crate::backend::PortStatus;
use crate::state;

export! {
    /// All LNPs; SUCCESS with an empty list when there are none.
    fn IMA_GetLnpOidList(pp_list: *mut *mut OidList) {
        need(pp_list, "ppList")?;
        let (_, backend) = state::current()?;
        let lnps = system_list(backend.lnps())?;
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { give_list(pp_list, &lnps) }
    }
}

export! {
    /// LNP properties.
    fn IMA_GetLnpProperties(lnp_oid: Oid, p_props: *mut LnpProperties) {
        need(p_props, "pProps")?;
        let (lnp, backend) = enter(lnp_oid, &[ObjectType::LNP])?;
        let info = backend.lnp_properties(lnp)?;
        let mut props = LnpProperties::zeroed();
        props.mac_address = info.mac;
        props.mac_address_settable = ima_bool(info.mac_settable);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

object_list! {
    /// PNPs of a PHBA or LNP.
    IMA_GetPnpOidList(oid, pp_list) [PHBA, LNP] => pnps
}

export! {
    /// PNP properties.
    fn IMA_GetPnpProperties(pnp_oid: Oid, p_props: *mut PnpProperties) {
        need(p_props, "pProps")?;
        let (pnp, backend) = enter(pnp_oid, &[ObjectType::PNP])?;
        let info = backend.pnp_properties(pnp)?;
        let mut props = PnpProperties::zeroed();
        props.associated_phba_oid = oid_of(info.phba)?;
        props.mac_address = info.mac;
        props.mac_address_settable = ima_bool(info.mac_settable);
        props.maximum_transfer_rate = info.maximum_transfer_rate.into();
        props.current_transfer_rate = info.current_transfer_rate.into();
        props.maximum_frame_size = info.maximum_frame_size.into();
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// iSCSI PDUs and bytes of the sessions whose local address is on this port (live
    /// ones and those that ended); counts above the C fields saturate.
    fn IMA_GetPnpStatistics(pnp_oid: Oid, p_stats: *mut PnpStatistics) {
        need(p_stats, "pStats")?;
        let (pnp, backend) = enter(pnp_oid, &[ObjectType::PNP])?;
        let s = backend.pnp_statistics(pnp)?;
        let mut stats = PnpStatistics::zeroed();
        stats.bytes_sent = i64::try_from(s.bytes_sent).unwrap_or(i64::MAX);
        stats.pdus_sent = u32::try_from(s.pdus_sent).unwrap_or(u32::MAX);
        stats.bytes_received = i64::try_from(s.bytes_received).unwrap_or(i64::MAX);
        stats.pdus_received = u32::try_from(s.pdus_received).unwrap_or(u32::MAX);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_stats, stats) }
    }
}

export! {
    /// Status of a PNP or LNP.
    fn IMA_GetNetworkPortStatus(port_oid: Oid, p_status: *mut NetworkPortStatus) {
        need(p_status, "pStatus")?;
        let (port, backend) = enter(port_oid, &[ObjectType::PNP, ObjectType::LNP])?;
        let status = match backend.network_port_status(port)? {
            PortStatus::Working => NetworkPortStatus::WORKING,
            PortStatus::Degraded => NetworkPortStatus::DEGRADED,
            PortStatus::Critical => NetworkPortStatus::CRITICAL,
            PortStatus::Failed => NetworkPortStatus::FAILED,
            PortStatus::Disconnected => NetworkPortStatus::DISCONNECTED,
        };
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_status, status) }
    }
}

object_list! {
    /// Network portals of an LNP.
    IMA_GetNetworkPortalOidList(oid, pp_list) [LNP] => network_portals
}

export! {
    /// Network portal properties.
    fn IMA_GetNetworkPortalProperties(
        network_portal_oid: Oid,
        p_props: *mut NetworkPortalProperties,
    ) {
        need(p_props, "pProps")?;
        let (portal, backend) = enter(network_portal_oid, &[ObjectType::NETWORK_PORTAL])?;
        let info = backend.network_portal_properties(portal)?;
        let mut props = NetworkPortalProperties::zeroed();
        props.ip_address = ip_to_c(info.ip);
        props.associated_lnp = oid_of(info.lnp)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

unsupported! {
    /// The host's addresses are not ours to change: NOT_SUPPORTED.
    IMA_SetNetworkPortalIpAddress(network_portal_oid, new_ip_address: IpAddress) [NETWORK_PORTAL]
}

unsupported! {
    /// IP configuration is the host's: NOT_SUPPORTED.
    IMA_GetIpProperties(oid, p_props: *mut IpProperties) [PNP]
    non_null(p_props)
}

unsupported! {
    /// IP configuration is the host's: NOT_SUPPORTED.
    IMA_SetIpConfigMethod(oid, enable_dhcp_ip_configuration: ImaBool) [PNP]
}

unsupported! {
    /// IP configuration is the host's: NOT_SUPPORTED.
    IMA_SetSubnetMask(oid, subnet_mask: IpAddress) [PNP]
}

unsupported! {
    /// IP configuration is the host's: NOT_SUPPORTED.
    IMA_SetDnsServerAddress(
        oid,
        p_primary_dns_server_address: *const IpAddress,
        p_alternate_dns_server_address: *const IpAddress,
    ) [PNP]
}

unsupported! {
    /// IP configuration is the host's: NOT_SUPPORTED.
    IMA_SetDefaultGateway(oid, default_gateway: IpAddress) [PNP]
}
