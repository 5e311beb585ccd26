//! Authentication (CHAP, per target, mutual) and the digest value lists through the C ABI
//! of the built plugin (`libloading`), on the LHBA, a statically configured target and its
//! static-target object: every refusal, the getters never returning a secret, and the
//! state file (mode 0600, secrets kept across a reload).

use std::os::unix::fs::PermissionsExt;

use ima_abi::list::counted_slice;
use ima_abi::{
    AuthMethod, ChapInitiatorAuthParms, DigestProperties, DigestType, ImaStatus, ImaUint,
    InitiatorAuthParms, ObjectType, Oid, OidList, TargetAuthParms, TargetAuthParmsList, plugin_api,
};

mod common;

use common::{plugin_path, sym};

const TARGET: &str = "iqn.2026-01.invalid.ima:auth";
const INITIATOR_SECRET: &[u8] = b"initiator-secret";
const TARGET_SECRET: &[u8] = b"target-secret-1";

/// CHAP parameters with `name` and `secret` (lengths as given), the rest garbage-free.
fn chap(name: &[u8], secret: &[u8]) -> InitiatorAuthParms {
    let mut c = ChapInitiatorAuthParms::zeroed();
    c.name[..name.len()].copy_from_slice(name);
    c.name_length = name.len() as ImaUint;
    c.challenge_secret[..secret.len()].copy_from_slice(secret);
    c.challenge_secret_length = secret.len() as ImaUint;
    let mut p = InitiatorAuthParms::zeroed();
    p.chap_parms = c;
    p
}

/// Parameters full of 0xAA, to see that a getter writes every byte.
fn garbage() -> InitiatorAuthParms {
    let mut p = InitiatorAuthParms::zeroed();
    // SAFETY: a union of integers and byte arrays: any bytes are valid.
    unsafe {
        std::ptr::write_bytes(&raw mut p, 0xAA, 1);
    }
    p
}

/// The CHAP block a getter returned: (name, the whole struct after the name zero apart
/// from the lengths).
fn returned(p: &InitiatorAuthParms) -> (String, ChapInitiatorAuthParms) {
    // SAFETY: the getter wrote a CHAP block.
    let c = unsafe { p.chap_parms };
    let name = String::from_utf8(c.name[..c.name_length as usize].to_vec()).unwrap();
    assert!(c.name[c.name_length as usize..].iter().all(|&b| b == 0));
    // Never the secret.
    assert_eq!(c.challenge_secret_length, 0);
    assert!(c.challenge_secret.iter().all(|&b| b == 0));
    assert!(c.reserved.iter().all(|&b| b == 0));
    assert_eq!(
        (c.retries, c.min_value_length, c.max_value_length),
        (0, 12, 256)
    );
    (name, c)
}

#[test]
fn authentication_and_digests_through_the_c_abi() {
    let dir = std::env::temp_dir().join(format!("ima-plugin-auth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("hba.json");
    // A static target (a TARGET without any network) and a discovery address (port 9:
    // refused at once).
    std::fs::write(
        &state,
        format!(
            r#"{{"version":1,"next_id":3,"node":{{"name":"iqn.2026-12.org.example:h","alias":null}},
            "discovery":{{"static_enabled":true,"send_targets_enabled":true}},
            "discovery_addresses":[{{"id":2,"address":"127.0.0.1:9"}}],
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
    let targets: plugin_api::IMA_GetTargetOidList = sym(&lib, "IMA_GetTargetOidList");
    let supported: plugin_api::IMA_GetSupportedAuthMethods =
        sym(&lib, "IMA_GetSupportedAuthMethods");
    let in_use: plugin_api::IMA_GetInUseInitiatorAuthMethods =
        sym(&lib, "IMA_GetInUseInitiatorAuthMethods");
    let set_methods: plugin_api::IMA_SetInitiatorAuthMethods =
        sym(&lib, "IMA_SetInitiatorAuthMethods");
    let get_parms: plugin_api::IMA_GetInitiatorAuthParms = sym(&lib, "IMA_GetInitiatorAuthParms");
    let set_parms: plugin_api::IMA_SetInitiatorAuthParms = sym(&lib, "IMA_SetInitiatorAuthParms");
    let get_local: plugin_api::IMA_GetInitiatorLocalAuthParms =
        sym(&lib, "IMA_GetInitiatorLocalAuthParms");
    let set_local: plugin_api::IMA_SetInitiatorLocalAuthParms =
        sym(&lib, "IMA_SetInitiatorLocalAuthParms");
    let get_mutual: plugin_api::IMA_GetMutualLocalAuthParms =
        sym(&lib, "IMA_GetMutualLocalAuthParms");
    let set_mutual: plugin_api::IMA_SetMutualLocalAuth = sym(&lib, "IMA_SetMutualLocalAuth");
    let set_mutual_parms: plugin_api::IMA_SetMutualLocalAuthParms =
        sym(&lib, "IMA_SetMutualLocalAuthParms");
    let add_lhba_mutual: plugin_api::IMA_AddLhbaMutualAuthParms =
        sym(&lib, "IMA_AddLhbaMutualAuthParms");
    let remove_lhba_mutual: plugin_api::IMA_RemoveLhbaMutualAuthParms =
        sym(&lib, "IMA_RemoveLhbaMutualAuthParms");
    let lhba_mutual_list: plugin_api::IMA_GetLhbaMutualAuthParmsList =
        sym(&lib, "IMA_GetLhbaMutualAuthParmsList");
    let get_hd: plugin_api::IMA_GetHeaderDigestValues = sym(&lib, "IMA_GetHeaderDigestValues");
    let set_hd: plugin_api::IMA_SetHeaderDigestValues = sym(&lib, "IMA_SetHeaderDigestValues");
    let get_dd: plugin_api::IMA_GetDataDigestValues = sym(&lib, "IMA_GetDataDigestValues");
    let set_dd: plugin_api::IMA_SetDataDigestValues = sym(&lib, "IMA_SetDataDigestValues");
    let digest_props: plugin_api::IMA_GetDigestProperties = sym(&lib, "IMA_GetDigestProperties");
    let terminate: plugin_api::Terminate = sym(&lib, "Terminate");

    let lhba = Oid::new(ObjectType::LHBA, 7, 1);
    let static_target = Oid::new(ObjectType::STATIC_DISCOVERY_TARGET, 7, 1);
    let discovery_address = Oid::new(ObjectType::DISCOVERY_ADDRESS, 7, 2);
    let ok = ImaStatus::STATUS_SUCCESS;
    let invalid = ImaStatus::ERROR_INVALID_PARAMETER;
    let not_supported = ImaStatus::ERROR_NOT_SUPPORTED;
    let null_parms: *mut InitiatorAuthParms = std::ptr::null_mut();
    // SAFETY: each call gets valid pointers (or NULL on purpose); lists are freed with the
    // plugin's own free.
    unsafe {
        assert_eq!(init(7), ok);
        let mut list: *mut OidList = std::ptr::null_mut();
        assert_eq!(targets(lhba, &raw mut list), ok);
        let oids: &[Oid] = counted_slice(list, 8).unwrap();
        assert_eq!(oids.len(), 1, "{oids:?}");
        let target = oids[0];
        assert_eq!(free(list.cast()), ok);

        // ---- methods ----
        let mut methods = [AuthMethod(99); 4];
        let mut count: ImaUint = 0;
        assert_eq!(supported(lhba, 1, &raw mut count, std::ptr::null_mut()), ok);
        assert_eq!(count, 2, "a capacity of 0 asks for the count");
        count = 1;
        assert_eq!(supported(lhba, 0, &raw mut count, methods.as_mut_ptr()), ok);
        assert_eq!(
            (count, methods[0], methods[1]),
            (2, AuthMethod::NONE, AuthMethod(99))
        );
        count = 4;
        assert_eq!(supported(lhba, 1, &raw mut count, methods.as_mut_ptr()), ok);
        assert_eq!(
            (count, &methods[..2]),
            (2, &[AuthMethod::NONE, AuthMethod::CHAP][..])
        );
        count = 1;
        assert_eq!(
            supported(lhba, 1, &raw mut count, std::ptr::null_mut()),
            invalid
        );
        assert_eq!(
            supported(lhba, 1, std::ptr::null_mut(), methods.as_mut_ptr()),
            invalid
        );
        assert_eq!(
            supported(lhba, 2, &raw mut count, methods.as_mut_ptr()),
            invalid
        );
        count = 4;
        assert_eq!(in_use(lhba, &raw mut count, methods.as_mut_ptr()), ok);
        assert_eq!((count, methods[0]), (1, AuthMethod::NONE));

        let chap_none = [AuthMethod::CHAP, AuthMethod::NONE];
        assert_eq!(set_methods(lhba, 0, chap_none.as_ptr()), invalid);
        assert_eq!(set_methods(lhba, 2, std::ptr::null()), invalid);
        assert_eq!(set_methods(lhba, 7, chap_none.as_ptr()), invalid);
        assert_eq!(
            set_methods(lhba, 1, [AuthMethod::SRP].as_ptr()),
            not_supported
        );
        assert_eq!(
            set_methods(lhba, 1, [AuthMethod::SPKM2].as_ptr()),
            not_supported
        );
        assert_eq!(set_methods(lhba, 1, [AuthMethod(6)].as_ptr()), invalid);
        assert_eq!(
            set_methods(lhba, 2, [AuthMethod::CHAP; 2].as_ptr()),
            invalid
        );
        assert_eq!(
            set_methods(target, 2, chap_none.as_ptr()),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(set_methods(lhba, 2, chap_none.as_ptr()), ok);
        count = 4;
        assert_eq!(in_use(lhba, &raw mut count, methods.as_mut_ptr()), ok);
        assert_eq!((count, &methods[..2]), (2, &chap_none[..]));

        // ---- LHBA CHAP parameters ----
        let good = chap(b"me", INITIATOR_SECRET);
        assert_eq!(set_parms(lhba, AuthMethod::CHAP, null_parms), invalid);
        assert_eq!(set_parms(lhba, AuthMethod::NONE, &good), invalid);
        assert_eq!(set_parms(lhba, AuthMethod::KRB5, &good), not_supported);
        assert_eq!(set_parms(lhba, AuthMethod(42), &good), invalid);
        // No secret given and none stored yet.
        assert_eq!(
            set_parms(lhba, AuthMethod::CHAP, &chap(b"me", b"")),
            invalid
        );
        assert_eq!(
            set_parms(lhba, AuthMethod::CHAP, &chap(b"me", b"eleven-byte")),
            invalid,
            "96 bits"
        );
        let mut too_long = chap(b"me", INITIATOR_SECRET);
        too_long.chap_parms.challenge_secret_length = 257;
        assert_eq!(set_parms(lhba, AuthMethod::CHAP, &too_long), invalid);
        let mut bad_name = chap(b"me", INITIATOR_SECRET);
        bad_name.chap_parms.name_length = 513;
        assert_eq!(set_parms(lhba, AuthMethod::CHAP, &bad_name), invalid);
        assert_eq!(
            set_parms(
                lhba,
                AuthMethod::CHAP,
                &chap(&[b'n'; 256], INITIATOR_SECRET)
            ),
            invalid
        );
        assert_eq!(
            set_parms(lhba, AuthMethod::CHAP, &chap(b"\xff\xfe", INITIATOR_SECRET)),
            invalid
        );
        assert_eq!(
            set_parms(lhba, AuthMethod::CHAP, &chap(b"", INITIATOR_SECRET)),
            invalid
        );
        assert_eq!(set_parms(lhba, AuthMethod::CHAP, &good), ok);
        // The getter: the name, never the secret, every byte written.
        let mut out = garbage();
        assert_eq!(get_parms(lhba, AuthMethod::CHAP, &raw mut out), ok);
        assert_eq!(returned(&out).0, "me");
        assert_eq!(get_parms(lhba, AuthMethod::CHAP, null_parms), invalid);
        assert_eq!(get_parms(lhba, AuthMethod::NONE, &raw mut out), invalid);
        assert_eq!(
            get_parms(lhba, AuthMethod::SRP, &raw mut out),
            not_supported
        );
        // Renamed with the secret kept (length 0).
        assert_eq!(set_parms(lhba, AuthMethod::CHAP, &chap(b"me2", b"")), ok);
        assert_eq!(get_parms(lhba, AuthMethod::CHAP, &raw mut out), ok);
        assert_eq!(returned(&out).0, "me2");
        assert_eq!(set_parms(lhba, AuthMethod::CHAP, &chap(b"me", b"")), ok);
        // Wrong type, unknown objects.
        assert_eq!(
            get_parms(target, AuthMethod::CHAP, &raw mut out),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(
            get_parms(
                Oid::new(ObjectType(77), 7, 1),
                AuthMethod::CHAP,
                &raw mut out
            ),
            ImaStatus::ERROR_INVALID_OBJECT_TYPE
        );
        assert_eq!(
            get_parms(
                Oid::new(ObjectType::LHBA, 8, 1),
                AuthMethod::CHAP,
                &raw mut out
            ),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            get_parms(
                Oid::new(ObjectType::LHBA, 7, 2),
                AuthMethod::CHAP,
                &raw mut out
            ),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );

        // ---- LHBA mutual credentials: a list of at most one ----
        let same_secret: TargetAuthParms = chap(b"t", INITIATOR_SECRET);
        assert_eq!(
            add_lhba_mutual(lhba, AuthMethod::CHAP, same_secret),
            invalid,
            "RFC 7143 §9.2.1"
        );
        assert_eq!(
            add_lhba_mutual(lhba, AuthMethod::NONE, chap(b"t", TARGET_SECRET)),
            invalid
        );
        assert_eq!(
            add_lhba_mutual(lhba, AuthMethod::CHAP, chap(b"t", TARGET_SECRET)),
            ok
        );
        assert_eq!(
            add_lhba_mutual(lhba, AuthMethod::CHAP, chap(b"other", b"other-secret-1")),
            not_supported
        );
        // Nor may our secret become one a target proves.
        assert_eq!(
            set_parms(lhba, AuthMethod::CHAP, &chap(b"me", TARGET_SECRET)),
            invalid
        );
        let mut mutual_list: *mut TargetAuthParmsList = std::ptr::null_mut();
        assert_eq!(
            lhba_mutual_list(lhba, AuthMethod::CHAP, &raw mut mutual_list),
            ok
        );
        let entries: &[TargetAuthParms] = counted_slice(mutual_list, 8).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(returned(&entries[0]).0, "t");
        assert_eq!(free(mutual_list.cast()), ok);
        assert_eq!(
            lhba_mutual_list(lhba, AuthMethod::CHAP, std::ptr::null_mut()),
            invalid
        );

        // ---- per target (TARGET or its STATIC_DISCOVERY_TARGET) ----
        let mut enabled = 9u32;
        assert_eq!(
            get_local(target, AuthMethod::CHAP, &raw mut out, &raw mut enabled),
            ok
        );
        assert_eq!((returned(&out).0.as_str(), enabled), ("", 0));
        assert_eq!(
            set_local(
                target,
                AuthMethod::CHAP,
                &chap(b"local", b"local-secret-1"),
                2
            ),
            invalid
        );
        assert_eq!(set_local(target, AuthMethod::CHAP, null_parms, 1), invalid);
        assert_eq!(
            set_local(target, AuthMethod::CHAP, &chap(b"local", TARGET_SECRET), 1),
            invalid,
            "§9.2.1"
        );
        assert_eq!(
            set_local(
                target,
                AuthMethod::CHAP,
                &chap(b"local", b"local-secret-1"),
                1
            ),
            ok
        );
        enabled = 9;
        assert_eq!(
            get_local(
                static_target,
                AuthMethod::CHAP,
                &raw mut out,
                &raw mut enabled
            ),
            ok
        );
        assert_eq!((returned(&out).0.as_str(), enabled), ("local", 1));
        assert_eq!(
            get_local(target, AuthMethod::CHAP, &raw mut out, std::ptr::null_mut()),
            invalid
        );
        assert_eq!(
            get_local(
                discovery_address,
                AuthMethod::CHAP,
                &raw mut out,
                &raw mut enabled
            ),
            not_supported
        );
        assert_eq!(
            get_local(
                Oid::new(ObjectType::DISCOVERY_ADDRESS, 7, 9),
                AuthMethod::CHAP,
                &raw mut out,
                &raw mut enabled
            ),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            get_local(lhba, AuthMethod::CHAP, &raw mut out, &raw mut enabled),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(
            get_local(
                Oid::new(ObjectType::TARGET, 7, 999),
                AuthMethod::CHAP,
                &raw mut out,
                &raw mut enabled
            ),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );

        assert_eq!(
            set_mutual_parms(
                target,
                AuthMethod::CHAP,
                &chap(b"disk", b"local-secret-1"),
                1
            ),
            invalid,
            "§9.2.1"
        );
        assert_eq!(
            set_mutual_parms(
                target,
                AuthMethod::NONE,
                &chap(b"disk", b"disk-secret-01"),
                1
            ),
            invalid
        );
        assert_eq!(
            set_mutual_parms(
                target,
                AuthMethod::CHAP,
                &chap(b"disk", b"disk-secret-01"),
                1
            ),
            ok
        );
        assert_eq!(
            get_mutual(static_target, AuthMethod::CHAP, &raw mut out),
            ok
        );
        assert_eq!(returned(&out).0, "disk");
        assert_eq!(set_mutual(target, AuthMethod::CHAP, 3), invalid);
        assert_eq!(set_mutual(target, AuthMethod::CHAP, 0), ok);
        assert_eq!(
            set_mutual(discovery_address, AuthMethod::CHAP, 0),
            not_supported
        );

        // ---- digests ----
        let mut digests = [DigestType(9); 3];
        count = 3;
        assert_eq!(get_hd(lhba, &raw mut count, digests.as_mut_ptr()), ok);
        assert_eq!((count, digests[0]), (1, DigestType::NONE));
        let crc = [DigestType::CRC32C, DigestType::NONE];
        assert_eq!(set_hd(target, 1, crc.as_ptr()), ok);
        assert_eq!(set_dd(lhba, 2, crc.as_ptr()), ok);
        count = 3;
        assert_eq!(get_hd(target, &raw mut count, digests.as_mut_ptr()), ok);
        assert_eq!((count, digests[0]), (1, DigestType::CRC32C));
        count = 3;
        assert_eq!(get_hd(lhba, &raw mut count, digests.as_mut_ptr()), ok);
        assert_eq!((count, digests[0]), (1, DigestType::NONE));
        count = 3;
        assert_eq!(get_dd(target, &raw mut count, digests.as_mut_ptr()), ok);
        assert_eq!(
            (count, &digests[..2]),
            (2, &crc[..]),
            "inherited from the LHBA"
        );
        assert_eq!(set_hd(lhba, 0, crc.as_ptr()), invalid);
        assert_eq!(set_hd(lhba, 3, crc.as_ptr()), invalid);
        assert_eq!(set_hd(lhba, 1, std::ptr::null()), invalid);
        assert_eq!(set_hd(lhba, 1, [DigestType(2)].as_ptr()), invalid);
        assert_eq!(set_dd(lhba, 2, [DigestType::NONE; 2].as_ptr()), invalid);
        assert_eq!(
            set_hd(static_target, 1, crc.as_ptr()),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        count = 1;
        assert_eq!(get_dd(lhba, &raw mut count, std::ptr::null_mut()), invalid);
        let mut props = DigestProperties {
            header_digests_settable: 7,
            data_digests_settable: 7,
            reserved: [0xAA; 64],
        };
        assert_eq!(digest_props(target, &raw mut props), ok);
        assert_eq!(
            (props.header_digests_settable, props.data_digests_settable),
            (1, 1)
        );
        assert!(props.reserved.iter().all(|&b| b == 0));
        assert_eq!(
            digest_props(Oid::new(ObjectType::TARGET, 7, 999), &raw mut props),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );

        // Removing the LHBA's mutual credentials: by name.
        assert_eq!(
            remove_lhba_mutual(lhba, AuthMethod::CHAP, chap(b"nobody", b"")),
            invalid
        );
        assert_eq!(
            remove_lhba_mutual(lhba, AuthMethod::CHAP, chap(b"t", b"")),
            ok
        );
        assert_eq!(
            lhba_mutual_list(lhba, AuthMethod::CHAP, &raw mut mutual_list),
            ok
        );
        assert_eq!(
            counted_slice::<TargetAuthParmsList, TargetAuthParms>(mutual_list, 8)
                .unwrap()
                .len(),
            0
        );
        assert_eq!(free(mutual_list.cast()), ok);
        terminate();
    }

    // The state file: owner-only, secrets only as hex, and read back by a new engine.
    let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(
        !text.contains("initiator-secret") && !text.contains("local-secret"),
        "{text}"
    );
    let hex: String = INITIATOR_SECRET
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(text.contains(&format!("\"0x{hex}\"")), "{text}");
    let engine = iscsi_hba::Engine::start(iscsi_hba::EngineConfig::new(&state)).unwrap();
    let lhba = iscsi_hba::ObjectId::LHBA;
    let chap = engine
        .chap(lhba, iscsi_hba::ChapRole::Initiator)
        .unwrap()
        .unwrap();
    assert_eq!(
        (chap.name.as_str(), chap.secret_len),
        ("me", INITIATOR_SECRET.len())
    );
    assert_eq!(
        engine.auth_methods(),
        [iscsi_hba::AuthMethod::Chap, iscsi_hba::AuthMethod::None]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
