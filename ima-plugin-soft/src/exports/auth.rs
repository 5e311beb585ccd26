//! Initiator authentication of the LHBA (docs/ima-notes.md §2.10), and the helpers the
//! per-target and mutual calls of `ext.rs` share.
//!
//! - Methods: NONE and CHAP are supported (and settable). SRP, KRB5, SPKM1 and SPKM2 are
//!   defined methods this initiator cannot use: NOT_SUPPORTED (the object exists but
//!   cannot do that, docs/ima-notes.md §4 rule 1). A value outside the enumeration is
//!   INVALID_PARAMETER, as are an empty list and a method listed twice.
//! - Lists out (`*pMethodCount` capacity in, count out): at most the capacity is
//!   written, `*pMethodCount` is set to the full count, and the answer is SUCCESS; a
//!   caller that sees a count above its capacity asks again with more room.
//! - CHAP parameters: the getters zero the whole union, then fill the name, its length and
//!   the secret limits (`minValueLength` 12, `maxValueLength` 256); they **never** return
//!   the secret (`challengeSecretLength` 0, the bytes zero) and `retries` is 0. The setters
//!   read the name (at most 255 bytes of UTF-8, trailing NULs dropped) and the secret
//!   (12..=256 bytes: RFC 7143 §9.2.1; a `challengeSecretLength` of 0 keeps the secret
//!   already stored, so a read-modify-write of the name works); `retries`,
//!   `minValueLength` and `maxValueLength` are ignored. NONE has no parameters:
//!   INVALID_PARAMETER.

use ima_abi::{
    AuthMethod, ChapInitiatorAuthParms, ImaBool, ImaStatus, ImaUint, InitiatorAuthParms,
    ObjectType, Oid,
};
use ima_support::check_bool;

use super::{applied, enter, need, put};
use crate::backend::{self, ChapInfo, ChapRole, ChapSecret};
use crate::error::PluginError;

type Result<T> = std::result::Result<T, PluginError>;

const LHBA: &[ObjectType] = &[ObjectType::LHBA];

/// `IMA_ERROR_INVALID_PARAMETER`.
pub(crate) fn invalid() -> PluginError {
    PluginError::Status(ImaStatus::ERROR_INVALID_PARAMETER)
}

/// `IMA_AUTHMETHOD` → ours: an undefined value is INVALID_PARAMETER, a defined method we
/// cannot use (SRP, KRB5, SPKM1, SPKM2) NOT_SUPPORTED.
pub(crate) fn method_from_c(method: AuthMethod) -> Result<backend::AuthMethod> {
    match method {
        AuthMethod::NONE => Ok(backend::AuthMethod::None),
        AuthMethod::CHAP => Ok(backend::AuthMethod::Chap),
        m if m.is_defined() => Err(PluginError::NotSupported),
        _ => Err(invalid()),
    }
}

fn method_to_c(method: backend::AuthMethod) -> AuthMethod {
    match method {
        backend::AuthMethod::None => AuthMethod::NONE,
        backend::AuthMethod::Chap => AuthMethod::CHAP,
    }
}

/// The parameter calls take CHAP only: NONE has no parameters (INVALID_PARAMETER), the
/// other defined methods are NOT_SUPPORTED.
pub(crate) fn chap_only(method: AuthMethod) -> Result<()> {
    match method_from_c(method)? {
        backend::AuthMethod::Chap => Ok(()),
        backend::AuthMethod::None => Err(invalid()),
    }
}

/// Writes `items` through a capacity-in / count-out pair: at most `*p_count` entries,
/// then `*p_count` = the full count. The list may be NULL only with a capacity of 0.
///
/// # Safety
/// `p_count` non-NULL and writable; `p_list` NULL or writable for `*p_count` entries.
pub(crate) unsafe fn fill_list<T: Copy>(
    p_count: *mut ImaUint,
    p_list: *mut T,
    items: &[T],
) -> Result<ImaStatus> {
    // SAFETY: non-NULL and readable by the caller's contract.
    let capacity = unsafe { p_count.read() };
    if p_list.is_null() && capacity != 0 {
        return Err(ima_support::ArgError::NullArgument("pList").into());
    }
    let n = items
        .len()
        .min(usize::try_from(capacity).unwrap_or(usize::MAX));
    if n > 0 {
        // SAFETY: the caller's list has room for `capacity` ≥ `n` entries.
        unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), p_list, n) };
    }
    let count = ImaUint::try_from(items.len()).map_err(|_| invalid())?;
    // SAFETY: as above.
    unsafe { put(p_count, count) }
}

/// The CHAP block a getter returns: zeroed, then the name and the secret limits. Never
/// the secret.
pub(crate) fn chap_to_c(info: Option<&ChapInfo>) -> InitiatorAuthParms {
    let mut chap = ChapInitiatorAuthParms::zeroed();
    chap.min_value_length = iscsi_hba::MIN_SECRET_LEN as ImaUint;
    chap.max_value_length = iscsi_hba::MAX_SECRET_LEN as ImaUint;
    if let Some(info) = info {
        // The engine keeps names of at most 255 bytes: they fit the 512-byte field.
        let n = info.name.len().min(chap.name.len());
        chap.name[..n].copy_from_slice(&info.name.as_bytes()[..n]);
        chap.name_length = n as ImaUint;
    }
    let mut out = InitiatorAuthParms::zeroed();
    out.chap_parms = chap;
    out
}

/// The CHAP name and secret a caller passed, read in place (the secret is copied once,
/// into a buffer wiped on drop). A `challengeSecretLength` of 0 gives `None`.
pub(crate) fn chap_from_c(parms: &InitiatorAuthParms) -> Result<(String, Option<ChapSecret>)> {
    // SAFETY: the caller passes CHAP parameters (the method was checked to be CHAP); every
    // bit pattern is a valid `ChapInitiatorAuthParms` (integers and byte arrays).
    let chap: &ChapInitiatorAuthParms = unsafe { &parms.chap_parms };
    let name_len = usize::try_from(chap.name_length).map_err(|_| invalid())?;
    let name = chap.name.get(..name_len).ok_or_else(invalid)?;
    let end = name.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let name = std::str::from_utf8(&name[..end]).map_err(|_| invalid())?;
    let secret_len = usize::try_from(chap.challenge_secret_length).map_err(|_| invalid())?;
    let secret = match chap
        .challenge_secret
        .get(..secret_len)
        .ok_or_else(invalid)?
    {
        [] => None,
        bytes => Some(ChapSecret::new(bytes.to_vec()).map_err(|e| {
            tracing::debug!(error = %e, "CHAP secret refused");
            invalid()
        })?),
    };
    Ok((name.to_owned(), secret))
}

export! {
    /// The LHBA's supported methods: NONE and CHAP (both settable).
    fn IMA_GetSupportedAuthMethods(
        lhba_oid: Oid,
        get_settable_methods: ImaBool,
        p_method_count: *mut ImaUint,
        p_method_list: *mut AuthMethod,
    ) {
        check_bool(get_settable_methods, "getSettableMethods")?;
        need(p_method_count, "pMethodCount")?;
        let (lhba, backend) = enter(lhba_oid, LHBA)?;
        let methods: Vec<AuthMethod> = backend
            .supported_auth_methods(lhba, get_settable_methods == ima_abi::IMA_TRUE)?
            .into_iter()
            .map(method_to_c)
            .collect();
        // SAFETY: count checked non-NULL; the list per the caller's contract.
        unsafe { fill_list(p_method_count, p_method_list, &methods) }
    }
}

export! {
    /// The LHBA's methods in use, in preference order (default NONE).
    fn IMA_GetInUseInitiatorAuthMethods(
        lhba_oid: Oid,
        p_method_count: *mut ImaUint,
        p_method_list: *mut AuthMethod,
    ) {
        need(p_method_count, "pMethodCount")?;
        let (lhba, backend) = enter(lhba_oid, LHBA)?;
        let methods: Vec<AuthMethod> =
            backend.auth_methods(lhba)?.into_iter().map(method_to_c).collect();
        // SAFETY: count checked non-NULL; the list per the caller's contract.
        unsafe { fill_list(p_method_count, p_method_list, &methods) }
    }
}

export! {
    /// Sets the LHBA's methods in use, in preference order, from the next login.
    fn IMA_SetInitiatorAuthMethods(
        lhba_oid: Oid,
        method_count: ImaUint,
        p_method_list: *const AuthMethod,
    ) {
        need(p_method_list, "pMethodList")?;
        // Six methods are defined: a longer list repeats one.
        if method_count == 0 || method_count > 6 {
            return Err(invalid());
        }
        let (lhba, backend) = enter(lhba_oid, LHBA)?;
        // SAFETY: non-NULL and readable for `method_count` (≤ 6) entries by the caller's
        // contract; every u32 is a valid `AuthMethod`.
        let list = unsafe { std::slice::from_raw_parts(p_method_list, method_count as usize) };
        if list.iter().any(|m| !m.is_defined()) {
            return Err(invalid());
        }
        let methods = list
            .iter()
            .map(|&m| method_from_c(m))
            .collect::<Result<Vec<_>>>()?;
        applied(backend.set_auth_methods(lhba, &methods)?)
    }
}

export! {
    /// The LHBA's CHAP name (never the secret).
    fn IMA_GetInitiatorAuthParms(lhba_oid: Oid, method: AuthMethod, p_parms: *mut InitiatorAuthParms) {
        need(p_parms, "pParms")?;
        let (lhba, backend) = enter(lhba_oid, LHBA)?;
        chap_only(method)?;
        let info = backend.chap(lhba, ChapRole::Initiator)?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_parms, chap_to_c(info.as_ref())) }
    }
}

export! {
    /// Sets the LHBA's CHAP name and secret, from the next login.
    fn IMA_SetInitiatorAuthParms(lhba_oid: Oid, method: AuthMethod, p_parms: *const InitiatorAuthParms) {
        need(p_parms, "pParms")?;
        let (lhba, backend) = enter(lhba_oid, LHBA)?;
        chap_only(method)?;
        // SAFETY: non-NULL and readable by the caller's contract.
        let (name, secret) = chap_from_c(unsafe { &*p_parms })?;
        applied(backend.set_chap(lhba, ChapRole::Initiator, name, secret, None)?)
    }
}
