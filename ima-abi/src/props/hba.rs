//! Logical and physical HBA properties, download and IPsec properties.

use crate::enums::PhbaDownloadImageType;
use crate::impl_zeroed;
use crate::prim::{ImaBool, ImaByte, ImaUint, ImaXbool, WChar};

/// `IMA_LHBA_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LhbaProperties {
    /// `osDeviceName`.
    pub os_device_name: [WChar; 256],
    /// `luExposingSupported`.
    pub lu_exposing_supported: ImaBool,
    /// `isDestroyable`.
    pub is_destroyable: ImaBool,
    /// `staleDataRemovable`.
    pub stale_data_removable: ImaBool,
    /// `staleDataSize`.
    pub stale_data_size: ImaUint,
    /// `initiatorAuthMethodsSettable`.
    pub initiator_auth_methods_settable: ImaBool,
    /// `targetAuthMethodsSettable`.
    pub target_auth_methods_settable: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 128],
}

/// `IMA_PHBA_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PhbaProperties {
    /// `vendor`.
    pub vendor: [WChar; 64],
    /// `model`.
    pub model: [WChar; 256],
    /// `description`.
    pub description: [WChar; 256],
    /// `serialNumber`.
    pub serial_number: [WChar; 64],
    /// `hardwareVersion`.
    pub hardware_version: [WChar; 256],
    /// `asicVersion`.
    pub asic_version: [WChar; 256],
    /// `firmwareVersion`.
    pub firmware_version: [WChar; 256],
    /// `optionRomVersion`.
    pub option_rom_version: [WChar; 256],
    /// `driverName`.
    pub driver_name: [WChar; 256],
    /// `driverVersion`.
    pub driver_version: [WChar; 256],
    /// `supportedUlps` (`IMA_ULP_*` flags).
    pub supported_ulps: ImaUint,
    /// `bidirectionalTransfersSupported`.
    pub bidirectional_transfers_supported: ImaXbool,
    /// `maximumCdbLength` (0 = unknown).
    pub maximum_cdb_length: ImaUint,
    /// `canBeNic`.
    pub can_be_nic: ImaXbool,
    /// `isNic`.
    pub is_nic: ImaXbool,
    /// `isInitiator`.
    pub is_initiator: ImaXbool,
    /// `isTarget`.
    pub is_target: ImaXbool,
    /// `usingTcpOffloadEngine`.
    pub using_tcp_offload_engine: ImaXbool,
    /// `usingIscsiOffloadEngine`.
    pub using_iscsi_offload_engine: ImaXbool,
    /// `reserved`.
    pub reserved: [ImaByte; 128],
}

/// `IMA_PHBA_DOWNLOAD_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PhbaDownloadProperties {
    /// `isPhbaDownloadFileSupported`.
    pub is_phba_download_file_supported: ImaBool,
    /// `optionRomDownloadSupported`.
    pub option_rom_download_supported: ImaBool,
    /// `firmwareDownloadSupported`.
    pub firmware_download_supported: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 32],
}

/// `IMA_PHBA_DOWNLOAD_IMAGE_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PhbaDownloadImageProperties {
    /// `imageType`.
    pub image_type: PhbaDownloadImageType,
    /// `version`.
    pub version: [WChar; 32],
    /// `description`.
    pub description: [WChar; 512],
    /// `upgrade`.
    pub upgrade: ImaXbool,
}

/// `IMA_IPSEC_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IpsecProperties {
    /// `ipsecSupported`.
    pub ipsec_supported: ImaBool,
    /// `implementedInHardware`.
    pub implemented_in_hardware: ImaBool,
    /// `implementedInSoftware`.
    pub implemented_in_software: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 32],
}

impl_zeroed!(
    LhbaProperties,
    PhbaProperties,
    PhbaDownloadProperties,
    PhbaDownloadImageProperties,
    IpsecProperties
);
