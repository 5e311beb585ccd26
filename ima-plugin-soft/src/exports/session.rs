//! Sessions and connections (docs/ima-notes.md §2.9): not implemented yet, NOT_SUPPORTED.

use ima_abi::{ConnectionProperties, OidList, SessionProperties};

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetConnectionOidList(
        oid,
        arg1: *mut *mut OidList,
    ) [SESSION]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetConnectionProperties(
        oid,
        arg1: *mut ConnectionProperties,
    ) [CONNECTION]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetSessionOidList(
        oid,
        arg1: *mut *mut OidList,
    ) [LHBA, TARGET]
    non_null(arg1)
}

unsupported! {
    /// NOT_SUPPORTED for an existing object (OBJECT_NOT_FOUND otherwise).
    IMA_GetSessionProperties(
        oid,
        arg1: *mut SessionProperties,
    ) [SESSION]
    non_null(arg1)
}
