//! Network ports (logical and physical), portals and IP properties.

use crate::impl_zeroed;
use crate::oid::Oid;
use crate::prim::{ImaBool, ImaByte, ImaUint, MacAddress};
use crate::props::address::IpAddress;

/// `IMA_IP_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpProperties {
    /// `ipConfigurationMethodSettable`.
    pub ip_configuration_method_settable: ImaBool,
    /// `dhcpConfigurationEnabled`.
    pub dhcp_configuration_enabled: ImaBool,
    /// `subnetMaskSettable`.
    pub subnet_mask_settable: ImaBool,
    /// `subnetMaskValid`.
    pub subnet_mask_valid: ImaBool,
    /// `subnetMask`.
    pub subnet_mask: IpAddress,
    /// `defaultGatewaySettable`.
    pub default_gateway_settable: ImaBool,
    /// `defaultGatewayValid`.
    pub default_gateway_valid: ImaBool,
    /// `defaultGateway`.
    pub default_gateway: IpAddress,
    /// `primaryDnsServerAddressSettable`.
    pub primary_dns_server_address_settable: ImaBool,
    /// `primaryDnsServerAddressValid`.
    pub primary_dns_server_address_valid: ImaBool,
    /// `primaryDnsServerAddress`.
    pub primary_dns_server_address: IpAddress,
    /// `alternateDnsServerAddressSettable`.
    pub alternate_dns_server_address_settable: ImaBool,
    /// `alternateDnsServerAddressValid`.
    pub alternate_dns_server_address_valid: ImaBool,
    /// `alternateDnsServerAddress`.
    pub alternate_dns_server_address: IpAddress,
    /// `reserved`.
    pub reserved: [ImaByte; 64],
}

/// `IMA_LNP_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct LnpProperties {
    /// `macAddress`.
    pub mac_address: MacAddress,
    /// `macAddressSettable`.
    pub mac_address_settable: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 32],
}

/// `IMA_PNP_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PnpProperties {
    /// `associatedPhbaOid`.
    pub associated_phba_oid: Oid,
    /// `macAddress`.
    pub mac_address: MacAddress,
    /// `macAddressSettable`.
    pub mac_address_settable: ImaBool,
    /// `maximumTransferRate`.
    pub maximum_transfer_rate: ImaUint,
    /// `currentTransferRate`.
    pub current_transfer_rate: ImaUint,
    /// `maximumFrameSize`.
    pub maximum_frame_size: ImaUint,
    /// `reserved`.
    pub reserved: [ImaByte; 64],
}

/// `IMA_PNP_STATISTICS`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PnpStatistics {
    /// `bytesSent`.
    pub bytes_sent: i64,
    /// `pdusSent`.
    pub pdus_sent: u32,
    /// `bytesReceived`.
    pub bytes_received: i64,
    /// `pdusReceived`.
    pub pdus_received: u32,
}

/// `IMA_NETWORK_PORTAL_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NetworkPortalProperties {
    /// `ipAddress`.
    pub ip_address: IpAddress,
    /// `associatedLnp`.
    pub associated_lnp: Oid,
    /// `reserved`.
    pub reserved: [ImaByte; 32],
}

impl_zeroed!(
    IpProperties,
    LnpProperties,
    PnpProperties,
    PnpStatistics,
    NetworkPortalProperties
);
