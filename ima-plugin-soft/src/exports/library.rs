//! Plugin entry and exit, plugin properties, memory (docs/ima-notes.md §2.1, §3.2).

use std::ffi::c_void;
use std::panic::catch_unwind;

use ima_abi::{ImaStatus, ImaUint, ObjectType, Oid, PluginProperties};

use super::{enter, ima_bool, need, put, wide_into};
use crate::state;

/// Plugin entry: remembers the ownerId (stamped into every OID handed out) and installs the
/// backend. Always SUCCESS (libraries ignore the status anyway).
///
/// # Safety
/// None beyond being called by an IMA library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn Initialize(owner_id: u32) -> ImaStatus {
    match catch_unwind(|| state::initialize(owner_id)) {
        Ok(()) => ImaStatus::STATUS_SUCCESS,
        Err(_) => ImaStatus::ERROR_UNKNOWN_ERROR,
    }
}
const _: ima_abi::plugin_api::Initialize = Initialize;

/// Plugin exit: drops the backend.
///
/// # Safety
/// None beyond being called by an IMA library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn Terminate() {
    let _ = catch_unwind(state::terminate);
}
const _: ima_abi::plugin_api::Terminate = Terminate;

export! {
    /// Frees memory this plugin returned (C allocator). NULL, a foreign pointer or a second
    /// free → INVALID_PARAMETER.
    fn IMA_FreeMemory(p_memory: *mut c_void) {
        ima_support::memory::free(p_memory)?;
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Plugin properties from the backend: IMA version 1, build time zero.
    fn IMA_GetPluginProperties(plugin_oid: Oid, p_props: *mut PluginProperties) {
        need(p_props, "pProps")?;
        let (_, backend) = enter(plugin_oid, &[ObjectType::PLUGIN])?;
        let info = backend.plugin_info()?;
        let mut props = PluginProperties::zeroed();
        props.supported_ima_version = 1;
        wide_into(&info.vendor, &mut props.vendor);
        wide_into(&info.implementation_version, &mut props.implementation_version);
        wide_into(&info.file_name, &mut props.file_name);
        props.lhbas_can_be_created_and_destroyed = ima_bool(info.lhbas_can_be_created_and_destroyed);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// The vendor commands of `include/ima_plugin_soft.h` ([`crate::ioctl`]): explicit
    /// login and logout, the automatic login switches, a rescan, a session's addresses.
    fn IMA_PluginIOCtl(
        plugin_oid: Oid,
        command: ImaUint,
        p_input_buffer: *const c_void,
        input_buffer_length: ImaUint,
        p_output_buffer: *mut c_void,
        p_output_buffer_length: *mut ImaUint,
    ) {
        need(p_input_buffer, "pInputBuffer")?;
        need(p_output_buffer, "pOutputBuffer")?;
        need(p_output_buffer_length, "pOutputBufferLength")?;
        let (_, backend) = enter(plugin_oid, &[ObjectType::PLUGIN])?;
        // SAFETY: non-NULL, and sized as the caller says by its contract.
        unsafe {
            crate::ioctl::run(
                backend.as_ref(),
                command,
                p_input_buffer,
                input_buffer_length,
                p_output_buffer,
                p_output_buffer_length,
            )
        }
    }
}
