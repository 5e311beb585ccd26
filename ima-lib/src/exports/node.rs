//! Node calls (docs/ima-notes.md §2.2). The shared node is answered by the library.

use ima_abi::wide::{WideError, string_to_wide_array, wide_ptr_to_string};
use ima_abi::{
    IMA_NODE_ALIAS_LEN, IMA_NODE_NAME_LEN, ImaStatus, NodeProperties, ObjectType, Oid, WChar,
};

use crate::error::ImaError;
use crate::library::library;
use crate::node::{self, SHARED_NODE_OID};
use ima_support::{check_type, non_null};

export! {
    /// The shared node's OID, `{NODE, 0, 0}`. LOCAL.
    fn IMA_GetSharedNodeOid(p_shared_node_oid: *mut Oid) {
        non_null(p_shared_node_oid, "pSharedNodeOid")?;
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { p_shared_node_oid.write(SHARED_NODE_OID) };
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

aggregate_list! {
    /// Nodes owned by plugins. Every plugin once, lists concatenated.
    IMA_GetNonSharedNodeOidList(pp_list)
}

export! {
    /// Node properties. NODE only; the shared node is answered locally, other nodes routed.
    fn IMA_GetNodeProperties(node_oid: Oid, p_props: *mut NodeProperties) {
        non_null(p_props, "pProps")?;
        check_type(node_oid.object_type, &[ObjectType::NODE])?;
        if node_oid.owner_id == 0 {
            if node_oid != SHARED_NODE_OID {
                return Err(ImaError::ObjectNotFound);
            }
            let props = library().node().properties();
            // SAFETY: non-NULL and writable by the caller's contract.
            unsafe { p_props.write(props) };
            return Ok(ImaStatus::STATUS_SUCCESS);
        }
        route_call!(node_oid, [NODE], IMA_GetNodeProperties(node_oid, p_props))
    }
}

export! {
    /// Sets a node's iSCSI name. NODE only; NULL or empty → INVALID_PARAMETER, more than 223
    /// characters → NAME_TOO_LONG. The shared node's name is persisted and pushed to the
    /// plugins that manage initiator names (see [`crate::node`]).
    fn IMA_SetNodeName(node_oid: Oid, new_name: *const WChar) {
        non_null(new_name, "newName")?;
        check_type(node_oid.object_type, &[ObjectType::NODE])?;
        let name = bounded_string(new_name, IMA_NODE_NAME_LEN - 1, "newName")?;
        if name.is_empty() {
            return Err(ImaError::InvalidArgument("newName"));
        }
        if node_oid.owner_id == 0 {
            if node_oid != SHARED_NODE_OID {
                return Err(ImaError::ObjectNotFound);
            }
            let library = library();
            library.node().set_name(name.clone())?;
            return Ok(node::push_name(&library.plugins, &name));
        }
        route_call!(node_oid, [NODE], IMA_SetNodeName(node_oid, new_name))
    }
}

export! {
    /// Writes a generated, unique iSCSI name into a caller buffer of `IMA_NODE_NAME_LEN`
    /// wide characters. LOCAL.
    fn IMA_GenerateNodeName(generated_name: *mut WChar) {
        non_null(generated_name, "generatedName")?;
        // SAFETY: the parameter is an `IMA_NODE_NAME`, i.e. `IMA_NODE_NAME_LEN` writable wide
        // characters, by the caller's contract; no other reference to it exists here.
        let out = unsafe { std::slice::from_raw_parts_mut(generated_name, IMA_NODE_NAME_LEN) };
        string_to_wide_array(&node::generate_name(), out)
            .map_err(|_| ImaError::Os("generated name does not fit"))?;
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Sets (or with NULL, deletes) a node's alias. NODE only; more than 255 characters →
    /// NAME_TOO_LONG. The shared node's alias is persisted and pushed like its name.
    fn IMA_SetNodeAlias(node_oid: Oid, new_alias: *const WChar) {
        check_type(node_oid.object_type, &[ObjectType::NODE])?;
        let alias = if new_alias.is_null() {
            String::new()
        } else {
            bounded_string(new_alias, IMA_NODE_ALIAS_LEN - 1, "newAlias")?
        };
        if node_oid.owner_id == 0 {
            if node_oid != SHARED_NODE_OID {
                return Err(ImaError::ObjectNotFound);
            }
            let library = library();
            library.node().set_alias(alias.clone())?;
            return Ok(node::push_alias(&library.plugins, &alias));
        }
        route_call!(node_oid, [NODE], IMA_SetNodeAlias(node_oid, new_alias))
    }
}

/// Reads a caller's wide string of at most `max` characters: longer → NAME_TOO_LONG (even
/// if it also holds an invalid character), not valid Unicode → INVALID_PARAMETER.
fn bounded_string(ptr: *const WChar, max: usize, name: &'static str) -> Result<String, ImaError> {
    // SAFETY: non-NULL (checked by the callers) and NUL-terminated by the caller's contract;
    // at most `max + 1` characters are read, and the characters are decoded only once the
    // NUL was found among them.
    unsafe { wide_ptr_to_string(ptr, max) }.map_err(|error| match error {
        WideError::NotTerminated { .. } => ImaError::NameTooLong(name),
        _ => ImaError::InvalidArgument(name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status each kind of caller string gets (also checked through C in
    /// tests/integration `ima_c_client` for the lengths).
    #[test]
    fn bounded_string_statuses() {
        let read = |chars: &[WChar]| {
            let wide: Vec<WChar> = chars.iter().copied().chain([0]).collect();
            bounded_string(wide.as_ptr(), 3, "s")
        };
        let a = WChar::from(b'a');
        let surrogate = 0xD800;
        assert_eq!(read(&[]), Ok(String::new()));
        assert_eq!(read(&[a; 3]), Ok("aaa".to_owned()));
        assert_eq!(read(&[a; 4]), Err(ImaError::NameTooLong("s")));
        assert_eq!(read(&[a, surrogate]), Err(ImaError::InvalidArgument("s")));
        assert_eq!(read(&[a, -1, a]), Err(ImaError::InvalidArgument("s")));
        // Too long wins over an invalid character.
        assert_eq!(read(&[surrogate, a, a, a]), Err(ImaError::NameTooLong("s")));
    }
}
