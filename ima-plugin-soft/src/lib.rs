//! The IMA plugin that presents the userspace initiator (`iscsi-initiator`) as one
//! physical and one logical HBA. It will own a tokio runtime started in `Initialize` and
//! stopped in `Terminate`. Nothing is implemented here yet.
#![warn(missing_docs)]
