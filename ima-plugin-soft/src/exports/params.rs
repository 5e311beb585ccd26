//! iSCSI login parameters (docs/ima-notes.md §2.11): not implemented yet, NOT_SUPPORTED.

use ima_abi::{BoolValue, ImaBool, ImaUint, MinMaxValue};

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetDataPduInOrderProperties(
        oid,
        arg1: *mut BoolValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetDataSequenceInOrderProperties(
        oid,
        arg1: *mut BoolValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetDefaultTime2RetainProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetDefaultTime2WaitProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetErrorRecoveryLevelProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetFirstBurstLengthProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetImmediateDataProperties(
        oid,
        arg1: *mut BoolValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetInitialR2TProperties(
        oid,
        arg1: *mut BoolValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetMaxBurstLengthProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetMaxConnectionsProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetMaxOutstandingR2TProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetMaxRecvDataSegmentLengthProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetDataPduInOrder(
        oid,
        arg1: ImaBool,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetDataSequenceInOrder(
        oid,
        arg1: ImaBool,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetDefaultTime2Retain(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetDefaultTime2Wait(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetErrorRecoveryLevel(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetFirstBurstLength(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetImmediateData(
        oid,
        arg1: ImaBool,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetInitialR2T(
        oid,
        arg1: ImaBool,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetMaxBurstLength(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetMaxConnections(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetMaxOutstandingR2T(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetMaxRecvDataSegmentLength(
        oid,
        arg1: ImaUint,
    ) [LHBA, TARGET]
}
