//! Sessions and connections (docs/ima-notes.md §2.9; unexported in illumos, public in Oracle's).

use ima_abi::{ConnectionProperties, SessionProperties};

routed_list! {
    /// Sessions of an LHBA or target. ROUTE(LHBA, TARGET), list copied.
    IMA_GetSessionOidList(oid, pp_list) [LHBA, TARGET]
}

getter! {
    /// Negotiated session parameters. ROUTE(SESSION).
    IMA_GetSessionProperties(session_oid, p_props: *mut SessionProperties) [SESSION]
}

routed_list! {
    /// Connections of a session. ROUTE(SESSION), list copied.
    IMA_GetConnectionOidList(oid, pp_list) [SESSION]
}

getter! {
    /// Connection parameters. ROUTE(CONNECTION).
    IMA_GetConnectionProperties(connection_oid, p_props: *mut ConnectionProperties) [CONNECTION]
}
