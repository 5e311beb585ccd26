//! Loads the built `libima_plugin_soft.so` with `libloading` and checks that every name of
//! `ima_abi::plugin_api` is exported, and the engine backend's answers through the C ABI.

use ima_abi::list::counted_slice;
use ima_abi::{ImaStatus, ObjectType, Oid, OidList, PhbaProperties, PluginProperties, plugin_api};

mod common;

use common::{plugin_path, sym};

#[test]
fn every_entry_point_is_exported_and_the_engine_backend_answers() {
    // The engine's state file in a scratch directory, not the system's.
    let dir = std::env::temp_dir().join(format!("ima-plugin-exports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // SAFETY: set before anything else of this test process reads the environment (the
    // only test in this binary).
    unsafe { std::env::set_var("ISCSI_HBA_STATE", dir.join("hba.json")) };
    // SAFETY: loading our own plugin; its initialisers are Rust statics only.
    let lib = unsafe { libloading::Library::new(plugin_path()) }.unwrap();
    for name in plugin_api::NAMES.iter().chain(&["Initialize", "Terminate"]) {
        let c = format!("{name}\0");
        assert!(
            // SAFETY: only the address is looked up.
            unsafe { lib.get::<*const ()>(c.as_bytes()) }.is_ok(),
            "{name} not exported"
        );
    }
    let init: plugin_api::Initialize = sym(&lib, "Initialize");
    let free: plugin_api::IMA_FreeMemory = sym(&lib, "IMA_FreeMemory");
    // SAFETY: each call gets valid out-pointers; lists are freed with the plugin's own free.
    unsafe {
        assert_eq!(init(7), ImaStatus::STATUS_SUCCESS);
        for (name, kind) in [
            ("IMA_GetLhbaOidList", Some(ObjectType::LHBA)),
            ("IMA_GetPhbaOidList", Some(ObjectType::PHBA)),
            ("IMA_GetNonSharedNodeOidList", None),
            ("IMA_GetLnpOidList", Some(ObjectType::LNP)),
        ] {
            let f: plugin_api::IMA_GetLhbaOidList = sym(&lib, name);
            let mut first = Vec::new();
            for round in 0..2 {
                let mut list: *mut OidList = std::ptr::null_mut();
                assert_eq!(f(&raw mut list), ImaStatus::STATUS_SUCCESS, "{name}");
                let oids: &[Oid] = counted_slice(list, 64).unwrap();
                match kind {
                    // One LNP per host interface (at least the loopback one).
                    Some(ObjectType::LNP) => assert!(!oids.is_empty(), "{name}"),
                    Some(k) => assert_eq!(oids, &[Oid::new(k, 7, 1)], "{name}"),
                    None => assert!(oids.is_empty(), "{name}"),
                }
                assert!(
                    oids.iter().all(|o| o.owner_id == 7),
                    "{name}: ownerId stamped"
                );
                // Asked twice (as libraries do), the same answer.
                if round == 0 {
                    first = oids.to_vec();
                } else {
                    assert_eq!(oids, first.as_slice(), "{name}");
                }
                assert_eq!(free(list.cast()), ImaStatus::STATUS_SUCCESS);
                assert_eq!(free(list.cast()), ImaStatus::ERROR_INVALID_PARAMETER);
            }
        }
        let plugin_props: plugin_api::IMA_GetPluginProperties =
            sym(&lib, "IMA_GetPluginProperties");
        let mut pp = PluginProperties::zeroed();
        assert_eq!(
            plugin_props(Oid::new(ObjectType::PLUGIN, 7, 0), &raw mut pp),
            ImaStatus::STATUS_SUCCESS
        );
        assert_eq!(
            ima_abi::wide::wide_array_to_string(&pp.vendor).unwrap(),
            "iscsi-ima"
        );
        assert_eq!(
            ima_abi::wide::wide_array_to_string(&pp.file_name).unwrap(),
            "libima_plugin_soft.so"
        );
        let phba: plugin_api::IMA_GetPhbaProperties = sym(&lib, "IMA_GetPhbaProperties");
        let mut props = PhbaProperties::zeroed();
        assert_eq!(
            phba(Oid::new(ObjectType::PHBA, 7, 1), &raw mut props),
            ImaStatus::STATUS_SUCCESS
        );
        assert_eq!((props.is_initiator, props.is_target), (1, 0));
        // Another ownerId, an unknown sequence number, a wrong type.
        assert_eq!(
            phba(Oid::new(ObjectType::PHBA, 8, 1), &raw mut props),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            phba(Oid::new(ObjectType::PHBA, 7, 2), &raw mut props),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            phba(Oid::new(ObjectType::LHBA, 7, 1), &raw mut props),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(
            phba(Oid::new(ObjectType::PHBA, 7, 1), std::ptr::null_mut()),
            ImaStatus::ERROR_INVALID_PARAMETER
        );
        // Exists but unsupported vs. no such object.
        let download: plugin_api::IMA_GetPhbaDownloadProperties =
            sym(&lib, "IMA_GetPhbaDownloadProperties");
        let mut download_props = ima_abi::PhbaDownloadProperties::zeroed();
        assert_eq!(
            download(Oid::new(ObjectType::PHBA, 7, 1), &raw mut download_props),
            ImaStatus::ERROR_NOT_SUPPORTED
        );
        assert_eq!(
            download(Oid::new(ObjectType::PHBA, 7, 9), &raw mut download_props),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        // Nothing is ever pending: a defined commit level succeeds, another is refused.
        let commit: plugin_api::IMA_CommitHbaParameters = sym(&lib, "IMA_CommitHbaParameters");
        assert_eq!(
            commit(
                Oid::new(ObjectType::LHBA, 7, 1),
                ima_abi::CommitLevel::ACTIVE
            ),
            ImaStatus::STATUS_SUCCESS
        );
        assert_eq!(
            commit(Oid::new(ObjectType::PHBA, 7, 1), ima_abi::CommitLevel(9)),
            ImaStatus::ERROR_INVALID_PARAMETER
        );
        assert_eq!(
            commit(Oid::new(ObjectType::LHBA, 7, 9), ima_abi::CommitLevel::AUTO),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        let terminate: plugin_api::Terminate = sym(&lib, "Terminate");
        terminate();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
