//! Physical HBA (docs/ima-notes.md §2.4).

use ima_abi::{
    IpsecProperties, ObjectType, Oid, OidList, PhbaDownloadImageProperties, PhbaDownloadImageType,
    PhbaDownloadProperties, PhbaProperties, PhbaStatus, WChar,
};

use super::lhba::system_list;
use super::{enter, give_list, ima_bool, need, put, wide_into};
use crate::state;

export! {
    /// All PHBAs; SUCCESS with an empty list when the backend has none.
    fn IMA_GetPhbaOidList(pp_list: *mut *mut OidList) {
        need(pp_list, "ppList")?;
        let (_, backend) = state::current()?;
        let phbas = system_list(backend.phbas())?;
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { give_list(pp_list, &phbas) }
    }
}

export! {
    /// PHBA properties.
    fn IMA_GetPhbaProperties(phba_oid: Oid, p_props: *mut PhbaProperties) {
        need(p_props, "pProps")?;
        let (phba, backend) = enter(phba_oid, &[ObjectType::PHBA])?;
        let info = backend.phba_properties(phba)?;
        let mut props = PhbaProperties::zeroed();
        wide_into(&info.vendor, &mut props.vendor);
        wide_into(&info.model, &mut props.model);
        wide_into(&info.description, &mut props.description);
        wide_into(&info.serial_number, &mut props.serial_number);
        wide_into(&info.hardware_version, &mut props.hardware_version);
        wide_into(&info.asic_version, &mut props.asic_version);
        wide_into(&info.firmware_version, &mut props.firmware_version);
        wide_into(&info.option_rom_version, &mut props.option_rom_version);
        wide_into(&info.driver_name, &mut props.driver_name);
        wide_into(&info.driver_version, &mut props.driver_version);
        props.supported_ulps = info.supported_ulps.into();
        props.bidirectional_transfers_supported = ima_bool(info.bidirectional_transfers_supported);
        props.maximum_cdb_length = info.maximum_cdb_length.into();
        props.can_be_nic = ima_bool(info.can_be_nic);
        props.is_nic = ima_bool(info.is_nic);
        props.is_initiator = ima_bool(info.is_initiator);
        props.is_target = ima_bool(info.is_target);
        props.using_tcp_offload_engine = ima_bool(info.using_tcp_offload_engine);
        props.using_iscsi_offload_engine = ima_bool(info.using_iscsi_offload_engine);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// WORKING or FAILED.
    fn IMA_GetPhbaStatus(phba_oid: Oid, p_status: *mut PhbaStatus) {
        need(p_status, "pStatus")?;
        let (phba, backend) = enter(phba_oid, &[ObjectType::PHBA])?;
        let status = if backend.phba_working(phba)? { PhbaStatus::WORKING } else { PhbaStatus::FAILED };
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_status, status) }
    }
}

unsupported! {
    /// No firmware: NOT_SUPPORTED.
    IMA_GetPhbaDownloadProperties(phba_oid, p_props: *mut PhbaDownloadProperties) [PHBA]
    non_null(p_props)
}

unsupported! {
    /// No firmware: NOT_SUPPORTED.
    IMA_IsPhbaDownloadFile(
        phba_oid,
        p_file_name: *const WChar,
        p_props: *mut PhbaDownloadImageProperties,
    ) [PHBA]
    non_null(p_file_name, p_props)
}

unsupported! {
    /// No firmware: NOT_SUPPORTED.
    IMA_PhbaDownload(phba_oid, image_type: PhbaDownloadImageType, p_file_name: *const WChar) [PHBA]
    non_null(p_file_name)
}

unsupported! {
    /// IPsec: NOT_SUPPORTED.
    IMA_GetIpsecProperties(oid, p_props: *mut IpsecProperties) [PNP, LHBA]
    non_null(p_props)
}
