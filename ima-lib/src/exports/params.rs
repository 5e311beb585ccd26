//! iSCSI login parameters on an LHBA or target (docs/ima-notes.md §2.11).

use ima_abi::{BoolValue, ImaUint, MinMaxValue};

macro_rules! min_max_getters {
    ($($name:ident),* $(,)?) => {$(
        getter! {
            /// A numeric login parameter with its limits. ROUTE(LHBA, TARGET).
            $name(oid, p_props: *mut MinMaxValue) [LHBA, TARGET]
        }
    )*};
}

macro_rules! bool_getters {
    ($($name:ident),* $(,)?) => {$(
        getter! {
            /// A boolean login parameter. ROUTE(LHBA, TARGET).
            $name(oid, p_props: *mut BoolValue) [LHBA, TARGET]
        }
    )*};
}

macro_rules! uint_setters {
    ($($name:ident),* $(,)?) => {$(
        value_setter! {
            /// Sets a numeric login parameter (range checked by the plugin). ROUTE(LHBA, TARGET).
            $name(oid, value: ImaUint) [LHBA, TARGET]
        }
    )*};
}

macro_rules! bool_setters {
    ($($name:ident),* $(,)?) => {$(
        bool_setter! {
            /// Sets a boolean login parameter. ROUTE(LHBA, TARGET); boolean checked.
            $name(oid, value) [LHBA, TARGET]
        }
    )*};
}

min_max_getters!(
    IMA_GetFirstBurstLengthProperties,
    IMA_GetMaxBurstLengthProperties,
    IMA_GetMaxRecvDataSegmentLengthProperties,
    IMA_GetMaxConnectionsProperties,
    IMA_GetDefaultTime2RetainProperties,
    IMA_GetDefaultTime2WaitProperties,
    IMA_GetMaxOutstandingR2TProperties,
    IMA_GetErrorRecoveryLevelProperties,
);

bool_getters!(
    IMA_GetInitialR2TProperties,
    IMA_GetImmediateDataProperties,
    IMA_GetDataPduInOrderProperties,
    IMA_GetDataSequenceInOrderProperties,
);

uint_setters!(
    IMA_SetFirstBurstLength,
    IMA_SetMaxBurstLength,
    IMA_SetMaxRecvDataSegmentLength,
    IMA_SetMaxConnections,
    IMA_SetDefaultTime2Retain,
    IMA_SetDefaultTime2Wait,
    IMA_SetMaxOutstandingR2T,
    IMA_SetErrorRecoveryLevel,
);

bool_setters!(
    IMA_SetInitialR2T,
    IMA_SetImmediateData,
    IMA_SetDataPduInOrder,
    IMA_SetDataSequenceInOrder,
);
