//! The software HBA through the IMA C API: a C client (`c/hba_client.c`) linked to
//! `libima.so`, whose `ima.conf` names the built `libima_plugin_soft.so`, against a real
//! tgtd on loopback. Each client run is one process: one load and unload of the library and
//! the plugin, so state that survives between runs survived an unload and reload.
#![forbid(unsafe_code)]

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use iscsi_integration_tests::tgt::Tgtd;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const TARGET_A: &str = "iqn.2026-12.test.hba:disk-a";
const TARGET_B: &str = "iqn.2026-12.test.hba:disk-b";
const TARGET_C: &str = "iqn.2026-12.test.hba:disk-c";
/// `IMA_ERROR_LOGIN_REJECTED`.
const LOGIN_REJECTED: &str = "0x8000000a";
/// `IMA_ERROR_INVALID_PARAMETER`.
const INVALID_PARAMETER: &str = "0xc0000000";
const MIB: u64 = 1 << 20;

/// A built artifact next to this test executable (cargo builds the cdylibs of the
/// dev-dependencies ima-lib and ima-plugin-soft before the tests run).
fn artifact(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("executable directory").to_path_buf();
    let candidates = [
        deps.join(name),
        deps.parent().map(|p| p.join(name)).unwrap_or_default(),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| panic!("{name} not built; looked at {candidates:?}"))
}

/// The C client, compiled once per test process.
fn client() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("hba-c-client-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let libima = artifact("libima.so");
        let libdir = libima.parent().expect("lib dir");
        let out = dir.join("hba_client");
        let result = Command::new("cc")
            .args(["-std=gnu11", "-Wall", "-Wextra", "-Werror"])
            .arg(format!(
                "-I{}",
                Path::new(MANIFEST).join("../../ima-lib/include").display()
            ))
            .arg(format!(
                "-I{}",
                Path::new(MANIFEST)
                    .join("../../ima-plugin-soft/include")
                    .display()
            ))
            .arg("-pthread")
            .arg(Path::new(MANIFEST).join("c/hba_client.c"))
            .arg("-o")
            .arg(&out)
            .arg(format!("-L{}", libdir.display()))
            .arg(format!("-Wl,-rpath,{}", libdir.display()))
            .arg("-lima")
            .output()
            .expect("cc must be installed (scripts/test.sh)");
        assert!(
            result.status.success(),
            "cc failed:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
        out
    })
}

/// One HBA: an `ima.conf` naming the plugin and the engine's state file.
struct Hba {
    dir: PathBuf,
}

impl Hba {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hba-scenario-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scenario dir");
        let plugin = artifact("libima_plugin_soft.so");
        std::fs::write(
            dir.join("ima.conf"),
            format!("org.iscsi-ima.soft\t{}\n", plugin.display()),
        )
        .expect("ima.conf");
        Self { dir }
    }

    fn state(&self) -> PathBuf {
        self.dir.join("hba.json")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(client());
        c.args(args)
            .env("IMA_CONF", self.dir.join("ima.conf"))
            .env("IMA_NODE_STATE", self.dir.join("node-state"))
            .env("ISCSI_HBA_STATE", self.state());
        c
    }

    /// Runs the client (60 s limit): (exit success, stdout, stderr).
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the client");
        let start = Instant::now();
        while child.try_wait().expect("wait").is_none() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "hba_client {args:?} hung"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs the client and requires success.
    fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(ok, "hba_client {args:?} failed:\n{out}\n{err}");
        out
    }
}

fn lines_with<'a>(out: &'a str, prefix: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.starts_with(prefix)).collect()
}

fn value<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

fn tgtd() -> Tgtd {
    let dir = std::env::temp_dir().join(format!("hba-tgtd-{}", std::process::id()));
    Tgtd::start(&dir).expect("tgtd must be installed and start (scripts/test.sh installs it)")
}

/// A SendTargets address finds both targets; their LUs have tgt's vendor and product and
/// the right capacity; INQUIRY page 0x83, READ CAPACITY(16) and REPORT LUNS work through the
/// API; the configuration survives unloads; static targets come and go; an LU that
/// disappears answers CHECK CONDITION with its sense data.
#[test]
fn discovery_targets_lus_and_pass_through_against_tgtd() {
    let mut tgtd = tgtd();
    let (tid_a, _) = tgtd.add_target(TARGET_A, 16 * MIB).expect("target a");
    tgtd.add_target(TARGET_B, 8 * MIB).expect("target b");
    let port = tgtd.port().to_string();
    let hba = Hba::new("tgtd");

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
#[test]
fn two_processes_adding_addresses_keep_each_others() {
    let hba = Hba::new("concurrent");
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
#[test]
fn a_corrupt_state_file_is_reported_and_left_alone() {
    let hba = Hba::new("corrupt");
    let garbage = b"{ this is not the HBA state ]";
    std::fs::write(hba.state(), garbage).expect("write garbage");
    let (ok, out, err) = hba.run(&["add-discovery", "127.0.0.1", "3260"]);
    assert!(!ok, "{out}");
    // IMA_ERROR_UNEXPECTED_OS_ERROR, and the reason on standard error.
    assert_eq!(value(&out, "status"), "0x80000004", "{out}");
    assert!(err.contains("corrupt") && err.contains("hba.json"), "{err}");
    assert_eq!(std::fs::read(hba.state()).expect("state"), garbage);
}

/// The session lines of a `sessions` run, by target name.
fn session_of<'a>(out: &'a str, target: &str) -> &'a str {
    lines_with(out, "session ")
        .into_iter()
        .find(|l| value(l, "target") == target)
        .unwrap_or_else(|| panic!("no session to {target}:\n{out}"))
}

/// Sessions and connections listed with what was negotiated (a per-target MaxBurstLength
/// set through IMA included), explicit logout and the vendor IOCtl checks, the automatic
/// login switch, statistics that count a known number of commands and bytes, error
/// statistics, and stale data removed when a target goes.
#[test]
fn sessions_parameters_statistics_and_control_against_tgtd() {
    let mut tgtd = tgtd();
    tgtd.add_target(TARGET_A, 16 * MIB).expect("target a");
    let (tid_b, _) = tgtd.add_target(TARGET_B, 8 * MIB).expect("target b");
    let port = tgtd.port().to_string();
    let hba = Hba::new("sessions");
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
    assert_eq!(value(&out, "sessions"), "0", "{out}");
    hba.ok(&["autologin", "1", "1"]);

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

/// Runs an `events-*` client: waits for its "ready" line, calls `between`, lets it go on,
/// and returns its output.
fn events_run(hba: &Hba, mode: &str, between: impl FnOnce()) -> (bool, String) {
    let mut child = hba
        .command(&[mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("client");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut out = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            panic!("client ended before ready:\n{out}");
        }
        out.push_str(&line);
        if line.starts_with("ready") {
            break;
        }
    }
    between();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("go");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest");
    out.push_str(&rest);
    let ok = child.wait().expect("wait").success();
    (ok, out)
}

/// Visibility callbacks fire, from the plugin's own thread, when a target is added on the
/// tgt side and discovery runs again (the target, then its session); a property callback
/// fires for the session, and a new connection appears, when tgtd restarts and the session
/// is reinstated.
#[test]
fn callbacks_fire_for_a_new_target_and_a_reinstated_session() {
    let mut tgtd = tgtd();
    let (tid_a, file_a) = tgtd.add_target(TARGET_A, 8 * MIB).expect("target a");
    let port = tgtd.port().to_string();
    let hba = Hba::new("events");
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
#[test]
fn chap_mutual_chap_and_digests_set_through_ima_against_tgtd() {
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
    let hba = Hba::new("auth");
    hba.ok(&["add-discovery", "127.0.0.1", &port]);

    // (d) Target C allows CRC32C header digests only; a CRC32C offer set on the target
    // through IMA is read back, the login with it works, and the connection's properties
    // say the header digest is CRC32C (tgt answers an offer of None with Reject, which
    // would leave digests off).
    let out = hba.ok(&["header-digest", TARGET_C, "crc32c"]);
    assert_eq!(value(&out, "values"), "CRC32C", "{out}");
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
