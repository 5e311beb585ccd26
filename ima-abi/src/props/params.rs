//! Login-parameter value holders (docs/ima-notes.md §1.5, §2.11).

use crate::impl_zeroed;
use crate::prim::ImaBool;

/// `IMA_MIN_MAX_VALUE`: a numeric login parameter with its limits.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinMaxValue {
    /// `currentValueValid`.
    pub current_value_valid: ImaBool,
    /// `settable` (FALSE whenever `current_value_valid` is FALSE).
    pub settable: ImaBool,
    /// `currentValue`.
    pub current_value: u32,
    /// `defaultValue`.
    pub default_value: u32,
    /// `minimumValue`.
    pub minimum_value: u32,
    /// `maximumValue`.
    pub maximum_value: u32,
    /// `incrementValue`.
    pub increment_value: u32,
}

/// `IMA_BOOL_VALUE`: a boolean login parameter.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoolValue {
    /// `currentValueValid`.
    pub current_value_valid: ImaBool,
    /// `settable`.
    pub settable: ImaBool,
    /// `currentValue`.
    pub current_value: ImaBool,
    /// `defaultValue`.
    pub default_value: ImaBool,
}

impl_zeroed!(MinMaxValue, BoolValue);
