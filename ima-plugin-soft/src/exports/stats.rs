//! Statistics (docs/ima-notes.md §2.12): NOT_SUPPORTED.

use ima_abi::{DeviceStatistics, ImaBool, StatisticsProperties};

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetDeviceStatistics(
        oid,
        arg1: *mut DeviceStatistics,
    ) [TARGET, LU]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetStatisticsProperties(
        oid,
        arg1: *mut StatisticsProperties,
    ) [PHBA, LHBA, TARGET, LU]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetStatisticsCollection(
        oid,
        arg1: ImaBool,
    ) [PHBA, LHBA, TARGET, LU]
}
