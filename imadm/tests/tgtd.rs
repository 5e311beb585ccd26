//! imadm against a real tgtd on loopback (tgtd must be installed: scripts/test.sh installs
//! it), and `imadm demo`, which needs nothing. Each imadm run is one process with a
//! private ima.conf (naming the built libima_plugin_soft.so), HBA state and node state;
//! the tgtd scenario runs twice: with the plugin's engine in each imadm process, and with
//! an `iscsi-hbad` (served by a thread of the test) behind every imadm process.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use iscsi_integration_tests::{isns::Isnsd, tgt::Tgtd};
use serde_json::Value;

const IMADM: &str = env!("CARGO_BIN_EXE_imadm");
const TARGET_A: &str = "iqn.2026-12.test.imadm:disk-a";
const TARGET_C: &str = "iqn.2026-12.test.imadm:chap";
const CHAP_USER: &str = "imadm-user";
const CHAP_SECRET: &str = "imadm-secret-0001";
const MIB: u64 = 1 << 20;

/// The newest `name` beside imadm or in its deps/ directory (as imadm looks for it).
fn artifact(name: &str) -> PathBuf {
    let dir = Path::new(IMADM).parent().expect("imadm directory");
    [dir.join(name), dir.join("deps").join(name)]
        .into_iter()
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| panic!("{name} not built next to {IMADM}"))
}

struct Hba {
    dir: PathBuf,
    daemon: Option<iscsi_hbad::Daemon>,
}

impl Hba {
    /// A private HBA; with `daemon`, an `iscsi-hbad` serves it.
    fn new(name: &str, daemon: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("imadm-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test dir");
        std::fs::write(
            dir.join("ima.conf"),
            format!(
                "org.iscsi-ima.soft\t{}\n",
                artifact("libima_plugin_soft.so").display()
            ),
        )
        .expect("ima.conf");
        let daemon = daemon.then(|| {
            iscsi_hbad::Daemon::start(iscsi_hbad::Options::new(
                dir.join("hbad.sock"),
                dir.join("hba.json"),
            ))
            .expect("iscsi-hbad")
        });
        Self { dir, daemon }
    }

    fn imadm(&self, args: &[&str]) -> Command {
        let mut c = Command::new(IMADM);
        c.arg("--conf")
            .arg(self.dir.join("ima.conf"))
            .args(args)
            .env("ISCSI_HBA_STATE", self.dir.join("hba.json"))
            .env("IMA_NODE_STATE", self.dir.join("node-state"))
            // Embedded mode: a path nobody listens on (never a host's daemon).
            .env("ISCSI_HBAD_SOCKET", self.dir.join("hbad.sock"))
            .env_remove("IMA_LIB");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.imadm(args).output().expect("run imadm")
    }

    /// Runs and requires exit 0; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "imadm {args:?} failed ({:?}):\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs with --json and parses the output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}:\n{text}"))
    }

    /// Runs and returns (exit code, stderr).
    fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Hba {
    fn drop(&mut self) {
        if let Some(daemon) = self.daemon.take() {
            let _ = daemon.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|v| v[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Discovery, targets, LUs and INQUIRY through imadm's JSON; CHAP set with `auth set`
/// (secret from the environment, then from a file) and used against a target that
/// requires it; sessions, logout, statistics; the exit codes of a missing target, an
/// invalid argument and a rejected login.
#[test]
fn imadm_manages_a_tgtd() {
    manage_a_tgtd(false);
}

/// The same with `iscsi-hbad` behind every imadm process; a session one imadm process
/// lists is the one the next lists (same TSIH: no new login).
#[test]
fn imadm_manages_a_tgtd_through_the_daemon() {
    manage_a_tgtd(true);
}

fn manage_a_tgtd(daemon: bool) {
    let tag = if daemon { "d" } else { "e" };
    let dir = std::env::temp_dir().join(format!("imadm-tgtd-{}-{tag}", std::process::id()));
    let mut tgtd =
        Tgtd::start(&dir).expect("tgtd must be installed and start (scripts/test.sh installs it)");
    tgtd.add_target(TARGET_A, 16 * MIB).expect("target a");
    let (tid_c, _) = tgtd.add_target(TARGET_C, 8 * MIB).expect("target c");
    tgtd.require_chap(tid_c, CHAP_USER, CHAP_SECRET, None)
        .expect("chap on c");
    let portal = format!("127.0.0.1:{}", tgtd.port());
    let hba = Hba::new(&format!("tgtd-{tag}"), daemon);

    // Discovery address, then the iscsiadm spelling lists it.
    hba.ok(&["discovery-address", "add", &portal]);
    let out = hba.ok(&["list", "discovery-address"]);
    assert!(out.contains(&portal), "{out}");

    // Targets, as JSON.
    let targets = hba.json(&["target", "list"]);
    let mut found = names(&targets, "name");
    found.sort();
    assert_eq!(found, [TARGET_C, TARGET_A], "{targets}");
    assert_eq!(targets[0]["discovery_methods"][0], "sendtargets");
    assert_eq!(targets[0]["portals"][0], portal.as_str());

    // SendTargets straight to the portal, in open-iscsi's form (tgt's portal group 1).
    let out = hba.ok(&["discovery", "sendtargets", &portal]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            format!("{portal},1 {TARGET_C}"),
            format!("{portal},1 {TARGET_A}")
        ],
        "{out}"
    );

    // LUs and INQUIRY of target A (tgt: LUN 0 controller, LUN 1 the disk).
    let lus = hba.json(&["lu", "list", TARGET_A]);
    let disk = lus
        .as_array()
        .expect("array")
        .iter()
        .find(|l| l["lun"] == 1)
        .unwrap_or_else(|| panic!("no LUN 1: {lus}"));
    assert_eq!(disk["vendor"], "IET", "{lus}");
    assert_eq!(disk["capacity_bytes"], 16 * MIB, "{lus}");
    let inq = hba.json(&["lu", "inquiry", TARGET_A, "1"]);
    assert_eq!(inq["vendor"], "IET", "{inq}");
    assert_eq!(inq["product"], "VIRTUAL-DISK", "{inq}");
    assert_eq!(inq["device_type"], 0, "{inq}");

    // Exit codes: unknown target 3, invalid argument 2 (ours, the plugin's and clap's).
    let (code, err) = hba.fails(&["lu", "inquiry", "iqn.2026-12.test.imadm:nope"]);
    assert_eq!(code, 3, "{err}");
    let (code, err) = hba.fails(&["discovery-address", "add", "not-an-address"]);
    assert_eq!(code, 2, "{err}");
    let (code, err) = hba.fails(&["param", "set", "MaxBurstLength=100"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("IMA_SetMaxBurstLength: IMA_ERROR_INVALID_PARAMETER"),
        "{err}"
    );
    assert_eq!(hba.fails(&["no-such-command"]).0, 2);

    // A wrong CHAP secret (from the environment): login rejected, exit 5.
    let out = hba
        .imadm(&[
            "auth",
            "set",
            "--target",
            TARGET_C,
            "--name",
            CHAP_USER,
            "--secret-env",
            "IMADM_TEST_SECRET",
        ])
        .env("IMADM_TEST_SECRET", "wrong-secret-0001")
        .output()
        .expect("imadm");
    assert!(out.status.success(), "{out:?}");
    let (code, err) = hba.fails(&["session", "login", TARGET_C]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("IMA_ERROR_LOGIN_REJECTED"), "{err}");

    // The right secret from a file: the login works and the session used CHAP.
    let secret = hba.dir.join("secret");
    std::fs::write(&secret, format!("{CHAP_SECRET}\n")).expect("secret file");
    hba.ok(&[
        "auth",
        "set",
        "--target",
        TARGET_C,
        "--name",
        CHAP_USER,
        "--secret-file",
        secret.to_str().expect("utf-8 path"),
    ]);
    let shown = hba.json(&["auth", "show", "--target", TARGET_C]);
    assert_eq!(shown["chap_name"], CHAP_USER, "{shown}");
    assert_eq!(shown["chap_enabled"], true, "{shown}");
    assert!(!shown.to_string().contains(CHAP_SECRET), "never a secret");
    let login = hba.json(&["session", "login", TARGET_C]);
    assert_eq!(login["session"]["type"], "session", "{login}");

    // Sessions (the plugin logs in to both after discovery).
    let sessions = hba.json(&["session", "list"]);
    let list = sessions.as_array().expect("array");
    assert_eq!(list.len(), 2, "{sessions}");
    for s in list {
        let auth = if s["target"] == TARGET_C {
            "chap"
        } else {
            "none"
        };
        assert_eq!(s["auth_method"], auth, "{sessions}");
        assert_eq!(s["target_portal_group_tag"], 1, "{sessions}");
        assert_eq!(s["connections"][0]["remote_address"], portal.as_str());
    }

    // The next process: with the daemon, the very same sessions; embedded, new logins.
    let again = hba.json(&["session", "list"]);
    let tsih = |v: &Value| {
        let mut t: Vec<(String, i64)> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|s| {
                (
                    s["target"].as_str().unwrap_or_default().to_owned(),
                    s["tsih"].as_i64().unwrap_or_default(),
                )
            })
            .collect();
        t.sort();
        t
    };
    if daemon {
        assert_eq!(tsih(&again), tsih(&sessions), "{sessions}\n{again}");
    } else {
        assert_ne!(tsih(&again), tsih(&sessions), "{sessions}\n{again}");
    }

    // Events: with the daemon, another process's logout reaches a watching imadm.
    let watcher = daemon.then(|| {
        let mut child = hba
            .imadm(&["events", "watch", "--count", "2", "--timeout", "30"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("imadm events watch");
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(
            child.stdout.take().expect("stdout"),
        ));
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        // No pause needed: the plugin's Initialize returns only once the daemon has
        // acknowledged its event subscription, and "watching" comes after it.
        assert!(first.contains("watching"), "{first}");
        (child, lines)
    });

    // Logout of A closes its session.
    let out = hba.json(&["session", "logout", TARGET_A]);
    assert_eq!(out["closed"], 1, "{out}");

    if let Some((mut child, lines)) = watcher {
        let events: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(child.wait().expect("watcher").success());
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(
            events.iter().any(|e| e.contains("session")),
            "the session went: {events:?}"
        );
    }

    // Statistics: the logins and scans were counted.
    let stats = hba.json(&["stats", TARGET_A]);
    let sent = stats["targets"][0]["device"]["iscsi_pdus_sent"]
        .as_i64()
        .expect("pdus");
    assert!(sent > 0, "{stats}");
    assert_eq!(stats["targets"][0]["errors"]["login_failed"], 0, "{stats}");

    // Discovery switches through the iscsiadm form, shown as JSON.
    let d = hba.json(&["modify", "discovery", "--static", "disable"]);
    assert_eq!(d["static_enabled"], false, "{d}");
    assert_eq!(d["sendtargets_enabled"], true, "{d}");
}

/// `imadm --help` names every command, and the exit codes.
#[test]
fn help_lists_every_command() {
    let out = Command::new(IMADM).arg("--help").output().expect("imadm");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for command in [
        "library show",
        "plugin show",
        "node show",
        "node set",
        "hba list",
        "hba show",
        "hba rescan",
        "discovery show",
        "discovery enable|disable",
        "discovery sendtargets",
        "discovery isns",
        "discovery-address add|remove",
        "discovery-address list",
        "static-config add|remove",
        "static-config list",
        "target list",
        "target show",
        "target-param show",
        "param show",
        "param set",
        "auth show",
        "auth set",
        "lu list",
        "lu inquiry",
        "lu capacity",
        "lu report-luns",
        "session list",
        "session show",
        "session login",
        "session logout",
        "stats",
        "events watch",
        "demo",
        "list target",
        "add discovery-address",
        "modify initiator-node",
        "modify discovery",
        "list initiator-node",
        "Exit codes",
    ] {
        assert!(help.contains(command), "--help lacks {command:?}:\n{help}");
    }
    let out = Command::new(IMADM)
        .arg("--version")
        .output()
        .expect("imadm");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("imadm "));
}

/// `imadm demo` runs the whole stack against the in-process target and succeeds.
#[test]
fn demo_succeeds() {
    let out = Command::new(IMADM)
        .arg("demo")
        .env_remove("IMA_LIB")
        .env_remove("IMA_CONF")
        .output()
        .expect("imadm demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("every step succeeded"), "{stdout}");
    assert!(stdout.contains("Authentication:      chap"), "{stdout}");
    assert!(
        !stdout.contains("demo-chap-secret"),
        "the secret is never printed"
    );
}

/// `discovery isns` lists an iSNS server's targets in open-iscsi's form; `discovery
/// enable isns --server` switches the method on through IMA (shown by `discovery show`,
/// targets marked `isns`); a stopped server is a plain error, at once.
#[test]
fn imadm_discovery_through_isns() {
    const ARRAY: &str = "iqn.2026-12.test.imadm:array";
    const DISK: &str = "iqn.2026-12.test.imadm:isns-disk";
    let dir = std::env::temp_dir().join(format!("imadm-isnsd-{}", std::process::id()));
    let mut isnsd =
        Isnsd::start(&dir).expect("isnsd must be installed and start (scripts/test.sh)");
    isnsd
        .register_target("array", ARRAY, &[(3262, 5), (3263, 6)])
        .expect("register");
    isnsd
        .register_target("disk", DISK, &[(3264, 1)])
        .expect("register");
    let server = format!("127.0.0.1:{}", isnsd.port());
    let hba = Hba::new("isns", false);

    let out = hba.ok(&["discovery", "isns", &server]);
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            format!("127.0.0.1:3262,5 {ARRAY}"),
            format!("127.0.0.1:3263,6 {ARRAY}"),
            format!("127.0.0.1:3264,1 {DISK}"),
        ],
        "{out}"
    );
    let json = hba.json(&["discovery", "isns", &server]);
    assert_eq!(json.as_array().map(Vec::len), Some(3), "{json}");

    hba.ok(&["discovery", "enable", "isns", "--server", &server]);
    let d = hba.json(&["discovery", "show"]);
    assert_eq!(d["isns_enabled"], true, "{d}");
    assert_eq!(d["isns_server"], "127.0.0.1", "{d}");
    let targets = hba.json(&["target", "list"]);
    let mut found = names(&targets, "name");
    found.sort();
    assert_eq!(found, [ARRAY, DISK], "{targets}");
    assert_eq!(targets[0]["discovery_methods"][0], "isns", "{targets}");
    hba.ok(&["discovery", "disable", "isns"]);
    let d = hba.json(&["discovery", "show"]);
    assert_eq!(d["isns_enabled"], false, "{d}");
    let (code, err) = hba.fails(&["discovery", "enable", "static", "--server", &server]);
    assert_eq!(code, 2, "{err}");

    isnsd.stop();
    let start = std::time::Instant::now();
    let (code, err) = hba.fails(&["discovery", "isns", &server]);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("iSNS") && err.contains(&server), "{err}");
}

/// `lu expose` in embedded mode: the URI is printed, and the export ends with the process
/// (its socket is gone, the next process sees the LU unexposed).
#[test]
fn imadm_exposes_an_lu_for_the_life_of_the_process() {
    expose_an_lu(false);
}

/// `lu expose` through iscsi-hbad: the export outlives the imadm process; nbdinfo and
/// nbdcopy use it; `lu list` shows it; `lu unexpose` removes it, and tgt's file holds the data.
#[test]
fn imadm_exposes_an_lu_through_the_daemon() {
    expose_an_lu(true);
}

fn expose_an_lu(daemon: bool) {
    let tag = if daemon { "xd" } else { "xe" };
    let dir = std::env::temp_dir().join(format!("imadm-tgtd-{}-{tag}", std::process::id()));
    let mut tgtd =
        Tgtd::start(&dir).expect("tgtd must be installed and start (scripts/test.sh installs it)");
    let (_, file) = tgtd.add_target(TARGET_A, 16 * MIB).expect("target a");
    let portal = format!("127.0.0.1:{}", tgtd.port());
    let hba = Hba::new(&format!("tgtd-{tag}"), daemon);
    hba.ok(&["discovery-address", "add", &portal]);

    // Embedded, the socket goes under a long runtime directory: the URI is longer than
    // IMA's 63-character OS device name, and imadm still shows all of it (EXPORT_URI).
    let exposed = if daemon {
        hba.json(&["lu", "expose", TARGET_A, "1"])
    } else {
        // Short enough for a socket path (108 bytes), long enough for a URI over 63.
        let runtime = hba.dir.join("runtime");
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        let out = hba
            .imadm(&["--json", "lu", "expose", TARGET_A, "1"])
            .env("XDG_RUNTIME_DIR", &runtime)
            .output()
            .expect("imadm");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let uri = v["export"].as_str().expect("URI");
        assert!(
            uri.len() > 63 && uri.contains(&*runtime.to_string_lossy()),
            "{uri}"
        );
        v
    };
    assert_eq!(exposed["exposed"], true, "{exposed}");
    let uri = exposed["export"]
        .as_str()
        .expect("an export URI")
        .to_owned();
    assert!(uri.starts_with("nbd+unix:///"), "{uri}");
    let socket = PathBuf::from(uri.split("?socket=").nth(1).expect("socket in the URI"));
    let lus = hba.json(&["lu", "list", TARGET_A]);
    let disk = lus
        .as_array()
        .expect("array")
        .iter()
        .find(|l| l["lun"] == 1)
        .unwrap_or_else(|| panic!("no LUN 1: {lus}"))
        .clone();
    if !daemon {
        assert!(!socket.exists(), "the export outlived its process");
        assert_eq!(disk["exposed"], false, "{lus}");
        let (code, err) = hba.fails(&["lu", "unexpose", TARGET_A, "1"]);
        assert_ne!(code, 0, "{err}");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    assert_eq!(disk["export"], uri.as_str(), "{lus}");
    let tool = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e} (scripts/test.sh installs libnbd-bin)"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        tool("nbdinfo", &["--size", &uri]).trim(),
        (16 * MIB).to_string()
    );
    let data: Vec<u8> = (0..4 * MIB as usize).map(|i| (i * 7 % 251) as u8).collect();
    let src = dir.join("src.img");
    std::fs::write(&src, &data).expect("source");
    tool("nbdcopy", &["--flush", &src.display().to_string(), &uri]);
    // Exposing it again: LU_EXPOSED.
    let (code, err) = hba.fails(&["lu", "expose", TARGET_A, "1"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("LU_EXPOSED"), "{err}");
    hba.ok(&["lu", "unexpose", TARGET_A, "1"]);
    assert!(!socket.exists(), "socket left behind");
    let lus = hba.json(&["lu", "list", TARGET_A]);
    assert!(
        lus.as_array()
            .expect("array")
            .iter()
            .all(|l| l["exposed"] == false),
        "{lus}"
    );
    let backing = std::fs::read(&file).expect("backing file");
    assert!(backing[..data.len()] == data[..], "tgt's file differs");
    let _ = std::fs::remove_dir_all(&dir);
}
