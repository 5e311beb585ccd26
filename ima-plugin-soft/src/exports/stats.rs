//! Statistics (docs/ima-notes.md §2.12): counters of targets and LUs from the initiator's
//! sessions and the engine's pass-through commands. Collection is on by default and can be
//! turned off per target or LU, or for all of them on the PHBA or LHBA; turning it on again
//! starts from zero. The time fields of `IMA_DEVICE_STATISTICS` are not measured (zero).

use ima_abi::{DeviceStatistics, IMA_TRUE, ImaBool, ImaStatus, ObjectType, StatisticsProperties};
use ima_support::check_bool;

use super::{enter, ima_bool, need, put};

export! {
    /// Whether collection is on and settable (PNP counters: always on, not settable).
    fn IMA_GetStatisticsProperties(oid: ima_abi::Oid, p_props: *mut StatisticsProperties) {
        need(p_props, "pProps")?;
        let (object, backend) = enter(
            oid,
            &[ObjectType::PHBA, ObjectType::LHBA, ObjectType::TARGET, ObjectType::LU, ObjectType::PNP],
        )?;
        let (settable, enabled) = backend.statistics_properties(object)?;
        let mut props = StatisticsProperties::zeroed();
        props.statistics_collection_settable = ima_bool(settable);
        props.statistics_collection_enabled = ima_bool(enabled);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// Turns collection on or off (not persisted).
    fn IMA_SetStatisticsCollection(oid: ima_abi::Oid, enable_statistics_collection: ImaBool) {
        check_bool(enable_statistics_collection, "enableStatisticsCollection")?;
        let enabled = enable_statistics_collection == IMA_TRUE;
        let (object, backend) = enter(
            oid,
            &[ObjectType::PHBA, ObjectType::LHBA, ObjectType::TARGET, ObjectType::LU],
        )?;
        backend.set_statistics(object, enabled)?;
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

/// `IMA_INT64` counters saturate at `i64::MAX`.
fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

export! {
    /// Counters of a target (every session to it) or an LU (the commands sent to it);
    /// STATS_COLLECTION_NOT_ENABLED when collection is off.
    fn IMA_GetDeviceStatistics(oid: ima_abi::Oid, p_stats: *mut DeviceStatistics) {
        need(p_stats, "pStats")?;
        let (object, backend) = enter(oid, &[ObjectType::TARGET, ObjectType::LU])?;
        let s = backend.device_statistics(object)?;
        let mut stats = DeviceStatistics::zeroed();
        stats.scsi_payload_bytes_sent = i64_of(s.scsi_bytes_sent);
        stats.scsi_payload_bytes_received = i64_of(s.scsi_bytes_received);
        stats.i_scsi_pdu_bytes_sent = i64_of(s.pdu_bytes_sent);
        stats.i_scsi_pdu_bytes_received = i64_of(s.pdu_bytes_received);
        stats.i_scsi_pdus_sent = i64_of(s.pdus_sent);
        stats.i_scsi_pdus_received = i64_of(s.pdus_received);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_stats, stats) }
    }
}
