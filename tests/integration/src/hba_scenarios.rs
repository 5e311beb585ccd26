//! The HBA scenarios through the IMA C API against a real tgtd, each run in both modes
//! ([`Mode::Embedded`] by `tests/hba_c_client.rs`, [`Mode::Daemon`] by
//! `hbad/tests/daemon.rs`). Where the daemon's longer-lived sessions change what a step
//! sees (a value set applies from the next login; a logged-out target stays held out;
//! sessions outlive the client process), the scenario says so.
#![allow(clippy::missing_panics_doc)]

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use crate::hba::{
    Hba, INVALID_PARAMETER, LOGIN_REJECTED, MIB, Mode, TARGET_A, TARGET_B, TARGET_C, events_run,
    lines_with, session_of, tgtd, value,
};

/// A SendTargets address finds both targets; their LUs have tgt's vendor and product and
/// the right capacity; INQUIRY page 0x83, READ CAPACITY(16) and REPORT LUNS work through the
/// API; the configuration survives unloads; static targets come and go; an LU that
/// disappears answers CHECK CONDITION with its sense data.
pub fn discovery_targets_lus_and_pass_through_against_tgtd(mode: &Mode) {
    let mut tgtd = tgtd();
    let (tid_a, _) = tgtd.add_target(TARGET_A, 16 * MIB).expect("target a");
    tgtd.add_target(TARGET_B, 8 * MIB).expect("target b");
    let port = tgtd.port().to_string();
    let hba = Hba::new("tgtd", mode);

    let out = hba.ok(&["add-discovery", "127.0.0.1", &port]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");
    // Another process (a reload) sees the address.
    let out = hba.ok(&["list-discovery"]);
    assert_eq!(
        lines_with(&out, "address "),
        [format!("address 1 127.0.0.1:{port}").as_str()],
        "{out}"
    );

    let out = hba.ok(&["targets"]);
    let targets = lines_with(&out, "target ");
    assert_eq!(targets.len(), 2, "{out}");
    assert!(
        targets
            .iter()
            .any(|l| l.contains(TARGET_A) && l.ends_with("flags=8")),
        "{out}"
    );
    let lus = lines_with(&out, "lu ");
    // LUN 0 (tgt's controller, type 0x0c) and LUN 1 (the disk) of each target.
    let disks: Vec<&&str> = lus.iter().filter(|l| l.contains(" type=0 ")).collect();
    assert_eq!(disks.len(), 2, "{out}");
    for disk in &disks {
        assert_eq!(value(disk, "vendor"), "IET", "{out}");
        assert_eq!(value(disk, "product"), "VIRTUAL-DISK", "{out}");
        assert_eq!(value(disk, "block"), "512", "{out}");
        assert_eq!(value(disk, "cap_status"), "0x0", "{out}");
    }
    let mut sizes: Vec<u64> = disks
        .iter()
        .map(|l| value(l, "blocks").parse::<u64>().expect("blocks") * 512)
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [8 * MIB, 16 * MIB], "{out}");

    let out = hba.ok(&["vpd83", TARGET_A, "1"]);
    assert_eq!(value(&out, "page"), "0x83", "{out}");
    assert!(
        value(&out, "designators").parse::<u32>().expect("count") >= 1,
        "{out}"
    );
    let out = hba.ok(&["reportluns", TARGET_A]);
    assert_eq!(value(&out, "luns"), "2", "{out}");

    // Static targets: add, list (after a reload), remove.
    let out = hba.ok(&["add-static", TARGET_A, "127.0.0.1", &port]);
    let seq = value(&out, "seq").to_owned();
    let out = hba.ok(&["list-static"]);
    assert_eq!(
        lines_with(&out, "static "),
        [format!("static {seq} {TARGET_A} 127.0.0.1:{port}").as_str()],
        "{out}"
    );
    let out = hba.ok(&["targets"]);
    assert!(
        lines_with(&out, "target ")
            .iter()
            .any(|l| l.contains(TARGET_A) && l.ends_with("flags=9")),
        "found by both methods: {out}"
    );
    hba.ok(&["remove-static", &seq]);
    let out = hba.ok(&["list-static"]);
    assert_eq!(value(&out, "count"), "0", "{out}");

    // An LU that no longer exists: CHECK CONDITION with sense (ILLEGAL REQUEST, LOGICAL
    // UNIT NOT SUPPORTED).
    let mut child = hba
        .command(&["gone", TARGET_A, "1"])
        .env("HBA_GONE_WAIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("client");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("ready line");
    assert_eq!(line.trim(), "ready");
    tgtd.delete_lun(tid_a, 1).expect("delete LUN 1");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("go");
    line.clear();
    stdout.read_line(&mut line).expect("result line");
    let _ = child.wait();
    // IMA_ERROR_SCSI_STATUS_CHECK_CONDITION, sense key 5, ASC 0x25.
    assert_eq!(value(&line, "status"), "0x80000100", "{line}");
    assert_eq!(value(&line, "key"), "0x5", "{line}");
    assert_eq!(value(&line, "asc"), "0x25", "{line}");
}

/// Two processes adding discovery addresses at the same time both keep all of theirs.
pub fn two_processes_adding_addresses_keep_each_others(mode: &Mode) {
    let hba = Hba::new("concurrent", mode);
    let spawn = |base: &str| {
        hba.command(&["add-many", "127.0.0.3", base, "25"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("client")
    };
    let (a, b) = (spawn("4000"), spawn("5000"));
    for child in [a, b] {
        let out = child.wait_with_output().expect("output");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = hba.ok(&["list-discovery"]);
    assert_eq!(value(&out, "count"), "50", "{out}");
}

/// A corrupt state file gives a clear error, every change fails, and the file is left as
/// it was.
pub fn a_corrupt_state_file_is_reported_and_left_alone(mode: &Mode) {
    let hba = Hba::new("corrupt", mode);
    let garbage = b"{ this is not the HBA state ]";
    std::fs::write(hba.state(), garbage).expect("write garbage");
    let (ok, out, err) = hba.run(&["add-discovery", "127.0.0.1", "3260"]);
    assert!(!ok, "{out}");
    // IMA_ERROR_UNEXPECTED_OS_ERROR, and the reason on standard error.
    assert_eq!(value(&out, "status"), "0x80000004", "{out}");
    // The reason where a person sees it: the client's standard error, or the daemon's log.
    let said = if mode.is_daemon() {
        hba.daemon_log()
    } else {
        err
    };
    assert!(
        said.contains("corrupt") && said.contains("hba.json"),
        "{said}"
    );
    assert_eq!(std::fs::read(hba.state()).expect("state"), garbage);
}

/// Sessions and connections listed with what was negotiated (a per-target MaxBurstLength
/// set through IMA included), explicit logout and the vendor IOCtl checks, the automatic
/// login switch, statistics that count a known number of commands and bytes, error
/// statistics, and stale data removed when a target goes.
pub fn sessions_parameters_statistics_and_control_against_tgtd(mode: &Mode) {
    let mut tgtd = tgtd();
    tgtd.add_target(TARGET_A, 16 * MIB).expect("target a");
    let (tid_b, _) = tgtd.add_target(TARGET_B, 8 * MIB).expect("target b");
    let port = tgtd.port().to_string();
    let hba = Hba::new("sessions", mode);
    hba.ok(&["add-discovery", "127.0.0.1", &port]);

    // A per-target MaxBurstLength, below tgt's 262144, for the next login; out of range
    // refused.
    let out = hba.ok(&["set-mbl", TARGET_A, "131072"]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");
    let out = hba.ok(&["set-mbl", TARGET_A, "100"]);
    assert_eq!(
        value(&out, "status"),
        "0xc0000000",
        "INVALID_PARAMETER: {out}"
    );
    if mode.is_daemon() {
        // The daemon logged in to A when the address was added: the value applies from
        // the next login.
        hba.ok(&["logout", TARGET_A]);
        hba.ok(&["login", TARGET_A]);
    }

    let out = hba.ok(&["sessions"]);
    assert_eq!(value(&out, "sessions"), "2", "{out}");
    assert_eq!(value(&out, "lhba_sessions"), "2", "{out}");
    let a = session_of(&out, TARGET_A);
    let b = session_of(&out, TARGET_B);
    assert_eq!(
        value(a, "mbl"),
        "131072",
        "the override was offered and agreed: {out}"
    );
    assert_eq!(value(b, "mbl"), "262144", "{out}");
    for s in [a, b] {
        assert_ne!(value(s, "isid"), "000000000000", "{out}");
        assert_ne!(value(s, "tsih"), "0", "{out}");
        assert_eq!(value(s, "auth"), "0", "no authentication: {out}");
        assert_eq!(value(s, "erl"), "0", "{out}");
        assert_eq!(value(s, "maxconn"), "1", "{out}");
        assert_eq!(value(s, "tpgt"), "1", "tgt's portal group: {out}");
        assert_eq!(value(s, "lhba_owner"), "1", "{out}");
        assert_eq!(value(s, "pduorder"), "1", "{out}");
    }
    assert_ne!(
        value(a, "isid"),
        value(b, "isid"),
        "one ISID per session: {out}"
    );
    let connections = lines_with(&out, "connection ");
    assert_eq!(connections.len(), 2, "{out}");
    for c in &connections {
        assert_eq!(value(c, "hd"), "0", "{out}");
        assert_eq!(value(c, "mrdsl"), "262144", "what we declared: {out}");
        assert_ne!(value(c, "mtdsl"), "0", "what tgt declared: {out}");
    }
    for a in lines_with(&out, "addresses ") {
        assert!(value(a, "local").starts_with("127.0.0.1:"), "{out}");
        assert_eq!(value(a, "remote"), format!("127.0.0.1:{port}"), "{out}");
    }

    // Explicit logout through the vendor IOCtl, and its argument checks.
    let out = hba.ok(&["logout", TARGET_A]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");
    assert_eq!(value(&out, "value"), "1", "one session closed: {out}");
    assert_eq!(value(&out, "sessions"), "1", "{out}");
    assert_eq!(value(&out, "short_input"), "0xc0000000", "{out}");
    assert_eq!(value(&out, "short_output"), "0xc0000000", "{out}");
    assert_eq!(value(&out, "unknown"), "0x80000001", "{out}");
    let out = hba.ok(&["login", TARGET_B]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");

    // Automatic login off (persisted): a new process logs in to nothing.
    let out = hba.ok(&["autologin", "0", "0"]);
    assert_eq!(
        (value(&out, "static"), value(&out, "st"), value(&out, "bad")),
        ("0", "0", "0xc0000000"),
        "{out}"
    );
    let out = hba.ok(&["sessions"]);
    if mode.is_daemon() {
        // Sessions live as long as the daemon: B's is still there (A was logged out).
        assert_eq!(value(&out, "sessions"), "1", "{out}");
        session_of(&out, TARGET_B);
    } else {
        assert_eq!(value(&out, "sessions"), "0", "{out}");
    }
    hba.ok(&["autologin", "1", "1"]);
    // A logout holds the target out for as long as the engine lives.
    hba.ok(&["login", TARGET_A]);

    // Statistics: five INQUIRYs to LUN 1 of A.
    let out = hba.ok(&["stats", TARGET_A, "1", "5"]);
    let props = lines_with(&out, "props ")[0];
    assert_eq!(
        (value(props, "settable"), value(props, "enabled")),
        ("1", "1"),
        "{out}"
    );
    let bytes = value(&out, "inquiry_bytes");
    assert!(bytes.parse::<u64>().expect("bytes") >= 5 * 36, "{out}");
    assert_eq!(value(&out, "lu_pdus_sent"), "5", "{out}");
    assert_eq!(value(&out, "lu_bytes_received"), bytes, "{out}");
    assert_eq!(value(&out, "lu_bytes_sent"), "0", "{out}");
    assert_eq!(value(&out, "target_bytes_received"), bytes, "{out}");
    assert!(
        value(&out, "target_pdus_sent").parse::<u64>().expect("n") >= 5,
        "{out}"
    );
    assert!(
        value(&out, "target_pdus_received")
            .parse::<u64>()
            .expect("n")
            >= 5,
        "{out}"
    );
    assert_eq!(value(&out, "off"), "0x0", "{out}");
    assert_eq!(
        value(&out, "refused"),
        "0x8000000b",
        "STATS_COLLECTION_NOT_ENABLED: {out}"
    );
    assert_eq!(value(&out, "enabled_when_off"), "0", "{out}");
    assert_eq!(value(&out, "again"), "0x0", "{out}");
    assert_eq!(
        value(&out, "after_on"),
        "0",
        "counts restart from zero: {out}"
    );
    assert!(
        value(&out, "pnp_pdus_sent").parse::<u64>().expect("n") > 0,
        "loopback: {out}"
    );

    let out = hba.ok(&["errors", TARGET_A]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");
    assert_eq!(value(&out, "valid"), "1", "{out}");
    assert_eq!(value(&out, "login_failed"), "0", "{out}");

    // Stale data: B's override stays after B is gone, until RemoveStaleData.
    hba.ok(&["set-mbl", TARGET_B, "131072"]);
    tgtd.delete_target(tid_b).expect("delete B");
    let out = hba.ok(&["stale"]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");
    assert_eq!(value(&out, "removable"), "1", "{out}");
    assert_eq!(value(&out, "after"), "0", "{out}");
    let state = std::fs::read_to_string(hba.state()).expect("state");
    assert!(!state.contains(TARGET_B), "B's settings removed: {state}");
    assert!(state.contains(TARGET_A), "A's kept: {state}");
}

/// Visibility callbacks fire, from the plugin's own thread, when a target is added on the
/// tgt side and discovery runs again (the target, then its session); a property callback
/// fires for the session, and a new connection appears, when tgtd restarts and the session
/// is reinstated.
pub fn callbacks_fire_for_a_new_target_and_a_reinstated_session(mode: &Mode) {
    let mut tgtd = tgtd();
    let (tid_a, file_a) = tgtd.add_target(TARGET_A, 8 * MIB).expect("target a");
    let port = tgtd.port().to_string();
    let hba = Hba::new("events", mode);
    hba.ok(&["add-discovery", "127.0.0.1", &port]);

    let mut added = None;
    let (ok, out) = events_run(&hba, "events-target", || {
        added = Some(tgtd.add_target(TARGET_B, 8 * MIB).expect("target b"));
    });
    assert!(ok, "{out}");
    let after = lines_with(&out, "after ")[0];
    assert!(
        value(after, "target_visible").parse::<u32>().expect("n") >= 1,
        "{out}"
    );
    assert!(
        value(after, "session_visible").parse::<u32>().expect("n") >= 1,
        "{out}"
    );
    assert_eq!(
        value(after, "on_main_thread"),
        "0",
        "never inside an API call: {out}"
    );
    let (tid_b, file_b) = added.expect("target b added");

    let (ok, out) = events_run(&hba, "events-restart", || {
        tgtd.restart().expect("restart tgtd");
        tgtd.recreate_target(tid_a, TARGET_A, &file_a)
            .expect("recreate a");
        tgtd.recreate_target(tid_b, TARGET_B, &file_b)
            .expect("recreate b");
    });
    assert!(ok, "{out}");
    let after = lines_with(&out, "after ")[0];
    assert!(
        value(after, "session_changed").parse::<u32>().expect("n") >= 1,
        "{out}"
    );
    assert!(
        value(after, "connection_visible")
            .parse::<u32>()
            .expect("n")
            >= 1,
        "{out}"
    );
    assert_eq!(value(after, "on_main_thread"), "0", "{out}");
}

/// CHAP and digests set through IMA are what the next login uses, against tgtd: (a) the
/// LHBA's CHAP credentials open a target that requires CHAP, (b) a wrong secret answers
/// LOGIN_REJECTED, (c) mutual CHAP (a target's own credentials, and the credentials it
/// must prove) works, and a wrong expected target secret fails, (d) a per-target
/// HeaderDigest of CRC32C set and read back, and a login with it to a target that allows
/// nothing else works. A secret
/// under 96 bits is refused with INVALID_PARAMETER.
pub fn chap_mutual_chap_and_digests_set_through_ima_against_tgtd(mode: &Mode) {
    let mut tgtd = tgtd();
    let (tid_a, _) = tgtd.add_target(TARGET_A, 8 * MIB).expect("target a");
    let (tid_b, _) = tgtd.add_target(TARGET_B, 8 * MIB).expect("target b");
    let (tid_c, _) = tgtd.add_target(TARGET_C, 8 * MIB).expect("target c");
    tgtd.require_chap(tid_a, "ima-user", "ima-secret-0001", None)
        .expect("chap a");
    tgtd.require_chap(
        tid_b,
        "ima-user-b",
        "ima-secret-0002",
        Some(("tgt-b", "tgt-secret-0002")),
    )
    .expect("chap b");
    tgtd.set_param(tid_c, "HeaderDigest", "CRC32C")
        .expect("digest c");
    let port = tgtd.port().to_string();
    let hba = Hba::new("auth", mode);
    hba.ok(&["add-discovery", "127.0.0.1", &port]);

    // (d) Target C allows CRC32C header digests only; a CRC32C offer set on the target
    // through IMA is read back, the login with it works, and the connection's properties
    // say the header digest is CRC32C (tgt answers an offer of None with Reject, which
    // would leave digests off).
    let out = hba.ok(&["header-digest", TARGET_C, "crc32c"]);
    assert_eq!(value(&out, "values"), "CRC32C", "{out}");
    if mode.is_daemon() {
        // The daemon logged in to C when the address was added: the offer applies from
        // the next login.
        hba.ok(&["logout", TARGET_C]);
        hba.ok(&["login", TARGET_C]);
    }
    let out = hba.ok(&["lus", TARGET_C]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");
    let out = hba.ok(&["sessions"]);
    let c = session_of(&out, TARGET_C);
    let seq = c.split_whitespace().nth(1).expect("session seq");
    let connection = lines_with(&out, "connection ")
        .into_iter()
        .find(|l| value(l, "session") == seq)
        .unwrap_or_else(|| panic!("no connection of session {seq}:\n{out}"));
    assert_eq!(
        value(connection, "hd"),
        "1",
        "HeaderDigest=CRC32C agreed: {out}"
    );
    assert_eq!(value(connection, "dd"), "0", "{out}");

    // Without credentials target A refuses us.
    let (ok, out, _) = hba.run(&["lus", TARGET_A]);
    assert!(!ok, "{out}");
    assert_eq!(value(&out, "status"), LOGIN_REJECTED, "{out}");
    // A secret under 96 bits is out of range.
    let (ok, out, _) = hba.run(&["chap", "ima-user", "short"]);
    assert!(!ok, "{out}");
    assert_eq!(value(&out, "status"), INVALID_PARAMETER, "{out}");
    // (b) A wrong secret: LOGIN_REJECTED.
    let out = hba.ok(&["chap", "ima-user", "wrong-secret-01"]);
    assert_eq!(value(&out, "methods"), "0x0", "{out}");
    assert_eq!(value(&out, "name"), "ima-user", "{out}");
    assert_eq!(
        value(&out, "secret_len"),
        "0",
        "the getter never returns the secret: {out}"
    );
    let (ok, out, _) = hba.run(&["lus", TARGET_A]);
    assert!(!ok, "{out}");
    assert_eq!(value(&out, "status"), LOGIN_REJECTED, "{out}");
    // (a) The right one, set through IMA, in another process: the login uses it.
    hba.ok(&["chap", "ima-user", "ima-secret-0001"]);
    let out = hba.ok(&["lus", TARGET_A]);
    assert!(
        value(&out, "count").parse::<u32>().expect("count") >= 1,
        "{out}"
    );
    let text = std::fs::read_to_string(hba.state()).expect("state");
    assert!(!text.contains("ima-secret-0001"), "{text}");

    // (c) Mutual CHAP on target B, with B's own initiator credentials.
    hba.ok(&["local", TARGET_B, "ima-user-b", "ima-secret-0002"]);
    hba.ok(&["mutual", TARGET_B, "tgt-b", "not-tgt-secret-2"]);
    let (ok, out, _) = hba.run(&["lus", TARGET_B]);
    assert!(!ok, "{out}");
    assert_eq!(
        value(&out, "status"),
        LOGIN_REJECTED,
        "the target cannot prove a secret it does not have: {out}"
    );
    hba.ok(&["mutual", TARGET_B, "tgt-b", "tgt-secret-0002"]);
    let out = hba.ok(&["lus", TARGET_B]);
    assert_eq!(value(&out, "status"), "0x0", "{out}");
    // One secret both ways is refused (RFC 7143 §9.2.1).
    let (ok, out, _) = hba.run(&["mutual", TARGET_B, "tgt-b", "ima-secret-0002"]);
    assert!(!ok, "{out}");
    assert_eq!(value(&out, "status"), INVALID_PARAMETER, "{out}");

    // The sessions say how they authenticated (IMA_AUTHMETHOD_CHAP = 1).
    let out = hba.ok(&["sessions"]);
    assert_eq!(value(session_of(&out, TARGET_A), "auth"), "1", "{out}");
    assert_eq!(value(session_of(&out, TARGET_B), "auth"), "1", "{out}");
    assert_eq!(value(session_of(&out, TARGET_C), "auth"), "0", "{out}");
}

/// iSNS discovery through the IMA API: `IMA_SetIsnsDiscovery` with a real isnsd (its
/// port in a `host:port` host name, since `IMA_HOST_ID` has none), reported by
/// `IMA_GetDiscoveryProperties` and persisted (a zeroed host keeps the server); SLP refused;
/// tgtd's target, registered by tgtd's own iSNS client, found with flag ISNS (4) and logged
/// in to with its portal group tag; a target registered while a process watches appears by
/// SCN (no API call, the timer is 300 s) and its deregistration makes it go; disabling
/// removes the iSNS targets.
pub fn isns_discovery_login_and_scn(mode: &Mode) {
    use crate::isns::Isnsd;
    let dir = std::env::temp_dir().join(format!("hba-isnsd-{}", std::process::id()));
    let isnsd = Isnsd::start(&dir).expect("isnsd must be installed and start (scripts/test.sh)");
    let mut tgtd = tgtd();
    tgtd.enable_isns(isnsd.port()).expect("tgt iSNS settings");
    tgtd.add_target(TARGET_A, 8 * MIB).expect("target a");
    let hba = Hba::new("isns", mode);

    let server = format!("127.0.0.1:{}", isnsd.port());
    let out = hba.ok(&["isns", "1", &server]);
    let line = lines_with(&out, "isns ")[0];
    assert_eq!(value(line, "status"), "0x0", "{out}");
    assert_ne!(value(line, "slp"), "0x0", "SLP is not supported: {out}");
    assert_eq!(value(line, "settable"), "1", "{out}");
    assert_eq!(value(line, "enabled"), "1", "{out}");
    assert_eq!(value(line, "method"), "0", "{out}");
    assert_eq!(value(line, "host"), "127.0.0.1", "{out}");
    let state = std::fs::read_to_string(hba.state()).expect("state file");
    assert!(
        state.contains(&format!("\"isns_server\": \"{server}\"")),
        "{state}"
    );

    // tgt registers with isnsd in the background.
    let start = std::time::Instant::now();
    loop {
        let out = hba.ok(&["targets"]);
        if lines_with(&out, "target ")
            .iter()
            .any(|l| l.contains(TARGET_A) && l.ends_with("flags=4"))
        {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "tgtd's target never came through iSNS:\n{out}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let out = hba.ok(&["sessions"]);
    let session = session_of(&out, TARGET_A);
    assert_eq!(value(session, "tpgt"), "1", "{out}");

    // Another process: the setting persisted; a zeroed host keeps the server.
    let out = hba.ok(&["isns", "1", "-"]);
    assert_eq!(value(lines_with(&out, "isns ")[0], "enabled"), "1", "{out}");
    assert_eq!(
        value(lines_with(&out, "isns ")[0], "host"),
        "127.0.0.1",
        "{out}"
    );

    // A target registered while we watch appears by SCN, and goes when deregistered.
    let mut child = hba
        .command(&["events-scn"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("client");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut out = String::new();
    let mut until = |prefix: &str, out: &mut String| loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            panic!("client ended before {prefix}:\n{out}");
        }
        out.push_str(&line);
        if line.starts_with(prefix) {
            break;
        }
    };
    until("ready ", &mut out);
    // Let the plugin's watcher finish its SCN registration.
    std::thread::sleep(std::time::Duration::from_secs(1));
    isnsd
        .register_target("array-c", TARGET_C, &[(3299, 3)])
        .expect("register target c");
    stdin.write_all(b"go\n").expect("go");
    until("ready2", &mut out);
    isnsd
        .deregister_entity("array-c", TARGET_C)
        .expect("deregister target c");
    stdin.write_all(b"go\n").expect("go");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest");
    out.push_str(&rest);
    assert!(child.wait().expect("wait").success(), "{out}");
    let appeared = lines_with(&out, "appeared ")[0];
    assert!(
        value(appeared, "target_visible")
            .parse::<u32>()
            .expect("count")
            >= 1,
        "{out}"
    );
    assert_eq!(value(appeared, "on_main_thread"), "0", "{out}");

    // Disabled: the iSNS targets go.
    let out = hba.ok(&["isns", "0", "-"]);
    assert_eq!(value(lines_with(&out, "isns ")[0], "enabled"), "0", "{out}");
    let out = hba.ok(&["targets"]);
    assert!(lines_with(&out, "target ").is_empty(), "{out}");
    tgtd.disable_isns().expect("iSNS off");
}
