//! Authentication in the login security stage: CHAP (RFC 7143 §12.1.3, RFC 1994).
//!
//! Filled by the login issue.
