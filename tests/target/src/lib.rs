//! An in-process iSCSI target on loopback TCP, built on the `iscsi-proto` wire layer, for
//! fault injection (dropped connections, corrupt digests, stalls, Rejects) that real targets
//! rarely show. `tgtd` stays the real peer. Filled by the session-engine issue.
#![forbid(unsafe_code)]
