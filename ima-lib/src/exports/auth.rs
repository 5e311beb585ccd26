//! Initiator authentication (docs/ima-notes.md §2.10).

use ima_abi::{AuthMethod, ImaBool, ImaUint, InitiatorAuthParms, Oid};

use crate::error::ImaError;
use ima_support::{check_bool, check_range, non_null};

/// Number of defined authentication methods: the longest useful preference list.
const MAX_AUTH_METHODS: ImaUint = 6;

/// `*pCount` in = capacity; the list may be NULL only together with a capacity of 0.
pub(crate) fn check_count_and_list<T>(
    p_count: *mut ImaUint,
    p_list: *mut T,
    count: &'static str,
    list: &'static str,
) -> Result<(), ImaError> {
    non_null(p_count, count)?;
    // SAFETY: non-NULL and readable by the caller's contract.
    if p_list.is_null() && unsafe { p_count.read() } != 0 {
        return Err(ImaError::NullArgument(list));
    }
    Ok(())
}

export! {
    /// Methods the LHBA supports (or can be set to). ROUTE(LHBA); boolean checked; count
    /// non-NULL; list NULL only with a count of 0.
    fn IMA_GetSupportedAuthMethods(
        lhba_oid: Oid,
        get_settable_methods: ImaBool,
        p_method_count: *mut ImaUint,
        p_method_list: *mut AuthMethod,
    ) {
        check_bool(get_settable_methods, "getSettableMethods")?;
        check_count_and_list(p_method_count, p_method_list, "pMethodCount", "pMethodList")?;
        route_call!(
            lhba_oid,
            [LHBA],
            IMA_GetSupportedAuthMethods(lhba_oid, get_settable_methods, p_method_count, p_method_list)
        )
    }
}

export! {
    /// Methods in use, in preference order. ROUTE(LHBA); count/list rule as above.
    fn IMA_GetInUseInitiatorAuthMethods(lhba_oid: Oid, p_method_count: *mut ImaUint, p_method_list: *mut AuthMethod) {
        check_count_and_list(p_method_count, p_method_list, "pMethodCount", "pMethodList")?;
        route_call!(lhba_oid, [LHBA], IMA_GetInUseInitiatorAuthMethods(lhba_oid, p_method_count, p_method_list))
    }
}

export! {
    /// Sets methods in preference order. ROUTE(LHBA); 1..=6 entries, each a defined method.
    fn IMA_SetInitiatorAuthMethods(lhba_oid: Oid, method_count: ImaUint, p_method_list: *const AuthMethod) {
        check_range(method_count != 0 && method_count <= MAX_AUTH_METHODS, "methodCount")?;
        non_null(p_method_list, "pMethodList")?;
        // SAFETY: non-NULL and readable for `method_count` (≤ 6) entries by the caller's contract.
        let methods = unsafe { std::slice::from_raw_parts(p_method_list, method_count as usize) };
        check_range(methods.iter().all(|m| m.is_defined()), "pMethodList")?;
        route_call!(lhba_oid, [LHBA], IMA_SetInitiatorAuthMethods(lhba_oid, method_count, p_method_list))
    }
}

export! {
    /// Reads per-method credentials. ROUTE(LHBA); method 0..=5; `pParms` non-NULL.
    fn IMA_GetInitiatorAuthParms(lhba_oid: Oid, method: AuthMethod, p_parms: *mut InitiatorAuthParms) {
        check_range(method.is_defined(), "method")?;
        non_null(p_parms, "pParms")?;
        route_call!(lhba_oid, [LHBA], IMA_GetInitiatorAuthParms(lhba_oid, method, p_parms))
    }
}

export! {
    /// Writes per-method credentials. ROUTE(LHBA); method 0..=5; `pParms` non-NULL.
    fn IMA_SetInitiatorAuthParms(lhba_oid: Oid, method: AuthMethod, p_parms: *const InitiatorAuthParms) {
        check_range(method.is_defined(), "method")?;
        non_null(p_parms, "pParms")?;
        route_call!(lhba_oid, [LHBA], IMA_SetInitiatorAuthParms(lhba_oid, method, p_parms))
    }
}
