//! Logical HBA (docs/ima-notes.md §2.3).

use ima_abi::{CommitLevel, ImaStatus, LhbaProperties, ObjectType, Oid, OidList};

use super::{enter, give_list, ima_bool, need, put, wide_into};
use crate::error::PluginError;
use crate::state;

export! {
    /// All LHBAs; SUCCESS with an empty list when the backend has none.
    fn IMA_GetLhbaOidList(pp_list: *mut *mut OidList) {
        need(pp_list, "ppList")?;
        let (_, backend) = state::current()?;
        let lhbas = system_list(backend.lhbas())?;
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { give_list(pp_list, &lhbas) }
    }
}

/// A system-wide list: NOT_SUPPORTED becomes an empty list (docs/ima-notes.md §4 item 2).
pub(crate) fn system_list(
    list: Result<Vec<crate::ObjectRef>, PluginError>,
) -> Result<Vec<crate::ObjectRef>, PluginError> {
    match list {
        Err(PluginError::NotSupported) => Ok(Vec::new()),
        other => other,
    }
}

export! {
    /// LHBA properties.
    fn IMA_GetLhbaProperties(lhba_oid: Oid, p_props: *mut LhbaProperties) {
        need(p_props, "pProps")?;
        let (lhba, backend) = enter(lhba_oid, &[ObjectType::LHBA])?;
        let info = backend.lhba_properties(lhba)?;
        let mut props = LhbaProperties::zeroed();
        wide_into(&info.os_device_name, &mut props.os_device_name);
        props.lu_exposing_supported = ima_bool(info.lu_exposing_supported);
        props.is_destroyable = ima_bool(info.is_destroyable);
        props.stale_data_removable = ima_bool(info.stale_data_removable);
        props.stale_data_size = info.stale_data_size.into();
        props.initiator_auth_methods_settable = ima_bool(info.initiator_auth_methods_settable);
        props.target_auth_methods_settable = ima_bool(info.target_auth_methods_settable);
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// Runs discovery, then deletes the saved settings of targets no enabled method found
    /// (TARGET_TIMEOUT, nothing deleted, when a discovery address did not answer).
    fn IMA_RemoveStaleData(lhba_oid: Oid) {
        let (lhba, backend) = enter(lhba_oid, &[ObjectType::LHBA])?;
        backend.remove_stale_data(lhba)?;
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}

export! {
    /// Every change is applied and persisted when it is made: nothing is pending, so any
    /// defined commit level succeeds (an undefined one is INVALID_PARAMETER).
    fn IMA_CommitHbaParameters(lhba_oid: Oid, commit_level: CommitLevel) {
        if !commit_level.is_defined() {
            return Err(ima_support::ArgError::InvalidArgument("commitLevel").into());
        }
        let (hba, backend) = enter(lhba_oid, &[ObjectType::LHBA, ObjectType::PHBA])?;
        backend.commit_parameters(hba)?;
        Ok(ImaStatus::STATUS_SUCCESS)
    }
}
