//! Authentication (docs/ima-notes.md §2.10): not implemented yet, NOT_SUPPORTED.

use ima_abi::{AuthMethod, ImaBool, ImaUint, InitiatorAuthParms};

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetInUseInitiatorAuthMethods(
        oid,
        arg1: *mut ImaUint,
        arg2: *mut AuthMethod,
    ) [LHBA]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetInitiatorAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: *mut InitiatorAuthParms,
    ) [LHBA]
    non_null(arg2)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetSupportedAuthMethods(
        oid,
        arg1: ImaBool,
        arg2: *mut ImaUint,
        arg3: *mut AuthMethod,
    ) [LHBA]
    non_null(arg2)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetInitiatorAuthMethods(
        oid,
        arg1: ImaUint,
        arg2: *const AuthMethod,
    ) [LHBA]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetInitiatorAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: *const InitiatorAuthParms,
    ) [LHBA]
}
