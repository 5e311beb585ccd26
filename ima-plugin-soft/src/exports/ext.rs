//! IMA 2.0 additions (Oracle) and Sun tunables (docs/ima-notes.md §2.14).
//!
//! Implemented (the types are our provisional layouts, docs/ima-notes.md §1.5):
//!
//! - Digests on the LHBA (the defaults) and a TARGET (its override): the value lists in
//!   preference order (capacity in / count out, as the auth method lists), set with one
//!   or two defined values each listed once (else INVALID_PARAMETER); the properties say
//!   both are settable.
//! - Per-target initiator credentials (`Get/SetInitiatorLocalAuthParms`) and the
//!   credentials a target must prove (`GetMutualLocalAuthParms`, `SetMutualLocalAuth`,
//!   `SetMutualLocalAuthParms`) on a TARGET or a STATIC_DISCOVERY_TARGET (both name a
//!   target; settings are kept by target name). A DISCOVERY_ADDRESS is NOT_SUPPORTED:
//!   SendTargets sessions log in without authentication. CHAP only, as in `auth.rs`.
//! - The LHBA's mutual credentials as a list of at most one entry
//!   (`Add/RemoveLhbaMutualAuthParms`, `GetLhbaMutualAuthParmsList`): our logins expect
//!   one target identity, so adding an entry with another name while one is set is
//!   NOT_SUPPORTED; adding the same name replaces its secret; removing a name not listed
//!   is INVALID_PARAMETER. The list never carries a secret.
//!
//! Markers and the Sun tunables are NOT_SUPPORTED.

use ima_abi::{
    AuthMethod, BoolValue, DigestProperties, DigestType, IMA_TRUE, ImaBool, ImaStatus, ImaUint,
    InitiatorAuthParms, MarkerInt, MinMaxValue, ObjectType, Oid, TargetAuthParms,
    TargetAuthParmsList, TunableParam,
};
use ima_support::check_bool;
use ima_support::memory::publish_list;

use super::auth::{chap_from_c, chap_only, chap_to_c, fill_list, invalid};
use super::{applied, enter, ima_bool, need, put};
use crate::backend::{Backend, ChapRole, Digest, DigestKind, ObjectRef};
use crate::error::PluginError;

type Result<T> = std::result::Result<T, PluginError>;

/// The objects the per-target credential calls take (the library routes these three).
const LOCAL: &[ObjectType] = &[
    ObjectType::TARGET,
    ObjectType::STATIC_DISCOVERY_TARGET,
    ObjectType::DISCOVERY_ADDRESS,
];
const DIGEST_OWNERS: &[ObjectType] = &[ObjectType::LHBA, ObjectType::TARGET];

/// A TARGET or STATIC_DISCOVERY_TARGET; a DISCOVERY_ADDRESS is NOT_SUPPORTED (OBJECT_NOT_FOUND
/// when it does not exist).
fn enter_local(oid: Oid) -> Result<(ObjectRef, std::sync::Arc<dyn Backend>)> {
    let (object, backend) = enter(oid, LOCAL)?;
    if object.kind == ObjectType::DISCOVERY_ADDRESS {
        return Err(if backend.exists(object) {
            PluginError::NotSupported
        } else {
            PluginError::ObjectNotFound
        });
    }
    Ok((object, backend))
}

fn digest_from_c(d: DigestType) -> Result<Digest> {
    match d {
        DigestType::NONE => Ok(Digest::None),
        DigestType::CRC32C => Ok(Digest::Crc32c),
        _ => Err(invalid()),
    }
}

fn digest_to_c(d: Digest) -> DigestType {
    match d {
        Digest::None => DigestType::NONE,
        Digest::Crc32c => DigestType::CRC32C,
    }
}

/// A digest getter.
///
/// # Safety
/// `p_count` non-NULL and writable; `p_list` NULL or writable for `*p_count` entries.
unsafe fn get_digests(
    oid: Oid,
    p_count: *mut ImaUint,
    p_list: *mut DigestType,
    kind: DigestKind,
) -> Result<ImaStatus> {
    let (object, backend) = enter(oid, DIGEST_OWNERS)?;
    let list: Vec<DigestType> = backend
        .digests(object, kind)?
        .into_iter()
        .map(digest_to_c)
        .collect();
    // SAFETY: forwarded caller contract.
    unsafe { fill_list(p_count, p_list, &list) }
}

/// A digest setter: one or two defined values.
fn set_digests(
    oid: Oid,
    count: ImaUint,
    p_list: *const DigestType,
    kind: DigestKind,
) -> Result<ImaStatus> {
    need(p_list, "pDigestValueList")?;
    if count == 0 || count > 2 {
        return Err(invalid());
    }
    let (object, backend) = enter(oid, DIGEST_OWNERS)?;
    // SAFETY: non-NULL and readable for `count` (≤ 2) entries by the caller's contract;
    // every u32 is a valid `DigestType`.
    let list = unsafe { std::slice::from_raw_parts(p_list, count as usize) };
    let digests = list
        .iter()
        .map(|&d| digest_from_c(d))
        .collect::<Result<Vec<_>>>()?;
    applied(backend.set_digests(object, kind, &digests)?)
}

export! {
    /// HeaderDigest values of an LHBA or target, in preference order.
    fn IMA_GetHeaderDigestValues(oid: Oid, p_count: *mut ImaUint, p_list: *mut DigestType) {
        need(p_count, "pDigestValueCount")?;
        // SAFETY: count checked non-NULL; the list per the caller's contract.
        unsafe { get_digests(oid, p_count, p_list, DigestKind::Header) }
    }
}

export! {
    /// Sets the HeaderDigest values of an LHBA or target, from the next login.
    fn IMA_SetHeaderDigestValues(oid: Oid, count: ImaUint, p_list: *const DigestType) {
        set_digests(oid, count, p_list, DigestKind::Header)
    }
}

export! {
    /// DataDigest values of an LHBA or target, in preference order.
    fn IMA_GetDataDigestValues(oid: Oid, p_count: *mut ImaUint, p_list: *mut DigestType) {
        need(p_count, "pDigestValueCount")?;
        // SAFETY: count checked non-NULL; the list per the caller's contract.
        unsafe { get_digests(oid, p_count, p_list, DigestKind::Data) }
    }
}

export! {
    /// Sets the DataDigest values of an LHBA or target, from the next login.
    fn IMA_SetDataDigestValues(oid: Oid, count: ImaUint, p_list: *const DigestType) {
        set_digests(oid, count, p_list, DigestKind::Data)
    }
}

export! {
    /// Whether the digests of an LHBA or target are settable (both are).
    fn IMA_GetDigestProperties(oid: Oid, p_props: *mut DigestProperties) {
        need(p_props, "pProps")?;
        let (object, backend) = enter(oid, DIGEST_OWNERS)?;
        let (header, data) = backend.digest_settable(object)?;
        let mut props = DigestProperties::zeroed();
        props.header_digests_settable = ima_bool(header);
        props.data_digests_settable = ima_bool(data);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// A target's own CHAP name (never the secret) and whether it is used.
    fn IMA_GetInitiatorLocalAuthParms(
        oid: Oid,
        method: AuthMethod,
        p_parms: *mut InitiatorAuthParms,
        p_enabled: *mut ImaBool,
    ) {
        need(p_parms, "pParms")?;
        need(p_enabled, "enabled")?;
        let (object, backend) = enter_local(oid)?;
        chap_only(method)?;
        let info = backend.chap(object, ChapRole::Initiator)?;
        let enabled = info.as_ref().is_some_and(|i| i.enabled);
        // SAFETY: both checked non-NULL; writable by the caller's contract.
        unsafe {
            put(p_parms, chap_to_c(info.as_ref()))?;
            put(p_enabled, ima_bool(enabled))
        }
    }
}

export! {
    /// Sets a target's own CHAP name and secret; `enabled` makes them replace the LHBA's.
    fn IMA_SetInitiatorLocalAuthParms(
        oid: Oid,
        method: AuthMethod,
        p_parms: *const InitiatorAuthParms,
        enabled: ImaBool,
    ) {
        need(p_parms, "pParms")?;
        check_bool(enabled, "enabled")?;
        let (object, backend) = enter_local(oid)?;
        chap_only(method)?;
        // SAFETY: non-NULL and readable by the caller's contract.
        let (name, secret) = chap_from_c(unsafe { &*p_parms })?;
        applied(backend.set_chap(object, ChapRole::Initiator, name, secret, Some(enabled == IMA_TRUE))?)
    }
}

export! {
    /// The name a target must prove itself with (never the secret).
    fn IMA_GetMutualLocalAuthParms(oid: Oid, method: AuthMethod, p_parms: *mut TargetAuthParms) {
        need(p_parms, "pParms")?;
        let (object, backend) = enter_local(oid)?;
        chap_only(method)?;
        let info = backend.chap(object, ChapRole::Target)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_parms, chap_to_c(info.as_ref())) }
    }
}

export! {
    /// Mutual CHAP on or off for a target.
    fn IMA_SetMutualLocalAuth(oid: Oid, method: AuthMethod, mutual_auth_enabled: ImaBool) {
        check_bool(mutual_auth_enabled, "mutualAuthEnabled")?;
        let (object, backend) = enter_local(oid)?;
        chap_only(method)?;
        applied(backend.set_chap_enabled(object, ChapRole::Target, mutual_auth_enabled == IMA_TRUE)?)
    }
}

export! {
    /// Sets the name and secret a target must prove itself with, and mutual CHAP on or off.
    fn IMA_SetMutualLocalAuthParms(
        oid: Oid,
        method: AuthMethod,
        p_parms: *const TargetAuthParms,
        mutual_auth_enabled: ImaBool,
    ) {
        need(p_parms, "pParms")?;
        check_bool(mutual_auth_enabled, "mutualAuthEnabled")?;
        let (object, backend) = enter_local(oid)?;
        chap_only(method)?;
        // SAFETY: non-NULL and readable by the caller's contract.
        let (name, secret) = chap_from_c(unsafe { &*p_parms })?;
        applied(backend.set_chap(
            object,
            ChapRole::Target,
            name,
            secret,
            Some(mutual_auth_enabled == IMA_TRUE),
        )?)
    }
}

export! {
    /// Sets the LHBA's mutual credentials (a list of at most one entry).
    fn IMA_AddLhbaMutualAuthParms(lhba_oid: Oid, method: AuthMethod, parms: TargetAuthParms) {
        let (lhba, backend) = enter(lhba_oid, &[ObjectType::LHBA])?;
        chap_only(method)?;
        let (name, secret) = chap_from_c(&parms)?;
        if backend
            .chap(lhba, ChapRole::Target)?
            .is_some_and(|c| c.name != name)
        {
            return Err(PluginError::NotSupported);
        }
        applied(backend.set_chap(lhba, ChapRole::Target, name, secret, None)?)
    }
}

export! {
    /// Removes the LHBA's mutual credentials with this name.
    fn IMA_RemoveLhbaMutualAuthParms(lhba_oid: Oid, method: AuthMethod, parms: TargetAuthParms) {
        let (lhba, backend) = enter(lhba_oid, &[ObjectType::LHBA])?;
        chap_only(method)?;
        // Only the name matters; a secret, if given, is still checked like any other.
        let (name, _secret) = chap_from_c(&parms)?;
        applied(backend.remove_chap(lhba, ChapRole::Target, &name)?)
    }
}

export! {
    /// The LHBA's mutual credentials: zero or one entry, names only.
    fn IMA_GetLhbaMutualAuthParmsList(
        lhba_oid: Oid,
        method: AuthMethod,
        pp_list: *mut *mut TargetAuthParmsList,
    ) {
        need(pp_list, "ppParmsList")?;
        let (lhba, backend) = enter(lhba_oid, &[ObjectType::LHBA])?;
        chap_only(method)?;
        let entries: Vec<TargetAuthParms> = backend
            .chap(lhba, ChapRole::Target)?
            .iter()
            .map(|c| chap_to_c(Some(c)))
            .collect();
        let list = publish_list::<TargetAuthParmsList, TargetAuthParms>(&entries)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(pp_list, list) }
    }
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetIFMarkIntProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetIFMarkerProperties(
        oid,
        arg1: *mut BoolValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetOFMarkIntProperties(
        oid,
        arg1: *mut MinMaxValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetOFMarkerProperties(
        oid,
        arg1: *mut BoolValue,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetIFMarkIntProperties(
        oid,
        arg1: MarkerInt,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetIFMarkerProperties(
        oid,
        arg1: ImaBool,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetOFMarkIntProperties(
        oid,
        arg1: MarkerInt,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetOFMarkerProperties(
        oid,
        arg1: ImaBool,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    SUN_IMA_GetTunableProperties(
        oid,
        arg1: *mut TunableParam,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    SUN_IMA_SetTunableProperties(
        oid,
        arg1: *mut TunableParam,
    ) [LHBA, TARGET]
    non_null(arg1)
}
