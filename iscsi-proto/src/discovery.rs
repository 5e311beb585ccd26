//! SendTargets (RFC 7143 Appendix C): requests and the bounded parser of the answer.
//!
//! Filled by the login issue.
