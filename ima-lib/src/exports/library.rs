//! Library, plugin and memory calls (docs/ima-notes.md §2.1).

use std::ffi::{CStr, c_void};

use ima_abi::wide::string_to_wide_array;
use ima_abi::{ImaStatus, ImaUint, LibraryProperties, ObjectType, Oid, OidList, PluginProperties};

use crate::error::ImaError;
use crate::library::library;
use crate::node::SHARED_NODE_OID;
use ima_support::memory::{self, publish_list};
use ima_support::{check_range, check_type, non_null};

/// Vendor reported in `IMA_LIBRARY_PROPERTIES`.
pub const LIBRARY_VENDOR: &str = "iscsi-ima project";

export! {
    /// Describes the library: IMA version 1, vendor, implementation version, the file the
    /// library was loaded from (or `libima.so`), build time zeroed. LOCAL; `pProps` non-NULL.
    fn IMA_GetLibraryProperties(p_props: *mut LibraryProperties) {
        non_null(p_props, "pProps")?;
        let mut props = LibraryProperties::zeroed();
        props.supported_ima_version = 1;
        let file = loaded_file_name().unwrap_or_else(|| "libima.so".to_owned());
        // All three are short constants or a path truncated below; a failure leaves "".
        let _ = string_to_wide_array(LIBRARY_VENDOR, &mut props.vendor);
        let _ = string_to_wide_array(env!("CARGO_PKG_VERSION"), &mut props.implementation_version);
        let file: String = file.chars().take(props.file_name.len() - 1).collect();
        let _ = string_to_wide_array(&file, &mut props.file_name);
        // SAFETY: non-NULL and, by the caller's contract, writable for one struct.
        unsafe { p_props.write(props) };
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Lists the loaded plugins as `{PLUGIN, ownerId, 0}`. LOCAL; `ppList` non-NULL.
    fn IMA_GetPluginOidList(pp_list: *mut *mut OidList) {
        non_null(pp_list, "ppList")?;
        let oids: Vec<Oid> = library()
            .plugins
            .iter()
            .map(|p| Oid::new(ObjectType::PLUGIN, p.owner_id, 0))
            .collect();
        let list = publish_list::<OidList, Oid>(&oids)?;
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { pp_list.write(list) };
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Plugin properties. ROUTE(PLUGIN); the sequence number must be 0 (INVALID_PARAMETER).
    fn IMA_GetPluginProperties(plugin_oid: Oid, p_props: *mut PluginProperties) {
        non_null(p_props, "pProps")?;
        check_type(plugin_oid.object_type, &[ObjectType::PLUGIN])?;
        check_range(plugin_oid.object_sequence_number == 0, "pluginOid.objectSequenceNumber")?;
        route_call!(plugin_oid, [PLUGIN], IMA_GetPluginProperties(plugin_oid, p_props))
    }
}

export! {
    /// The plugin owning an object. LOCAL. ownerId 0 (library-owned) → INVALID_PARAMETER;
    /// any defined type (0..=14, sessions and connections included) is accepted.
    fn IMA_GetAssociatedPluginOid(oid: Oid, p_plugin_oid: *mut Oid) {
        non_null(p_plugin_oid, "pPluginOid")?;
        if !oid.object_type.is_defined() {
            return Err(ImaError::InvalidObjectType(oid.object_type.0));
        }
        check_range(oid.owner_id != 0, "oid.ownerId")?;
        let plugin = library().plugin(oid.owner_id)?;
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { p_plugin_oid.write(Oid::new(ObjectType::PLUGIN, plugin.owner_id, 0)) };
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// An OID's type. LOCAL; the owner must be a loaded plugin, or the OID the shared node.
    fn IMA_GetObjectType(oid: Oid, p_object_type: *mut ObjectType) {
        non_null(p_object_type, "pObjectType")?;
        if !oid.object_type.is_defined() {
            return Err(ImaError::InvalidObjectType(oid.object_type.0));
        }
        if oid != SHARED_NODE_OID {
            library().plugin(oid.owner_id)?;
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { p_object_type.write(oid.object_type) };
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Vendor pass-through. ROUTE(PLUGIN); all buffers non-NULL, both lengths non-zero.
    fn IMA_PluginIOCtl(
        plugin_oid: Oid,
        command: ImaUint,
        p_input_buffer: *const c_void,
        input_buffer_length: ImaUint,
        p_output_buffer: *mut c_void,
        p_output_buffer_length: *mut ImaUint,
    ) {
        non_null(p_input_buffer, "pInputBuffer")?;
        non_null(p_output_buffer, "pOutputBuffer")?;
        non_null(p_output_buffer_length, "pOutputBufferLength")?;
        check_range(input_buffer_length != 0, "inputBufferLength")?;
        // SAFETY: non-NULL and readable by the caller's contract.
        check_range(unsafe { p_output_buffer_length.read() } != 0, "*pOutputBufferLength")?;
        route_call!(
            plugin_oid,
            [PLUGIN],
            IMA_PluginIOCtl(
                plugin_oid,
                command,
                p_input_buffer,
                input_buffer_length,
                p_output_buffer,
                p_output_buffer_length,
            )
        )
    }
}

export! {
    /// Frees memory this library returned. NULL, a foreign pointer or a second free →
    /// INVALID_PARAMETER (nothing is freed).
    fn IMA_FreeMemory(p_memory: *mut c_void) {
        memory::free(p_memory)?;
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

/// Path of the object this code was loaded from (libima.so, or the executable for an rlib).
fn loaded_file_name() -> Option<String> {
    let mut info = libc::Dl_info {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    let address = IMA_GetLibraryProperties as *const c_void;
    // SAFETY: `address` is a function of this object and `info` a writable `Dl_info`.
    if unsafe { libc::dladdr(address, &raw mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: on success `dli_fname` is a NUL-terminated path owned by the loader.
    Some(
        unsafe { CStr::from_ptr(info.dli_fname) }
            .to_string_lossy()
            .into_owned(),
    )
}
