//! Statistics (docs/ima-notes.md §2.12).

use ima_abi::{DeviceStatistics, StatisticsProperties};

getter! {
    /// Whether statistics collection is settable/enabled. ROUTE(TARGET, LU, PNP).
    IMA_GetStatisticsProperties(oid, p_props: *mut StatisticsProperties) [TARGET, LU, PNP]
}

bool_setter! {
    /// Statistics collection on or off. ROUTE(PHBA, TARGET); boolean checked.
    IMA_SetStatisticsCollection(oid, enable_statistics_collection) [PHBA, TARGET]
}

getter! {
    /// Byte/PDU/time counters of an LU or target. ROUTE(LU, TARGET).
    IMA_GetDeviceStatistics(oid, p_stats: *mut DeviceStatistics) [LU, TARGET]
}
