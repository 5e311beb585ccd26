//! Later calls (digests, markers, per-target and mutual authentication) and the Sun
//! tunable-parameter extension (docs/ima-notes.md §2.14). They are routed like the rest and
//! answer NOT_SUPPORTED when the owning plugin does not implement them. Their 2.0 types have
//! provisional layouts (see `ima_abi`'s `ext` module).

use std::ptr::null_mut;

use ima_abi::{
    AuthMethod, BoolValue, DigestProperties, DigestType, ImaBool, ImaStatus, ImaUint,
    InitiatorAuthParms, MarkerInt, MinMaxValue, Oid, TargetAuthParms, TargetAuthParmsList,
    TunableParam,
};

use super::auth::check_count_and_list;
use crate::error::ImaError;
use crate::library::library;
use crate::plugin::dispatch::take_list;
use ima_support::memory::publish_list;
use ima_support::{check_bool, check_range, non_null};

/// Most entries accepted in a mutual-auth list (each entry is 12 KiB).
const MAX_AUTH_LIST_ENTRIES: usize = 256;
/// Number of defined digest types: the longest useful preference list.
const MAX_DIGESTS: ImaUint = 2;

fn check_digest_list(count: ImaUint, list: *const DigestType) -> Result<(), ImaError> {
    check_range(count != 0 && count <= MAX_DIGESTS, "digestValueCount")?;
    non_null(list, "pDigestValueList")?;
    // SAFETY: non-NULL and readable for `count` (≤ 2) entries by the caller's contract.
    let values = unsafe { std::slice::from_raw_parts(list, count as usize) };
    Ok(check_range(
        values.iter().all(|d| d.is_defined()),
        "pDigestValueList",
    )?)
}

fn check_mutual_method(method: AuthMethod) -> Result<(), ImaError> {
    Ok(check_range(
        method.is_defined() && method != AuthMethod::NONE,
        "method",
    )?)
}

export! {
    /// Header digests in preference order. ROUTE(LHBA, TARGET); count non-NULL, list NULL
    /// only with a count of 0.
    fn IMA_GetHeaderDigestValues(oid: Oid, p_count: *mut ImaUint, p_list: *mut DigestType) {
        check_count_and_list(p_count, p_list, "pDigestValueCount", "pDigestValueList")?;
        route_call!(oid, [LHBA, TARGET], IMA_GetHeaderDigestValues(oid, p_count, p_list))
    }
}

export! {
    /// Sets header digests. ROUTE(LHBA, TARGET); 1..=2 defined values.
    fn IMA_SetHeaderDigestValues(oid: Oid, count: ImaUint, p_list: *const DigestType) {
        check_digest_list(count, p_list)?;
        route_call!(oid, [LHBA, TARGET], IMA_SetHeaderDigestValues(oid, count, p_list))
    }
}

export! {
    /// Data digests in preference order. ROUTE(LHBA, TARGET); as the header variant.
    fn IMA_GetDataDigestValues(oid: Oid, p_count: *mut ImaUint, p_list: *mut DigestType) {
        check_count_and_list(p_count, p_list, "pDigestValueCount", "pDigestValueList")?;
        route_call!(oid, [LHBA, TARGET], IMA_GetDataDigestValues(oid, p_count, p_list))
    }
}

export! {
    /// Sets data digests. ROUTE(LHBA, TARGET); 1..=2 defined values.
    fn IMA_SetDataDigestValues(oid: Oid, count: ImaUint, p_list: *const DigestType) {
        check_digest_list(count, p_list)?;
        route_call!(oid, [LHBA, TARGET], IMA_SetDataDigestValues(oid, count, p_list))
    }
}

getter! {
    /// Whether digests are settable. ROUTE(LHBA, TARGET).
    IMA_GetDigestProperties(oid, p_props: *mut DigestProperties) [LHBA, TARGET]
}

getter! {
    /// IFMarker. ROUTE(LHBA, TARGET).
    IMA_GetIFMarkerProperties(oid, p_props: *mut BoolValue) [LHBA, TARGET]
}

bool_setter! {
    /// Sets IFMarker. ROUTE(LHBA, TARGET); boolean checked.
    IMA_SetIFMarkerProperties(oid, value) [LHBA, TARGET]
}

getter! {
    /// OFMarker. ROUTE(LHBA, TARGET).
    IMA_GetOFMarkerProperties(oid, p_props: *mut BoolValue) [LHBA, TARGET]
}

bool_setter! {
    /// Sets OFMarker. ROUTE(LHBA, TARGET); boolean checked.
    IMA_SetOFMarkerProperties(oid, value) [LHBA, TARGET]
}

getter! {
    /// IFMarkInt limits. ROUTE(LHBA, TARGET).
    IMA_GetIFMarkIntProperties(oid, p_props: *mut MinMaxValue) [LHBA, TARGET]
}

getter! {
    /// OFMarkInt limits. ROUTE(LHBA, TARGET).
    IMA_GetOFMarkIntProperties(oid, p_props: *mut MinMaxValue) [LHBA, TARGET]
}

export! {
    /// Sets IFMarkInt. ROUTE(LHBA, TARGET); minimum ≤ maximum.
    fn IMA_SetIFMarkIntProperties(oid: Oid, value: MarkerInt) {
        check_range(value.minimum <= value.maximum, "markInt")?;
        route_call!(oid, [LHBA, TARGET], IMA_SetIFMarkIntProperties(oid, value))
    }
}

export! {
    /// Sets OFMarkInt. ROUTE(LHBA, TARGET); minimum ≤ maximum.
    fn IMA_SetOFMarkIntProperties(oid: Oid, value: MarkerInt) {
        check_range(value.minimum <= value.maximum, "markInt")?;
        route_call!(oid, [LHBA, TARGET], IMA_SetOFMarkIntProperties(oid, value))
    }
}

export! {
    /// Per-target initiator credentials. ROUTE(TARGET, STATIC_DISCOVERY_TARGET,
    /// DISCOVERY_ADDRESS); method 0..=5; both pointers non-NULL.
    fn IMA_GetInitiatorLocalAuthParms(oid: Oid, method: AuthMethod, p_parms: *mut InitiatorAuthParms, p_enabled: *mut ImaBool) {
        check_range(method.is_defined(), "method")?;
        non_null(p_parms, "pParms")?;
        non_null(p_enabled, "enabled")?;
        route_call!(
            oid,
            [TARGET, STATIC_DISCOVERY_TARGET, DISCOVERY_ADDRESS],
            IMA_GetInitiatorLocalAuthParms(oid, method, p_parms, p_enabled)
        )
    }
}

export! {
    /// Sets per-target initiator credentials. Same routing; method 0..=5; `pParms` non-NULL;
    /// boolean checked.
    fn IMA_SetInitiatorLocalAuthParms(oid: Oid, method: AuthMethod, p_parms: *const InitiatorAuthParms, enabled: ImaBool) {
        check_range(method.is_defined(), "method")?;
        non_null(p_parms, "pParms")?;
        check_bool(enabled, "enabled")?;
        route_call!(
            oid,
            [TARGET, STATIC_DISCOVERY_TARGET, DISCOVERY_ADDRESS],
            IMA_SetInitiatorLocalAuthParms(oid, method, p_parms, enabled)
        )
    }
}

export! {
    /// The credentials a target must present. ROUTE(TARGET, STATIC_DISCOVERY_TARGET,
    /// DISCOVERY_ADDRESS); method 1..=5 (NONE → INVALID_PARAMETER); `pParms` non-NULL.
    fn IMA_GetMutualLocalAuthParms(oid: Oid, method: AuthMethod, p_parms: *mut TargetAuthParms) {
        check_mutual_method(method)?;
        non_null(p_parms, "pParms")?;
        route_call!(
            oid,
            [TARGET, STATIC_DISCOVERY_TARGET, DISCOVERY_ADDRESS],
            IMA_GetMutualLocalAuthParms(oid, method, p_parms)
        )
    }
}

export! {
    /// Mutual authentication on or off. Same routing; method 1..=5; boolean checked.
    fn IMA_SetMutualLocalAuth(oid: Oid, method: AuthMethod, mutual_auth_enabled: ImaBool) {
        check_mutual_method(method)?;
        check_bool(mutual_auth_enabled, "mutualAuthEnabled")?;
        route_call!(
            oid,
            [TARGET, STATIC_DISCOVERY_TARGET, DISCOVERY_ADDRESS],
            IMA_SetMutualLocalAuth(oid, method, mutual_auth_enabled)
        )
    }
}

export! {
    /// Sets the target's credentials. Same routing; method 1..=5; `pParms` non-NULL; boolean
    /// checked.
    fn IMA_SetMutualLocalAuthParms(oid: Oid, method: AuthMethod, p_parms: *const TargetAuthParms, mutual_auth_enabled: ImaBool) {
        check_mutual_method(method)?;
        non_null(p_parms, "pParms")?;
        check_bool(mutual_auth_enabled, "mutualAuthEnabled")?;
        route_call!(
            oid,
            [TARGET, STATIC_DISCOVERY_TARGET, DISCOVERY_ADDRESS],
            IMA_SetMutualLocalAuthParms(oid, method, p_parms, mutual_auth_enabled)
        )
    }
}

export! {
    /// Adds LHBA-wide target credentials (passed by value). ROUTE(LHBA); method 1..=5.
    fn IMA_AddLhbaMutualAuthParms(lhba_oid: Oid, method: AuthMethod, parms: TargetAuthParms) {
        check_mutual_method(method)?;
        route_call!(lhba_oid, [LHBA], IMA_AddLhbaMutualAuthParms(lhba_oid, method, parms))
    }
}

export! {
    /// Removes LHBA-wide target credentials. ROUTE(LHBA); method 1..=5.
    fn IMA_RemoveLhbaMutualAuthParms(lhba_oid: Oid, method: AuthMethod, parms: TargetAuthParms) {
        check_mutual_method(method)?;
        route_call!(lhba_oid, [LHBA], IMA_RemoveLhbaMutualAuthParms(lhba_oid, method, parms))
    }
}

export! {
    /// Lists LHBA-wide target credentials. ROUTE(LHBA); method 1..=5; list copied (at most
    /// 256 entries).
    fn IMA_GetLhbaMutualAuthParmsList(lhba_oid: Oid, method: AuthMethod, pp_list: *mut *mut TargetAuthParmsList) {
        check_mutual_method(method)?;
        non_null(pp_list, "ppParmsList")?;
        let plugin = library().route(lhba_oid, &[ima_abi::ObjectType::LHBA])?;
        let session = plugin.enter()?;
        let f = session.entry("IMA_GetLhbaMutualAuthParmsList", |e| e.IMA_GetLhbaMutualAuthParmsList)?;
        let mut list: *mut TargetAuthParmsList = null_mut();
        // SAFETY: the plugin's entry point with prototype
        // `(IMA_OID, IMA_AUTHMETHOD, IMA_TARGET_AUTHPARMS_LIST **)`; `list` is an out-param.
        let status = session.status(unsafe { f(lhba_oid, method, &raw mut list) });
        let result = if status.is_error() {
            null_mut()
        } else {
            // SAFETY: on success the plugin returned its counted list through `list`.
            let copied = unsafe {
                take_list::<TargetAuthParmsList, TargetAuthParms>(&session, list, MAX_AUTH_LIST_ENTRIES)
            }?;
            drop(session);
            publish_list::<TargetAuthParmsList, TargetAuthParms>(&copied)?
        };
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { pp_list.write(result) };
        Ok::<ImaStatus, ImaError>(status)
    }
}

export! {
    /// Sun extension: reads a tunable as decimal text. ROUTE(LHBA, TARGET); `param` non-NULL
    /// with a defined tunable type.
    fn SUN_IMA_GetTunableProperties(oid: Oid, param: *mut TunableParam) {
        non_null(param, "param")?;
        // SAFETY: non-NULL and readable by the caller's contract.
        check_range(unsafe { param.read() }.tunable_object_type.is_defined(), "tunable_objectType")?;
        route_call!(oid, [LHBA, TARGET], SUN_IMA_GetTunableProperties(oid, param))
    }
}

export! {
    /// Sun extension: sets a tunable. ROUTE(LHBA, TARGET); `param` and its value non-NULL,
    /// tunable type defined.
    fn SUN_IMA_SetTunableProperties(oid: Oid, param: *mut TunableParam) {
        non_null(param, "param")?;
        // SAFETY: non-NULL and readable by the caller's contract.
        let value = unsafe { param.read() };
        check_range(value.tunable_object_type.is_defined(), "tunable_objectType")?;
        non_null(value.tunable_object_value, "tunable_objectValue")?;
        route_call!(oid, [LHBA, TARGET], SUN_IMA_SetTunableProperties(oid, param))
    }
}
