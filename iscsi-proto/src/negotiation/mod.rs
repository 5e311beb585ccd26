//! Operational parameter negotiation (RFC 7143 §6.2, §13) as pure functions over text pairs.
//!
//! Filled by the login issue.
