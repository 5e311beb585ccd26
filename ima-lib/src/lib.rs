//! The SNIA iSCSI Management API library, built as `libima.so`.
//!
//! It will read `/etc/ima.conf`, load each plugin, route calls by the owner of an OID,
//! aggregate lists across plugins and fan out callbacks. It is filled by the IMA issue.
#![warn(missing_docs)]
