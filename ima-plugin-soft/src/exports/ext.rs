//! IMA 2.0 additions (Oracle) and Sun tunables (docs/ima-notes.md §2.14): NOT_SUPPORTED.

use ima_abi::{
    AuthMethod, BoolValue, DigestProperties, DigestType, ImaBool, ImaUint, InitiatorAuthParms,
    MarkerInt, MinMaxValue, TargetAuthParms, TargetAuthParmsList, TunableParam,
};

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_AddLhbaMutualAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: TargetAuthParms,
    ) [LHBA]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetDataDigestValues(
        oid,
        arg1: *mut ImaUint,
        arg2: *mut DigestType,
    ) [LHBA, TARGET]
    non_null(arg1, arg2)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetDigestProperties(
        oid,
        arg1: *mut DigestProperties,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetHeaderDigestValues(
        oid,
        arg1: *mut ImaUint,
        arg2: *mut DigestType,
    ) [LHBA, TARGET]
    non_null(arg1, arg2)
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
    IMA_GetInitiatorLocalAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: *mut InitiatorAuthParms,
        arg3: *mut ImaBool,
    ) [LHBA]
    non_null(arg2, arg3)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetLhbaMutualAuthParmsList(
        oid,
        arg1: AuthMethod,
        arg2: *mut *mut TargetAuthParmsList,
    ) [LHBA]
    non_null(arg2)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetMutualLocalAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: *mut TargetAuthParms,
    ) [LHBA]
    non_null(arg2)
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
    IMA_RemoveLhbaMutualAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: TargetAuthParms,
    ) [LHBA]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetDataDigestValues(
        oid,
        arg1: ImaUint,
        arg2: *const DigestType,
    ) [LHBA, TARGET]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetHeaderDigestValues(
        oid,
        arg1: ImaUint,
        arg2: *const DigestType,
    ) [LHBA, TARGET]
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
    IMA_SetInitiatorLocalAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: *const InitiatorAuthParms,
        arg3: ImaBool,
    ) [LHBA]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetMutualLocalAuth(
        oid,
        arg1: AuthMethod,
        arg2: ImaBool,
    ) [LHBA]
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_SetMutualLocalAuthParms(
        oid,
        arg1: AuthMethod,
        arg2: *const TargetAuthParms,
        arg3: ImaBool,
    ) [LHBA]
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
