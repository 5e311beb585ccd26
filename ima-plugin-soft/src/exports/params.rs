//! iSCSI login parameters (docs/ima-notes.md §2.11): the twelve getters and setters, on the
//! LHBA (the defaults of every target) or a TARGET (its overrides). Values take effect at
//! the next login to a target.
//!
//! Getters zero the whole structure, then fill every field: `currentValueValid` TRUE,
//! `settable` always written (FALSE for ErrorRecoveryLevel, MaxConnections, DataPDUInOrder
//! and DataSequenceInOrder, which the initiator cannot change), the current value (what the
//! next login offers), our default, and for numbers the RFC 7143 §13 range with an
//! increment of one. Setters: a value out of range (or FirstBurstLength above the
//! MaxBurstLength in force, or the reverse) is INVALID_PARAMETER, as is a boolean other
//! than TRUE/FALSE; another value of a parameter that is not settable is NOT_SUPPORTED (its
//! fixed value succeeds).

use ima_abi::{BoolValue, IMA_TRUE, ImaBool, ImaStatus, ImaUint, MinMaxValue, ObjectType, Oid};
use ima_support::check_bool;

use super::{applied, enter, ima_bool, need, put};
use crate::backend::{LoginParam, ParamValue};
use crate::error::PluginError;

type Result<T> = std::result::Result<T, PluginError>;

const OWNERS: &[ObjectType] = &[ObjectType::LHBA, ObjectType::TARGET];

fn number(value: ParamValue) -> u32 {
    match value {
        ParamValue::Number(n) => n,
        ParamValue::Bool(b) => u32::from(b),
    }
}

fn boolean(value: ParamValue) -> bool {
    match value {
        ParamValue::Bool(b) => b,
        ParamValue::Number(n) => n != 0,
    }
}

/// Fills an `IMA_MIN_MAX_VALUE`.
///
/// # Safety
/// `out` must be non-NULL and writable.
unsafe fn get_number(oid: Oid, out: *mut MinMaxValue, param: LoginParam) -> Result<ImaStatus> {
    let (object, backend) = enter(oid, OWNERS)?;
    let info = backend.login_param(object, param)?;
    let mut value = MinMaxValue::zeroed();
    value.current_value_valid = ima_bool(true);
    value.settable = ima_bool(info.settable);
    value.current_value = number(info.current);
    value.default_value = number(info.default);
    if let Some((min, max)) = info.range {
        value.minimum_value = min;
        value.maximum_value = max;
        value.increment_value = 1;
    }
    // SAFETY: forwarded caller contract.
    unsafe { put(out, value) }
}

/// Fills an `IMA_BOOL_VALUE`.
///
/// # Safety
/// `out` must be non-NULL and writable.
unsafe fn get_bool(oid: Oid, out: *mut BoolValue, param: LoginParam) -> Result<ImaStatus> {
    let (object, backend) = enter(oid, OWNERS)?;
    let info = backend.login_param(object, param)?;
    let mut value = BoolValue::zeroed();
    value.current_value_valid = ima_bool(true);
    value.settable = ima_bool(info.settable);
    value.current_value = ima_bool(boolean(info.current));
    value.default_value = ima_bool(boolean(info.default));
    // SAFETY: forwarded caller contract.
    unsafe { put(out, value) }
}

/// Sets a numeric parameter (`IMA_UINT` is 64 bits on LP64: above 32 bits is out of range).
fn set_number(oid: Oid, value: ImaUint, param: LoginParam) -> Result<ImaStatus> {
    let (object, backend) = enter(oid, OWNERS)?;
    let value = u32::try_from(value)
        .map_err(|_| PluginError::Status(ImaStatus::ERROR_INVALID_PARAMETER))?;
    applied(backend.set_login_param(object, param, ParamValue::Number(value))?)
}

/// Sets a boolean parameter.
fn set_bool(oid: Oid, value: ImaBool, name: &'static str, param: LoginParam) -> Result<ImaStatus> {
    check_bool(value, name)?;
    let (object, backend) = enter(oid, OWNERS)?;
    applied(backend.set_login_param(object, param, ParamValue::Bool(value == IMA_TRUE))?)
}

/// A numeric getter and setter pair.
macro_rules! number_param {
    ($get:ident, $set:ident, $arg:ident, $param:ident) => {
        export! {
            /// The parameter of an LHBA or target (`IMA_MIN_MAX_VALUE`).
            fn $get(oid: Oid, p_prop: *mut MinMaxValue) {
                need(p_prop, "pProp")?;
                // SAFETY: checked non-NULL; writable by the caller's contract.
                unsafe { get_number(oid, p_prop, LoginParam::$param) }
            }
        }
        export! {
            /// Sets the parameter of an LHBA or target, for the next login.
            fn $set(oid: Oid, $arg: ImaUint) {
                set_number(oid, $arg, LoginParam::$param)
            }
        }
    };
}

/// A boolean getter and setter pair.
macro_rules! bool_param {
    ($get:ident, $set:ident, $arg:ident, $param:ident) => {
        export! {
            /// The parameter of an LHBA or target (`IMA_BOOL_VALUE`).
            fn $get(oid: Oid, p_prop: *mut BoolValue) {
                need(p_prop, "pProp")?;
                // SAFETY: checked non-NULL; writable by the caller's contract.
                unsafe { get_bool(oid, p_prop, LoginParam::$param) }
            }
        }
        export! {
            /// Sets the parameter of an LHBA or target, for the next login.
            fn $set(oid: Oid, $arg: ImaBool) {
                set_bool(oid, $arg, stringify!($arg), LoginParam::$param)
            }
        }
    };
}

number_param!(
    IMA_GetFirstBurstLengthProperties,
    IMA_SetFirstBurstLength,
    first_burst_length,
    FirstBurstLength
);
number_param!(
    IMA_GetMaxBurstLengthProperties,
    IMA_SetMaxBurstLength,
    max_burst_length,
    MaxBurstLength
);
number_param!(
    IMA_GetMaxRecvDataSegmentLengthProperties,
    IMA_SetMaxRecvDataSegmentLength,
    max_recv_data_segment_length,
    MaxRecvDataSegmentLength
);
number_param!(
    IMA_GetDefaultTime2WaitProperties,
    IMA_SetDefaultTime2Wait,
    default_time2_wait,
    DefaultTime2Wait
);
number_param!(
    IMA_GetDefaultTime2RetainProperties,
    IMA_SetDefaultTime2Retain,
    default_time2_retain,
    DefaultTime2Retain
);
number_param!(
    IMA_GetMaxOutstandingR2TProperties,
    IMA_SetMaxOutstandingR2T,
    max_outstanding_r2t,
    MaxOutstandingR2T
);
number_param!(
    IMA_GetErrorRecoveryLevelProperties,
    IMA_SetErrorRecoveryLevel,
    error_recovery_level,
    ErrorRecoveryLevel
);
number_param!(
    IMA_GetMaxConnectionsProperties,
    IMA_SetMaxConnections,
    max_connections,
    MaxConnections
);
bool_param!(
    IMA_GetInitialR2TProperties,
    IMA_SetInitialR2T,
    initial_r2t,
    InitialR2T
);
bool_param!(
    IMA_GetImmediateDataProperties,
    IMA_SetImmediateData,
    immediate_data,
    ImmediateData
);
bool_param!(
    IMA_GetDataPduInOrderProperties,
    IMA_SetDataPduInOrder,
    data_pdu_in_order,
    DataPduInOrder
);
bool_param!(
    IMA_GetDataSequenceInOrderProperties,
    IMA_SetDataSequenceInOrder,
    data_sequence_in_order,
    DataSequenceInOrder
);
