//! Types of the post-1.1.3 calls (digests, markers, per-target and mutual authentication) and
//! of the Sun tunable-parameter extension.
//!
//! **Provisional layouts.** docs/ima-notes.md §1.5 records that no public source gives the
//! layouts of `IMA_TARGET_AUTHPARMS`, `IMA_TARGET_AUTHPARMS_LIST`, `IMA_DIGEST_PROPERTIES`
//! and `IMA_MARKER_INT`. The definitions below are this project's own, chosen to be small
//! and self-describing; they are published in `ima.h` and may change if the normative text
//! is found. They are not asserted against any other implementation.

use core::ffi::c_char;

use crate::enums::TunableObjectType;
use crate::impl_zeroed;
use crate::prim::{ImaBool, ImaByte, ImaUint};
use crate::props::auth::InitiatorAuthParms;

/// `IMA_TARGET_AUTHPARMS` (provisional): the credentials a target must present for mutual
/// authentication. Same shape as [`InitiatorAuthParms`] (for CHAP: the target's name and
/// secret).
pub type TargetAuthParms = InitiatorAuthParms;

/// `IMA_TARGET_AUTHPARMS_LIST` (provisional): counted list of [`TargetAuthParms`].
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TargetAuthParmsList {
    /// `count`.
    pub count: ImaUint,
    /// `parms[1]`.
    pub parms: [TargetAuthParms; 1],
}

/// `IMA_DIGEST_PROPERTIES` (provisional).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DigestProperties {
    /// `headerDigestsSettable`.
    pub header_digests_settable: ImaBool,
    /// `dataDigestsSettable`.
    pub data_digests_settable: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 64],
}

/// `IMA_MARKER_INT` (provisional): an RFC 3720 marker interval range `minimum~maximum`
/// in 4-byte words. The getters report limits in an `IMA_MIN_MAX_VALUE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarkerInt {
    /// `minimum`.
    pub minimum: u32,
    /// `maximum`.
    pub maximum: u32,
}

/// `ISCSI_TUNABLE_PARAM` (Sun extension): a tunable as decimal text.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TunableParam {
    /// `tunable_objectType`.
    pub tunable_object_type: TunableObjectType,
    /// `tunable_objectValue`: NUL-terminated decimal text (empty = default).
    pub tunable_object_value: *mut c_char,
}

impl_zeroed!(
    TargetAuthParmsList,
    DigestProperties,
    MarkerInt,
    TunableParam
);
