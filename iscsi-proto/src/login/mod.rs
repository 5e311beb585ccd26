//! The login phase state machine (RFC 7143 §6, §11.12–11.13).
//!
//! Filled by the login issue.
