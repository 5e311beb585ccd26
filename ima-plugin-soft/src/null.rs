//! The placeholder backend installed by `Initialize` until the real engine is plugged in.

use ima_abi::{IMA_ULP_TCP, ObjectType};

use crate::backend::{Backend, LhbaInfo, ObjectRef, PhbaInfo, PluginInfo, Result};
use crate::error::PluginError;

/// The one PHBA.
pub const PHBA: ObjectRef = ObjectRef::new(ObjectType::PHBA, 1);
/// The one LHBA.
pub const LHBA: ObjectRef = ObjectRef::new(ObjectType::LHBA, 1);

/// One PHBA and one LHBA (sequence number 1 each), software-initiator style; no node,
/// discovery, targets, LUs or ports (everything else NOT_SUPPORTED for those two objects,
/// OBJECT_NOT_FOUND for any other).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullBackend;

impl NullBackend {
    fn check(object: ObjectRef, expected: ObjectRef) -> Result<()> {
        if object == expected {
            Ok(())
        } else {
            Err(PluginError::ObjectNotFound)
        }
    }
}

/// The plugin's own properties (any backend may reuse them).
pub fn plugin_info() -> PluginInfo {
    PluginInfo {
        vendor: "iscsi-ima".into(),
        implementation_version: env!("CARGO_PKG_VERSION").into(),
        file_name: "libima_plugin_soft.so".into(),
        lhbas_can_be_created_and_destroyed: false,
    }
}

impl Backend for NullBackend {
    fn plugin_info(&self) -> Result<PluginInfo> {
        Ok(plugin_info())
    }

    fn exists(&self, object: ObjectRef) -> bool {
        object == PHBA || object == LHBA
    }

    fn lhbas(&self) -> Result<Vec<ObjectRef>> {
        Ok(vec![LHBA])
    }

    fn phbas(&self) -> Result<Vec<ObjectRef>> {
        Ok(vec![PHBA])
    }

    fn non_shared_nodes(&self) -> Result<Vec<ObjectRef>> {
        Ok(Vec::new())
    }

    fn lnps(&self) -> Result<Vec<ObjectRef>> {
        Ok(Vec::new())
    }

    fn lhba_properties(&self, lhba: ObjectRef) -> Result<LhbaInfo> {
        Self::check(lhba, LHBA)?;
        Ok(LhbaInfo {
            os_device_name: "iscsi-ima".into(),
            lu_exposing_supported: false,
            is_destroyable: false,
            stale_data_removable: false,
            stale_data_size: 0,
            initiator_auth_methods_settable: true,
            target_auth_methods_settable: false,
        })
    }

    fn phba_properties(&self, phba: ObjectRef) -> Result<PhbaInfo> {
        Self::check(phba, PHBA)?;
        Ok(PhbaInfo {
            vendor: "iscsi-ima".into(),
            model: "software iSCSI initiator".into(),
            description: "userspace iSCSI initiator over the host TCP/IP stack".into(),
            driver_name: "ima-plugin-soft".into(),
            driver_version: env!("CARGO_PKG_VERSION").into(),
            supported_ulps: IMA_ULP_TCP as u32,
            bidirectional_transfers_supported: false,
            maximum_cdb_length: 16,
            is_initiator: true,
            ..PhbaInfo::default()
        })
    }

    fn phba_working(&self, phba: ObjectRef) -> Result<bool> {
        Self::check(phba, PHBA)?;
        Ok(true)
    }
}
