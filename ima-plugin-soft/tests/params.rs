//! The login-parameter getters and setters through the C ABI of the built plugin
//! (`libloading`), on the LHBA and on a (statically configured) target.

use ima_abi::list::counted_slice;
use ima_abi::{BoolValue, ImaStatus, MinMaxValue, ObjectType, Oid, OidList, plugin_api};

mod common;

use common::{plugin_path, sym};

const TARGET: &str = "iqn.2026-01.invalid.ima:params";

#[test]
fn login_parameters_through_the_c_abi() {
    let dir = std::env::temp_dir().join(format!("ima-plugin-params-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("hba.json");
    // One static target, so a TARGET object exists without any network.
    std::fs::write(
        &state,
        format!(
            r#"{{"version":1,"next_id":2,"node":{{"name":"iqn.2026-12.org.example:h","alias":null}},
            "discovery":{{"static_enabled":true,"send_targets_enabled":true}},
            "static_targets":[{{"id":1,"name":"{TARGET}","address":"127.0.0.1:9"}}]}}"#
        ),
    )
    .unwrap();
    // SAFETY: set before anything else of this test process reads the environment (the
    // only test in this binary).
    unsafe { std::env::set_var("ISCSI_HBA_STATE", &state) };
    // SAFETY: loading our own plugin; its initialisers are Rust statics only.
    let lib = unsafe { libloading::Library::new(plugin_path()) }.unwrap();
    let init: plugin_api::Initialize = sym(&lib, "Initialize");
    let free: plugin_api::IMA_FreeMemory = sym(&lib, "IMA_FreeMemory");
    let get_mbl: plugin_api::IMA_GetMaxBurstLengthProperties =
        sym(&lib, "IMA_GetMaxBurstLengthProperties");
    let set_mbl: plugin_api::IMA_SetMaxBurstLength = sym(&lib, "IMA_SetMaxBurstLength");
    let get_fbl: plugin_api::IMA_GetFirstBurstLengthProperties =
        sym(&lib, "IMA_GetFirstBurstLengthProperties");
    let set_fbl: plugin_api::IMA_SetFirstBurstLength = sym(&lib, "IMA_SetFirstBurstLength");
    let get_erl: plugin_api::IMA_GetErrorRecoveryLevelProperties =
        sym(&lib, "IMA_GetErrorRecoveryLevelProperties");
    let set_erl: plugin_api::IMA_SetErrorRecoveryLevel = sym(&lib, "IMA_SetErrorRecoveryLevel");
    let get_imm: plugin_api::IMA_GetImmediateDataProperties =
        sym(&lib, "IMA_GetImmediateDataProperties");
    let set_imm: plugin_api::IMA_SetImmediateData = sym(&lib, "IMA_SetImmediateData");
    let get_dpio: plugin_api::IMA_GetDataPduInOrderProperties =
        sym(&lib, "IMA_GetDataPduInOrderProperties");
    let set_dpio: plugin_api::IMA_SetDataPduInOrder = sym(&lib, "IMA_SetDataPduInOrder");
    let targets: plugin_api::IMA_GetTargetOidList = sym(&lib, "IMA_GetTargetOidList");
    let lhba = Oid::new(ObjectType::LHBA, 7, 1);
    let ok = ImaStatus::STATUS_SUCCESS;
    // SAFETY: each call gets valid out-pointers (or NULL on purpose); lists are freed with
    // the plugin's own free.
    unsafe {
        assert_eq!(init(7), ok);
        let mut list: *mut OidList = std::ptr::null_mut();
        assert_eq!(targets(lhba, &raw mut list), ok);
        let oids: &[Oid] = counted_slice(list, 8).unwrap();
        assert_eq!(oids.len(), 1, "{oids:?}");
        let target = oids[0];
        assert_eq!(target.object_type, ObjectType::TARGET);
        assert_eq!(free(list.cast()), ok);

        // Defaults, with every field written (garbage in the struct before).
        let garbage = MinMaxValue {
            current_value_valid: 0xdead,
            settable: 0xdead,
            current_value: 1,
            default_value: 2,
            minimum_value: 3,
            maximum_value: 4,
            increment_value: 5,
        };
        let mut v = garbage;
        assert_eq!(get_mbl(lhba, &raw mut v), ok);
        let expected = MinMaxValue {
            current_value_valid: 1,
            settable: 1,
            current_value: 262_144,
            default_value: 262_144,
            minimum_value: 512,
            maximum_value: 16_777_215,
            increment_value: 1,
        };
        assert_eq!(v, expected);
        let mut v = garbage;
        assert_eq!(get_erl(target, &raw mut v), ok);
        assert_eq!(
            v,
            MinMaxValue {
                current_value_valid: 1,
                settable: 0,
                current_value: 0,
                default_value: 0,
                minimum_value: 0,
                maximum_value: 2,
                increment_value: 1,
            }
        );
        let mut b = BoolValue {
            current_value_valid: 9,
            settable: 9,
            current_value: 9,
            default_value: 9,
        };
        assert_eq!(get_imm(target, &raw mut b), ok);
        assert_eq!(
            b,
            BoolValue {
                current_value_valid: 1,
                settable: 1,
                current_value: 1,
                default_value: 1,
            }
        );
        assert_eq!(get_dpio(lhba, &raw mut b), ok);
        assert_eq!((b.settable, b.current_value), (0, 1));

        // Set on the LHBA: the target inherits; set on the target: only it changes.
        assert_eq!(set_mbl(lhba, 131_072), ok);
        assert_eq!(set_fbl(target, 8192), ok);
        assert_eq!(set_imm(target, 0), ok);
        let mut v = MinMaxValue::zeroed();
        assert_eq!(get_mbl(target, &raw mut v), ok);
        assert_eq!((v.current_value, v.default_value), (131_072, 262_144));
        assert_eq!(get_fbl(target, &raw mut v), ok);
        assert_eq!((v.current_value, v.default_value), (8192, 65_536));
        assert_eq!(get_fbl(lhba, &raw mut v), ok);
        assert_eq!(v.current_value, 65_536);
        assert_eq!(get_imm(target, &raw mut b), ok);
        assert_eq!((b.current_value, b.default_value), (0, 1));
        assert_eq!(get_imm(lhba, &raw mut b), ok);
        assert_eq!(b.current_value, 1);

        // Refusals.
        let invalid = ImaStatus::ERROR_INVALID_PARAMETER;
        assert_eq!(set_mbl(lhba, 511), invalid);
        assert_eq!(set_mbl(lhba, 16_777_216), invalid);
        assert_eq!(set_mbl(lhba, 1 << 32 | 4096), invalid);
        assert_eq!(set_fbl(target, 131_073), invalid, "above MaxBurstLength");
        assert_eq!(set_erl(lhba, 3), invalid);
        assert_eq!(set_erl(lhba, 1), ImaStatus::ERROR_NOT_SUPPORTED);
        assert_eq!(set_erl(lhba, 0), ok);
        assert_eq!(set_dpio(target, 0), ImaStatus::ERROR_NOT_SUPPORTED);
        assert_eq!(set_imm(target, 2), invalid);
        assert_eq!(get_mbl(lhba, std::ptr::null_mut()), invalid);
        assert_eq!(
            get_mbl(Oid::new(ObjectType::PHBA, 7, 1), &raw mut v),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(
            set_mbl(Oid::new(ObjectType::NODE, 7, 1), 4096),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(
            get_mbl(Oid::new(ObjectType::TARGET, 7, 999), &raw mut v),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            get_mbl(Oid::new(ObjectType::LHBA, 8, 1), &raw mut v),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        let terminate: plugin_api::Terminate = sym(&lib, "Terminate");
        terminate();
    }
    // Persisted: by target name, beside the LHBA's defaults.
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(text.contains("\"login_params\""), "{text}");
    assert!(text.contains("\"MaxBurstLength\": 131072"), "{text}");
    assert!(text.contains("\"FirstBurstLength\": 8192"), "{text}");
    assert!(text.contains(TARGET), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
