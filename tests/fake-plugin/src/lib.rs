//! A fake IMA plugin for `ima-lib`'s tests: a few LHBAs, PHBAs, LNPs, non-shared nodes and
//! targets, with configurable failures and misbehaviour.
//!
//! The plugin finds its own file with `dladdr` and reads `<file>.cfg` (one `key=value` a
//! line), so the tests can copy the one built `.so` to several paths and give each copy its
//! own behaviour (every copy is a separate instance once loaded):
//! - `lhbas=N`, `phbas=N`, `lnps=N`, `nodes=N`, `targets=N`: object counts (default 1, 1, 0,
//!   0, 2); OID sequence numbers start at 100, 200, 300, 400 and 500;
//! - `vendor=TEXT`: reported in `IMA_GetPluginProperties`;
//! - `status=SYMBOL:0xCODE`: that entry point returns the status (repeatable);
//! - `misbehave=null_list` / `misbehave=huge_list`: `IMA_GetSessionOidList` returns success
//!   with a NULL list, or with a list claiming 2^40 entries.
//!
//! `IMA_PluginIOCtl` command 1 reports how often `IMA_GetLhbaOidList` was called, command 2
//! how many of its lists are not yet freed (both as 8-byte integers). `Terminate` writes
//! `<file>.terminated` containing the ownerId.
// The exports are IMA names (not snake case) and their safety contract is the IMA API's,
// documented in ima-lib; this crate only serves tests.
#![allow(non_snake_case, clippy::missing_safety_doc)]

use std::ffi::{CStr, c_ulong, c_void};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use ima_abi::list::{alloc_counted, c_free};
use ima_abi::wide::{string_to_wide_array, wide_ptr_to_string};
use ima_abi::{
    AddressKey, AddressKeys, IMA_TRUE, ImaStatus, ImaUint, IpAddress, LhbaProperties, MinMaxValue,
    NodeProperties, ObjectType, ObjectVisibilityFn, Oid, OidList, PhbaProperties, PluginProperties,
    WChar,
};

static OWNER: AtomicU32 = AtomicU32::new(0);
static CONFIG: OnceLock<FakeConfig> = OnceLock::new();
static LIVE_LISTS: AtomicI64 = AtomicI64::new(0);
static LHBA_LIST_CALLS: AtomicU64 = AtomicU64::new(0);
static FIRST_BURST: AtomicU32 = AtomicU32::new(65536);
static NODE: Mutex<Option<(String, String)>> = Mutex::new(None);
static VISIBILITY: Mutex<Option<ObjectVisibilityFn>> = Mutex::new(None);

#[derive(Debug, Default)]
struct FakeConfig {
    path: PathBuf,
    lhbas: i64,
    phbas: i64,
    lnps: i64,
    nodes: i64,
    targets: i64,
    vendor: String,
    statuses: Vec<(String, c_ulong)>,
    misbehave: String,
}

fn own_path() -> PathBuf {
    let mut info = libc::Dl_info {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: the address is a function of this object; `info` is writable.
    let found = unsafe { libc::dladdr(Initialize as *const c_void, &raw mut info) } != 0;
    if !found || info.dli_fname.is_null() {
        return PathBuf::new();
    }
    // SAFETY: on success `dli_fname` is a NUL-terminated path.
    PathBuf::from(
        unsafe { CStr::from_ptr(info.dli_fname) }
            .to_string_lossy()
            .into_owned(),
    )
}

fn load_config() -> FakeConfig {
    let path = own_path();
    let mut config = FakeConfig {
        lhbas: 1,
        phbas: 1,
        targets: 2,
        vendor: "fake".into(),
        ..FakeConfig::default()
    };
    let mut cfg = path.clone().into_os_string();
    cfg.push(".cfg");
    let text = std::fs::read_to_string(cfg).unwrap_or_default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let number = value.trim().parse::<i64>().unwrap_or(0);
        match key.trim() {
            "lhbas" => config.lhbas = number,
            "phbas" => config.phbas = number,
            "lnps" => config.lnps = number,
            "nodes" => config.nodes = number,
            "targets" => config.targets = number,
            "vendor" => config.vendor = value.trim().to_owned(),
            "misbehave" => config.misbehave = value.trim().to_owned(),
            "status" => {
                if let Some((symbol, code)) = value.split_once(':') {
                    let code = c_ulong::from_str_radix(code.trim().trim_start_matches("0x"), 16)
                        .unwrap_or(0);
                    config.statuses.push((symbol.trim().to_owned(), code));
                }
            }
            _ => {}
        }
    }
    config.path = path;
    config
}

fn config() -> &'static FakeConfig {
    CONFIG.get_or_init(load_config)
}

fn owner() -> u32 {
    OWNER.load(Ordering::Acquire)
}

/// The configured status for `symbol`, if any.
fn forced(symbol: &str) -> Option<c_ulong> {
    config()
        .statuses
        .iter()
        .find(|(s, _)| s == symbol)
        .map(|&(_, code)| code)
}

const SUCCESS: c_ulong = ImaStatus::STATUS_SUCCESS.0;
const NOT_FOUND: c_ulong = ImaStatus::ERROR_OBJECT_NOT_FOUND.0;
const INVALID: c_ulong = ImaStatus::ERROR_INVALID_PARAMETER.0;

/// Index of `oid` among this plugin's objects of a kind, if it names one.
fn index(oid: Oid, kind: ObjectType, base: i64, count: i64) -> Option<i64> {
    let i = oid.object_sequence_number - base;
    (oid.object_type == kind && oid.owner_id == owner() && (0..count).contains(&i)).then_some(i)
}

unsafe fn give_list(
    pp_list: *mut *mut OidList,
    kind: ObjectType,
    base: i64,
    count: i64,
) -> c_ulong {
    if pp_list.is_null() {
        return INVALID;
    }
    let oids: Vec<Oid> = (0..count)
        .map(|i| Oid::new(kind, owner(), base + i))
        .collect();
    let Some(list) = alloc_counted::<OidList, Oid>(&oids) else {
        return ImaStatus::ERROR_INSUFFICIENT_MEMORY.0;
    };
    LIVE_LISTS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: non-NULL out-parameter from the library.
    unsafe { pp_list.write(list.as_ptr()) };
    SUCCESS
}

fn wide(s: &str, out: &mut [WChar]) {
    // Test strings are short; a too-long one is simply left empty.
    let _ = string_to_wide_array(s, out);
}

/// Plugin entry: remembers the ownerId.
#[unsafe(no_mangle)]
pub extern "C" fn Initialize(owner_id: u32) -> c_ulong {
    OWNER.store(owner_id, Ordering::Release);
    let _ = config();
    *NODE.lock().unwrap_or_else(|e| e.into_inner()) = Some((
        format!("iqn.2025-01.invalid.fake:{owner_id}"),
        String::new(),
    ));
    forced("Initialize").unwrap_or(SUCCESS)
}

/// Plugin exit: writes `<file>.terminated`.
#[unsafe(no_mangle)]
pub extern "C" fn Terminate() {
    let mut marker = config().path.clone().into_os_string();
    marker.push(".terminated");
    let _ = std::fs::write(marker, owner().to_string());
}

/// Frees a list this plugin returned.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_FreeMemory(p: *mut c_void) -> c_ulong {
    if p.is_null() {
        return INVALID;
    }
    LIVE_LISTS.fetch_sub(1, Ordering::SeqCst);
    // SAFETY: every pointer this plugin hands out comes from `calloc` (alloc_counted).
    unsafe { c_free(p) };
    SUCCESS
}

/// Vendor and file name.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetPluginProperties(oid: Oid, p: *mut PluginProperties) -> c_ulong {
    if oid.owner_id != owner() || oid.object_type != ObjectType::PLUGIN {
        return NOT_FOUND;
    }
    let mut props = PluginProperties::zeroed();
    props.supported_ima_version = 1;
    wide(&config().vendor, &mut props.vendor);
    wide("0.0.1", &mut props.implementation_version);
    wide(&config().path.to_string_lossy(), &mut props.file_name);
    // SAFETY: checked non-NULL by the library.
    unsafe { p.write(props) };
    forced("IMA_GetPluginProperties").unwrap_or(SUCCESS)
}

/// LHBAs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetLhbaOidList(pp: *mut *mut OidList) -> c_ulong {
    LHBA_LIST_CALLS.fetch_add(1, Ordering::SeqCst);
    if let Some(code) = forced("IMA_GetLhbaOidList") {
        return code;
    }
    // SAFETY: forwarded out-parameter.
    unsafe { give_list(pp, ObjectType::LHBA, 100, config().lhbas) }
}

/// PHBAs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetPhbaOidList(pp: *mut *mut OidList) -> c_ulong {
    if let Some(code) = forced("IMA_GetPhbaOidList") {
        return code;
    }
    // SAFETY: forwarded out-parameter.
    unsafe { give_list(pp, ObjectType::PHBA, 200, config().phbas) }
}

/// LNPs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetLnpOidList(pp: *mut *mut OidList) -> c_ulong {
    if let Some(code) = forced("IMA_GetLnpOidList") {
        return code;
    }
    // SAFETY: forwarded out-parameter.
    unsafe { give_list(pp, ObjectType::LNP, 300, config().lnps) }
}

/// Non-shared nodes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetNonSharedNodeOidList(pp: *mut *mut OidList) -> c_ulong {
    if let Some(code) = forced("IMA_GetNonSharedNodeOidList") {
        return code;
    }
    // SAFETY: forwarded out-parameter.
    unsafe { give_list(pp, ObjectType::NODE, 400, config().nodes) }
}

/// Targets of one of our LHBAs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetTargetOidList(oid: Oid, pp: *mut *mut OidList) -> c_ulong {
    if index(oid, ObjectType::LHBA, 100, config().lhbas).is_none() {
        return NOT_FOUND;
    }
    // SAFETY: forwarded out-parameter.
    unsafe { give_list(pp, ObjectType::TARGET, 500, config().targets) }
}

/// One static target per LHBA.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetStaticDiscoveryTargetOidList(
    oid: Oid,
    pp: *mut *mut OidList,
) -> c_ulong {
    if index(oid, ObjectType::LHBA, 100, config().lhbas).is_none() {
        return NOT_FOUND;
    }
    // SAFETY: forwarded out-parameter.
    unsafe { give_list(pp, ObjectType::STATIC_DISCOVERY_TARGET, 600, 1) }
}

/// Sessions: used to misbehave on purpose.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetSessionOidList(oid: Oid, pp: *mut *mut OidList) -> c_ulong {
    if index(oid, ObjectType::LHBA, 100, config().lhbas).is_none() {
        return NOT_FOUND;
    }
    match config().misbehave.as_str() {
        "null_list" => {
            // SAFETY: out-parameter from the library.
            unsafe { pp.write(std::ptr::null_mut()) };
            SUCCESS
        }
        "huge_list" => {
            // SAFETY: forwarded out-parameter; the count is then overwritten in our own list.
            let status = unsafe { give_list(pp, ObjectType::SESSION, 700, 1) };
            // SAFETY: `give_list` stored a valid list.
            unsafe { (**pp).oid_count = 1 << 40 };
            status
        }
        // SAFETY: forwarded out-parameter.
        _ => unsafe { give_list(pp, ObjectType::SESSION, 700, 1) },
    }
}

/// Three address keys for any of our targets.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetAddressKeys(oid: Oid, pp: *mut *mut AddressKeys) -> c_ulong {
    if index(oid, ObjectType::TARGET, 500, config().targets).is_none() {
        return NOT_FOUND;
    }
    let keys: Vec<AddressKey> = (0..3u8)
        .map(|i| {
            let mut ip = IpAddress {
                ipv4_address: IMA_TRUE,
                ip_address: [0; 16],
            };
            ip.ip_address[..4].copy_from_slice(&[127, 0, 0, 1 + i]);
            AddressKey {
                ip_address: ip,
                port_number: 3260 + u16::from(i),
            }
        })
        .collect();
    let Some(list) = alloc_counted::<AddressKeys, AddressKey>(&keys) else {
        return ImaStatus::ERROR_INSUFFICIENT_MEMORY.0;
    };
    LIVE_LISTS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: out-parameter from the library.
    unsafe { pp.write(list.as_ptr()) };
    SUCCESS
}

/// LHBA properties.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetLhbaProperties(oid: Oid, p: *mut LhbaProperties) -> c_ulong {
    let Some(i) = index(oid, ObjectType::LHBA, 100, config().lhbas) else {
        return NOT_FOUND;
    };
    if let Some(code) = forced("IMA_GetLhbaProperties") {
        return code;
    }
    let mut props = LhbaProperties::zeroed();
    wide(
        &format!("fake{}-lhba{i}", owner()),
        &mut props.os_device_name,
    );
    props.initiator_auth_methods_settable = IMA_TRUE;
    // SAFETY: checked non-NULL by the library.
    unsafe { p.write(props) };
    SUCCESS
}

/// PHBA properties.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetPhbaProperties(oid: Oid, p: *mut PhbaProperties) -> c_ulong {
    let Some(i) = index(oid, ObjectType::PHBA, 200, config().phbas) else {
        return NOT_FOUND;
    };
    let mut props = PhbaProperties::zeroed();
    wide(&format!("fake{}", owner()), &mut props.vendor);
    wide(&format!("phba{i}"), &mut props.model);
    props.is_initiator = IMA_TRUE;
    props.supported_ulps = ima_abi::IMA_ULP_TCP;
    // SAFETY: checked non-NULL by the library.
    unsafe { p.write(props) };
    SUCCESS
}

/// Node properties: sequence number 0 is the shared node's name as this plugin knows it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetNodeProperties(oid: Oid, p: *mut NodeProperties) -> c_ulong {
    let shared = oid.object_sequence_number == 0 && oid.owner_id == owner();
    let node = index(oid, ObjectType::NODE, 400, config().nodes);
    let (name, alias) = match (shared, node) {
        (true, _) => NODE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_default(),
        (false, Some(i)) => (
            format!("iqn.2025-01.invalid.fake:{}.node{i}", owner()),
            String::new(),
        ),
        (false, None) => return NOT_FOUND,
    };
    let mut props = NodeProperties::zeroed();
    props.running_in_initiator_mode = IMA_TRUE;
    props.name_valid = IMA_TRUE;
    wide(&name, &mut props.name);
    props.alias_valid = u32::from(!alias.is_empty());
    wide(&alias, &mut props.alias);
    // SAFETY: checked non-NULL by the library.
    unsafe { p.write(props) };
    SUCCESS
}

/// Stores the shared node's name.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_SetNodeName(oid: Oid, name: *const WChar) -> c_ulong {
    if oid.owner_id != owner() || oid.object_sequence_number != 0 {
        return NOT_FOUND;
    }
    // SAFETY: NUL-terminated wide string from the library.
    let Ok(name) = (unsafe { wide_ptr_to_string(name, 223) }) else {
        return INVALID;
    };
    if let Some(node) = NODE.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        node.0 = name;
    }
    forced("IMA_SetNodeName").unwrap_or(SUCCESS)
}

/// Stores the shared node's alias.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_SetNodeAlias(oid: Oid, alias: *const WChar) -> c_ulong {
    if oid.owner_id != owner() || oid.object_sequence_number != 0 {
        return NOT_FOUND;
    }
    let alias = if alias.is_null() {
        String::new()
    } else {
        // SAFETY: NUL-terminated wide string from the library.
        let Ok(alias) = (unsafe { wide_ptr_to_string(alias, 255) }) else {
            return INVALID;
        };
        alias
    };
    if let Some(node) = NODE.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        node.1 = alias;
    }
    SUCCESS
}

/// FirstBurstLength limits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_GetFirstBurstLengthProperties(
    oid: Oid,
    p: *mut MinMaxValue,
) -> c_ulong {
    if index(oid, ObjectType::LHBA, 100, config().lhbas).is_none() {
        return NOT_FOUND;
    }
    let value = MinMaxValue {
        current_value_valid: IMA_TRUE,
        settable: IMA_TRUE,
        current_value: FIRST_BURST.load(Ordering::SeqCst),
        default_value: 65536,
        minimum_value: 512,
        maximum_value: 16_777_215,
        increment_value: 1,
    };
    // SAFETY: checked non-NULL by the library.
    unsafe { p.write(value) };
    SUCCESS
}

/// Sets FirstBurstLength (512..=16777215).
#[unsafe(no_mangle)]
pub extern "C" fn IMA_SetFirstBurstLength(oid: Oid, value: ImaUint) -> c_ulong {
    if index(oid, ObjectType::LHBA, 100, config().lhbas).is_none() {
        return NOT_FOUND;
    }
    match u32::try_from(value) {
        Ok(v @ 512..=16_777_215) => {
            FIRST_BURST.store(v, Ordering::SeqCst);
            SUCCESS
        }
        _ => INVALID,
    }
}

/// Test counters (see the crate documentation).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_PluginIOCtl(
    oid: Oid,
    command: ImaUint,
    _input: *const c_void,
    _input_length: ImaUint,
    output: *mut c_void,
    output_length: *mut ImaUint,
) -> c_ulong {
    if oid.owner_id != owner() {
        return NOT_FOUND;
    }
    let value: i64 = match command {
        1 => LHBA_LIST_CALLS.load(Ordering::SeqCst) as i64,
        2 => LIVE_LISTS.load(Ordering::SeqCst),
        _ => return ImaStatus::ERROR_NOT_SUPPORTED.0,
    };
    // SAFETY: non-NULL (checked by the library) and the caller's buffer length is checked.
    unsafe {
        if *output_length < 8 {
            return INVALID;
        }
        output.cast::<i64>().write_unaligned(value);
        *output_length = 8;
    }
    SUCCESS
}

/// Stores the library's trampoline; reports an event synchronously (allowed: the library
/// only queues it), then two more from a thread, one with a foreign ownerId (99) that the
/// library must drop.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IMA_RegisterForObjectVisibilityChanges(f: ObjectVisibilityFn) -> c_ulong {
    *VISIBILITY.lock().unwrap_or_else(|e| e.into_inner()) = Some(f);
    let me = owner();
    // SAFETY: the library's trampoline, callable from any thread.
    unsafe { f(IMA_TRUE, Oid::new(ObjectType::LHBA, me, 100)) };
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        let current = *VISIBILITY.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = current {
            // SAFETY: as above.
            unsafe {
                f(IMA_TRUE, Oid::new(ObjectType::LHBA, 99, 1));
                f(0, Oid::new(ObjectType::TARGET, me, 500));
            }
        }
    });
    SUCCESS
}

/// Forgets the trampoline.
#[unsafe(no_mangle)]
pub extern "C" fn IMA_DeregisterForObjectVisibilityChanges(_f: ObjectVisibilityFn) -> c_ulong {
    *VISIBILITY.lock().unwrap_or_else(|e| e.into_inner()) = None;
    SUCCESS
}
