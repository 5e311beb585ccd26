//! Logical units and SCSI pass-through (docs/ima-notes.md §2.8).

use ima_abi::{ImaBool, ImaByte, ImaStatus, ImaUint, LuProperties, ObjectType, Oid};
use ima_support::{check_bool, check_scsi_buffers};

use super::{enter, ima_bool, need, oid_of, put, wide_into};
use crate::backend::ScsiReply;
use crate::error::PluginError;

object_list! {
    /// LUs of an LHBA (all) or of a target.
    IMA_GetLuOidList(oid, pp_list) [LHBA, TARGET] => lus
}

export! {
    /// The LU of a target with a LUN.
    fn IMA_GetLuOid(target_oid: Oid, lun: i64, p_lu_oid: *mut Oid) {
        need(p_lu_oid, "pluOid")?;
        let (target, backend) = enter(target_oid, &[ObjectType::TARGET])?;
        // A LUN is a 64-bit pattern: the C signed type carries it unchanged.
        let lu = oid_of(backend.lu_by_lun(target, lun as u64)?)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_lu_oid, lu) }
    }
}

export! {
    /// LU properties; an exposed LU has its NBD URI (or export name) as OS device name.
    fn IMA_GetLuProperties(lu_oid: Oid, p_props: *mut LuProperties) {
        need(p_props, "pProps")?;
        let (lu, backend) = enter(lu_oid, &[ObjectType::LU])?;
        let info = backend.lu_properties(lu)?;
        let mut props = LuProperties::zeroed();
        props.associated_target_oid = oid_of(info.target)?;
        props.target_lun = info.lun as i64;
        props.exposed_to_os = ima_bool(info.exposed_to_os);
        if let Some(at) = info.time_exposed_to_os {
            props.time_exposed_to_os = super::datetime(at);
        }
        if let Some(name) = &info.os_device_name {
            props.os_device_name_valid = ima_bool(true);
            wide_into(name, &mut props.os_device_name);
        }
        if let Some((bus, target, lun)) = info.os_parallel_ids {
            props.os_parallel_ids_valid = ima_bool(true);
            props.os_bus_number = bus;
            props.os_target_id = target;
            props.os_lun = lun;
        }
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// Exposes an LU to the OS as an NBD export (docs/nbd.md): `LU_EXPOSED` when it is.
    fn IMA_ExposeLu(lu_oid: Oid) {
        let (lu, backend) = enter(lu_oid, &[ObjectType::LU])?;
        let uri = backend.expose_lu(lu)?;
        tracing::info!(%uri, "LU exposed");
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Stops exposing an LU: `LU_NOT_EXPOSED` when it is not, `LU_IN_USE` while NBD clients
    /// are connected.
    fn IMA_UnexposeLu(lu_oid: Oid) {
        let (lu, backend) = enter(lu_oid, &[ObjectType::LU])?;
        backend.unexpose_lu(lu, false)?;
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

/// The caller's buffers of a pass-through call.
struct Buffers {
    output: *mut ImaByte,
    output_length: *mut ImaUint,
    sense: *mut ImaByte,
    sense_length: *mut ImaUint,
}

impl Buffers {
    /// Output buffer and length non-NULL with a non-zero length; the sense buffer may be NULL
    /// only if its length is NULL or 0. Returns the output capacity.
    fn check(&self) -> Result<usize, PluginError> {
        // SAFETY: the length pointers are NULL or readable by the caller's contract (the
        // export's `# Safety`).
        let capacity = unsafe {
            check_scsi_buffers(
                self.output,
                self.output_length,
                self.sense,
                self.sense_length,
            )
        }?;
        Ok(usize::try_from(capacity).unwrap_or(usize::MAX))
    }

    /// Copies the reply out: data (truncated to the buffer, length = bytes copied), sense on
    /// CHECK CONDITION; maps the SCSI status.
    fn deliver(&self, capacity: usize, reply: &ScsiReply) -> Result<ImaStatus, PluginError> {
        let n = reply.data.len().min(capacity);
        // SAFETY: the output buffer holds `capacity` bytes (caller's contract); `n` fits;
        // the length pointers were checked by `check`.
        unsafe {
            std::ptr::copy_nonoverlapping(reply.data.as_ptr(), self.output, n);
            self.output_length.write(n as ImaUint);
        }
        match reply.status {
            0x00 => Ok(ImaStatus::STATUS_SUCCESS),
            0x02 => {
                if !self.sense.is_null() {
                    // SAFETY: non-NULL sense buffer with a non-NULL length holding its
                    // capacity (checked by `check`).
                    unsafe {
                        let room = usize::try_from(self.sense_length.read()).unwrap_or(usize::MAX);
                        let m = reply.sense.len().min(room);
                        std::ptr::copy_nonoverlapping(reply.sense.as_ptr(), self.sense, m);
                        self.sense_length.write(m as ImaUint);
                    }
                }
                Err(PluginError::Status(
                    ImaStatus::ERROR_SCSI_STATUS_CHECK_CONDITION,
                ))
            }
            0x08 => Err(PluginError::Status(ImaStatus::ERROR_SCSI_STATUS_BUSY)),
            _ => Err(PluginError::Engine(format!(
                "SCSI status {:#04x}",
                reply.status
            ))),
        }
    }
}

export! {
    /// SCSI INQUIRY to an LU or (LUN 0 of) a target.
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
        let buffers = Buffers {
            output: p_output_buffer,
            output_length: p_output_buffer_length,
            sense: p_sense_buffer,
            sense_length: p_sense_buffer_length,
        };
        let capacity = buffers.check()?;
        let (device, backend) = enter(device_oid, &[ObjectType::TARGET, ObjectType::LU])?;
        let reply = backend.lu_inquiry(device, evpd != 0, cmddt != 0, page_code, capacity)?;
        buffers.deliver(capacity, &reply)
    }
}

export! {
    /// READ CAPACITY (10) or (16).
    fn IMA_LuReadCapacity(
        device_oid: Oid,
        cdb_length: ImaUint,
        p_output_buffer: *mut ImaByte,
        p_output_buffer_length: *mut ImaUint,
        p_sense_buffer: *mut ImaByte,
        p_sense_buffer_length: *mut ImaUint,
    ) {
        let buffers = Buffers {
            output: p_output_buffer,
            output_length: p_output_buffer_length,
            sense: p_sense_buffer,
            sense_length: p_sense_buffer_length,
        };
        let capacity = buffers.check()?;
        let (device, backend) = enter(device_oid, &[ObjectType::TARGET, ObjectType::LU])?;
        let cdb_length = match cdb_length {
            10 => 10,
            16 => 16,
            _ => return Err(PluginError::NotSupported),
        };
        let reply = backend.lu_read_capacity(device, cdb_length, capacity)?;
        buffers.deliver(capacity, &reply)
    }
}

export! {
    /// REPORT LUNS.
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
        let buffers = Buffers {
            output: p_output_buffer,
            output_length: p_output_buffer_length,
            sense: p_sense_buffer,
            sense_length: p_sense_buffer_length,
        };
        let capacity = buffers.check()?;
        let (device, backend) = enter(device_oid, &[ObjectType::TARGET, ObjectType::LU])?;
        let reply = backend.lu_report_luns(device, send_to_well_known_lun != 0, select_report, capacity)?;
        buffers.deliver(capacity, &reply)
    }
}
