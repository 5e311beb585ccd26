//! The initiator node (docs/ima-notes.md §2.2, §3.5). Node calls accept any OID: a library
//! may pass an uninitialised one, or an LHBA OID retyped to NODE.

use ima_abi::wide::wide_ptr_to_string;
use ima_abi::{IMA_NODE_ALIAS_LEN, IMA_NODE_NAME_LEN, NodeProperties, Oid, OidList, WChar};

use super::lhba::system_list;
use super::{applied, give_list, ima_bool, need, put, wide_into};
use crate::error::PluginError;
use crate::state;

export! {
    /// Nodes other than the shared one; SUCCESS with an empty list when there are none.
    fn IMA_GetNonSharedNodeOidList(pp_list: *mut *mut OidList) {
        need(pp_list, "ppList")?;
        let (_, backend) = state::current()?;
        let nodes = system_list(backend.non_shared_nodes())?;
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { give_list(pp_list, &nodes) }
    }
}

export! {
    /// The initiator node's properties (any OID).
    fn IMA_GetNodeProperties(node_oid: Oid, p_props: *mut NodeProperties) {
        let _ = node_oid;
        need(p_props, "pProps")?;
        let (_, backend) = state::current()?;
        let info = backend.node_properties()?;
        let mut props = NodeProperties::zeroed();
        props.running_in_initiator_mode = ima_bool(info.initiator);
        props.running_in_target_mode = ima_bool(info.target);
        props.name_and_alias_settable = ima_bool(info.name_and_alias_settable);
        if let Some(name) = &info.name {
            props.name_valid = ima_bool(true);
            wide_into(name, &mut props.name);
        }
        if let Some(alias) = &info.alias {
            props.alias_valid = ima_bool(true);
            wide_into(alias, &mut props.alias);
        }
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

/// Reads a wide string argument of at most `max` characters.
///
/// # Safety
/// `ptr` must be non-NULL and NUL-terminated (or valid for `max + 1` characters).
unsafe fn read_wide(
    ptr: *const WChar,
    max: usize,
    name: &'static str,
) -> Result<String, PluginError> {
    // SAFETY: forwarded caller contract.
    unsafe { wide_ptr_to_string(ptr, max) }.map_err(|_| PluginError::NameTooLong(name))
}

export! {
    /// Sets the initiator name (any OID).
    fn IMA_SetNodeName(node_oid: Oid, new_name: *const WChar) {
        let _ = node_oid;
        need(new_name, "newName")?;
        // SAFETY: non-NULL; NUL-terminated by the caller's contract.
        let name = unsafe { read_wide(new_name, IMA_NODE_NAME_LEN - 1, "newName") }?;
        if name.is_empty() {
            return Err(ima_support::ArgError::InvalidArgument("newName").into());
        }
        let (_, backend) = state::current()?;
        applied(backend.set_node_name(&name)?)
    }
}

export! {
    /// Sets the alias, or removes it with NULL or an empty string (any OID).
    fn IMA_SetNodeAlias(node_oid: Oid, new_alias: *const WChar) {
        let _ = node_oid;
        let alias = if new_alias.is_null() {
            None
        } else {
            // SAFETY: non-NULL; NUL-terminated by the caller's contract.
            Some(unsafe { read_wide(new_alias, IMA_NODE_ALIAS_LEN - 1, "newAlias") }?)
        };
        let (_, backend) = state::current()?;
        applied(backend.set_node_alias(alias.as_deref().filter(|a| !a.is_empty()))?)
    }
}
