//! Addresses: IP address, host id, target address, address keys.

use crate::impl_zeroed;
use crate::prim::{HostName, ImaBool, ImaByte, ImaUint};

/// `IMA_IP_ADDRESS`. IPv4 occupies the first 4 bytes of `ip_address`, network order.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IpAddress {
    /// `ipv4Address`: TRUE for IPv4.
    pub ipv4_address: ImaBool,
    /// `ipAddress`.
    pub ip_address: [ImaByte; 16],
}

/// `IMA_ADDRESS_KEY`.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AddressKey {
    /// `ipAddress`.
    pub ip_address: IpAddress,
    /// `portNumber` (host byte order).
    pub port_number: u16,
}

/// `IMA_ADDRESS_KEYS`: counted list with a trailing array of [`AddressKey`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AddressKeys {
    /// `addressKeyCount`.
    pub address_key_count: ImaUint,
    /// `addressKeys[1]`.
    pub address_keys: [AddressKey; 1],
}

/// `IMA_ADDRESS_KEY_PROPERTIES`: same layout as [`AddressKeys`].
pub type AddressKeyProperties = AddressKeys;

/// The `id` union of `IMA_HOST_ID`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union HostIdValue {
    /// `hostname`.
    pub hostname: HostName,
    /// `ipAddress`.
    pub ip_address: IpAddress,
}

/// `IMA_HOST_ID`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct HostId {
    /// `hostnameInUse`: which member of `id` is valid.
    pub hostname_in_use: ImaBool,
    /// `id`.
    pub id: HostIdValue,
}

/// `IMA_TARGET_ADDRESS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TargetAddress {
    /// `hostnameIpAddress`.
    pub hostname_ip_address: HostId,
    /// `portNumber` (host byte order).
    pub port_number: u16,
}

impl_zeroed!(
    IpAddress,
    AddressKey,
    AddressKeys,
    HostIdValue,
    HostId,
    TargetAddress
);
