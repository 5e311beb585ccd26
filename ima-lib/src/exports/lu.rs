//! Logical units and SCSI pass-through (docs/ima-notes.md §2.8).

use ima_abi::{ImaBool, ImaByte, ImaUint, LuProperties, Oid};

use crate::error::ImaError;
use ima_support::{check_bool, check_range, non_null};

routed_list! {
    /// LUs of an LHBA (all) or of a target. ROUTE(LHBA, TARGET), list copied.
    IMA_GetLuOidList(oid, pp_list) [LHBA, TARGET]
}

export! {
    /// The LU OID for a LUN. ROUTE(TARGET); `pluOid` non-NULL.
    fn IMA_GetLuOid(target_oid: Oid, lun: i64, p_lu_oid: *mut Oid) {
        non_null(p_lu_oid, "pluOid")?;
        route_call!(target_oid, [TARGET], IMA_GetLuOid(target_oid, lun, p_lu_oid))
    }
}

getter! {
    /// LU properties. ROUTE(LU).
    IMA_GetLuProperties(lu_oid, p_props: *mut LuProperties) [LU]
}

oid_call! {
    /// Exposes an LU to the OS. ROUTE(LU).
    IMA_ExposeLu(lu_oid) [LU]
}

oid_call! {
    /// Hides an LU from the OS. ROUTE(LU).
    IMA_UnexposeLu(lu_oid) [LU]
}

/// The pass-through buffer rules ([`ima_support::check_scsi_buffers`]).
fn check_scsi_buffers(
    output: *mut ImaByte,
    output_length: *mut ImaUint,
    sense: *mut ImaByte,
    sense_length: *mut ImaUint,
) -> Result<(), ImaError> {
    // SAFETY: the length pointers are NULL or readable by the caller's contract (the
    // export's `# Safety`).
    unsafe { ima_support::check_scsi_buffers(output, output_length, sense, sense_length) }?;
    Ok(())
}

export! {
    /// SCSI INQUIRY. ROUTE(TARGET, LU); booleans checked; buffer rules of
    /// `check_scsi_buffers`.
    fn IMA_LuInquiry(
        device_oid: Oid,
        evpd: ImaBool,
        cmddt: ImaBool,
        page_code: ImaByte,
        p_output_buffer: *mut ImaByte,
        p_output_buffer_length: *mut ImaUint,
        p_sense_buffer: *mut ImaByte,
        p_sense_buffer_length: *mut ImaUint,
    ) {
        check_bool(evpd, "evpd")?;
        check_bool(cmddt, "cmddt")?;
        check_scsi_buffers(p_output_buffer, p_output_buffer_length, p_sense_buffer, p_sense_buffer_length)?;
        route_call!(
            device_oid,
            [TARGET, LU],
            IMA_LuInquiry(
                device_oid,
                evpd,
                cmddt,
                page_code,
                p_output_buffer,
                p_output_buffer_length,
                p_sense_buffer,
                p_sense_buffer_length,
            )
        )
    }
}

export! {
    /// SCSI READ CAPACITY. ROUTE(TARGET, LU); CDB length 10 or 16; buffer rules as above.
    fn IMA_LuReadCapacity(
        device_oid: Oid,
        cdb_length: ImaUint,
        p_output_buffer: *mut ImaByte,
        p_output_buffer_length: *mut ImaUint,
        p_sense_buffer: *mut ImaByte,
        p_sense_buffer_length: *mut ImaUint,
    ) {
        check_range(cdb_length == 10 || cdb_length == 16, "cdbLength")?;
        check_scsi_buffers(p_output_buffer, p_output_buffer_length, p_sense_buffer, p_sense_buffer_length)?;
        route_call!(
            device_oid,
            [TARGET, LU],
            IMA_LuReadCapacity(
                device_oid,
                cdb_length,
                p_output_buffer,
                p_output_buffer_length,
                p_sense_buffer,
                p_sense_buffer_length,
            )
        )
    }
}

export! {
    /// SCSI REPORT LUNS. ROUTE(TARGET, LU); boolean checked; buffer rules as above.
    fn IMA_LuReportLuns(
        device_oid: Oid,
        send_to_well_known_lun: ImaBool,
        select_report: ImaByte,
        p_output_buffer: *mut ImaByte,
        p_output_buffer_length: *mut ImaUint,
        p_sense_buffer: *mut ImaByte,
        p_sense_buffer_length: *mut ImaUint,
    ) {
        check_bool(send_to_well_known_lun, "sendToWellKnownLun")?;
        check_scsi_buffers(p_output_buffer, p_output_buffer_length, p_sense_buffer, p_sense_buffer_length)?;
        route_call!(
            device_oid,
            [TARGET, LU],
            IMA_LuReportLuns(
                device_oid,
                send_to_well_known_lun,
                select_report,
                p_output_buffer,
                p_output_buffer_length,
                p_sense_buffer,
                p_sense_buffer_length,
            )
        )
    }
}
