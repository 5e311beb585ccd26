//! End-to-end tests of libima.so through a C client compiled against `ima-lib/include/ima.h`.
//!
//! How the artifacts are found: this crate has `ima-lib` and `ima-fake-plugin` as
//! dev-dependencies. Cargo builds every crate type of a dependency's lib target, so
//! `libima.so` and `libima_fake_plugin.so` exist in `target/<profile>/deps/` (the directory of
//! this test executable) before any test runs, whether `cargo test` was run for this package
//! or for the whole workspace. We look there first and then one level up (the uplifted copies),
//! and fail with a clear message otherwise. No nested `cargo build` is needed (it would wait on
//! the build lock the outer cargo holds).
//!
//! The C client (`c/ima_client.c`) and a minimal C plugin (`c/minimal_plugin.c`) are compiled
//! with `cc` (gcc is installed by scripts/test.sh); each scenario gets its own directory with
//! copies of the fake plugin (a separate instance per copy), their `.cfg` files, an
//! `ima.conf` (`IMA_CONF`) and a shared-node state file (`IMA_NODE_STATE`).
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use iscsi_integration_tests::hba::artifact;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn include_dir() -> PathBuf {
    Path::new(MANIFEST).join("../../ima-lib/include")
}

fn run_cc(args: &[&std::ffi::OsStr]) {
    let out = Command::new("cc")
        .args(args)
        .output()
        .expect("cc must be installed (scripts/test.sh)");
    assert!(
        out.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compiled once per test process: (client, minimal plugin).
fn binaries() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ima-c-client-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let libdir = iscsi_integration_tests::hba::libima_dir();
        let include = include_dir();
        let c = Path::new(MANIFEST).join("c");
        let client = dir.join("ima_client");
        let plugin = dir.join("libminimal_plugin.so");
        let rpath = format!("-Wl,-rpath,{}", libdir.display());
        let l = format!("-L{}", libdir.display());
        let i = format!("-I{}", include.display());
        run_cc(&[
            "-std=gnu11".as_ref(),
            "-Wall".as_ref(),
            "-Wextra".as_ref(),
            "-Werror".as_ref(),
            i.as_ref(),
            c.join("ima_client.c").as_os_str(),
            "-o".as_ref(),
            client.as_os_str(),
            l.as_ref(),
            "-lima".as_ref(),
            "-lpthread".as_ref(),
            rpath.as_ref(),
        ]);
        run_cc(&[
            "-std=gnu11".as_ref(),
            "-Wall".as_ref(),
            "-Wextra".as_ref(),
            "-Werror".as_ref(),
            "-shared".as_ref(),
            "-fPIC".as_ref(),
            i.as_ref(),
            c.join("minimal_plugin.c").as_os_str(),
            "-o".as_ref(),
            plugin.as_os_str(),
        ]);
        (client, plugin)
    })
}

/// One scenario directory with its configuration.
struct Scenario {
    dir: PathBuf,
    conf: String,
}

impl Scenario {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ima-scenario-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            dir,
            conf: String::new(),
        }
    }

    /// Copies the fake plugin to `<file>` with `cfg` and adds a config line for it.
    fn fake(&mut self, file: &str, cfg: &str) -> PathBuf {
        let path = self.dir.join(file);
        std::fs::copy(artifact("libima_fake_plugin.so"), &path).unwrap();
        std::fs::write(self.dir.join(format!("{file}.cfg")), cfg).unwrap();
        self.line(&format!("com.example.{file}\t{}", path.display()));
        path
    }

    fn line(&mut self, line: &str) {
        self.conf.push_str(line);
        self.conf.push('\n');
    }

    /// Runs the client (60 s limit); returns stdout, asserting it exited 0 if `ok`.
    fn run(&self, args: &[&str], ok: bool) -> String {
        let (client, _) = binaries();
        std::fs::write(self.dir.join("ima.conf"), &self.conf).unwrap();
        let mut child = Command::new(client)
            .args(args)
            .env("IMA_CONF", self.dir.join("ima.conf"))
            .env("IMA_NODE_STATE", self.dir.join("node-state"))
            // The soft plugin's engine keeps its state here, not in the system's file.
            .env("ISCSI_HBA_STATE", self.dir.join("hba.json"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("ima_client {args:?} hung (deadlock?)");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if ok {
            assert!(
                out.status.success(),
                "ima_client {args:?} failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        stdout
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn lines_with<'a>(out: &'a str, prefix: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.starts_with(prefix)).collect()
}

fn value(out: &str, key: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no `{key}` in output:\n{out}"))
        .to_owned()
}

fn two_plugins(name: &str) -> Scenario {
    let mut s = Scenario::new(name);
    s.line("# two fake plugins");
    s.line("@node-name iqn.2025-01.invalid.test:client");
    s.fake("p1.so", "vendor=alpha\nlhbas=1\n");
    s.fake("p2.so", "vendor=beta\nlhbas=2\nlnps=2\n");
    s
}

#[test]
fn lists_plugins_lhbas_and_phbas_from_two_plugins() {
    let s = two_plugins("report");
    let out = s.run(&["report"], true);
    assert_eq!(
        lines_with(&out, "plugin "),
        ["plugin 1 alpha", "plugin 2 beta"],
        "{out}"
    );
    assert_eq!(value(&out, "lhba_status"), "0x0");
    assert_eq!(
        lines_with(&out, "lhba "),
        ["lhba 3 1 100", "lhba 3 2 100", "lhba 3 2 101"]
    );
    assert_eq!(lines_with(&out, "phba "), ["phba 4 1 200", "phba 4 2 200"]);
    assert_eq!(lines_with(&out, "lnp "), ["lnp 7 2 300", "lnp 7 2 301"]);
    assert_eq!(value(&out, "node_count"), "0");
    // Each plugin is asked once per aggregate call, and every plugin list was freed.
    assert_eq!(
        lines_with(&out, "lhba_calls"),
        ["lhba_calls 1 1", "lhba_calls 2 1"]
    );
    assert_eq!(
        lines_with(&out, "live_lists"),
        ["live_lists 1 0", "live_lists 2 0"]
    );
    assert_eq!(value(&out, "library_version"), "1");
    assert!(
        value(&out, "library_file").ends_with("libima.so.1"),
        "{out}"
    );
    // Terminate ran at exit, with the ownerIds assigned in file order.
    assert_eq!(
        std::fs::read_to_string(s.dir.join("p1.so.terminated")).unwrap(),
        "1"
    );
    assert_eq!(
        std::fs::read_to_string(s.dir.join("p2.so.terminated")).unwrap(),
        "2"
    );
}

#[test]
fn bad_arguments_get_the_exact_status_codes() {
    let s = two_plugins("badargs");
    let out = s.run(&["badargs"], true);
    let cases: usize = value(&out, "distinct bad-argument cases:").parse().unwrap();
    assert!(cases >= 40, "only {cases} bad-argument cases:\n{out}");
    assert!(out.contains(", 0 failed"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}

#[test]
fn eight_threads_call_concurrently() {
    let s = two_plugins("threads");
    let out = s.run(&["threads"], true);
    assert!(
        out.contains("threads: 8 x 300 iterations, 3 lhbas each"),
        "{out}"
    );
}

#[test]
fn shared_node_policy_is_persisted_and_pushed_to_plugins() {
    let s = two_plugins("node");
    s.run(&["node", "iqn.2025-01.invalid.test:client"], true);
    let state = std::fs::read_to_string(s.dir.join("node-state")).unwrap();
    assert_eq!(state, "name=iqn.2025-01.invalid.test:renamed\nalias=\n");
    // The persisted name wins over the configured one in the next process.
    let out = s.run(&["report"], true);
    assert_eq!(
        value(&out, "shared_name"),
        "iqn.2025-01.invalid.test:renamed"
    );
}

#[test]
fn generated_node_name_when_nothing_is_configured() {
    let mut s = Scenario::new("generated");
    s.fake("p1.so", "");
    let out = s.run(&["report"], true);
    let name = value(&out, "shared_name");
    assert!(name.starts_with("iqn.2025-01.invalid.iscsi-ima:"), "{name}");
    let state = std::fs::read_to_string(s.dir.join("node-state")).unwrap();
    assert_eq!(state, format!("name={name}\nalias=\n"));
}

#[test]
fn callbacks_are_fanned_out_without_locks() {
    let s = two_plugins("callbacks");
    let out = s.run(&["callbacks"], true);
    assert!(
        out.contains("events visible=2 hidden=2 foreign=0 nested=4"),
        "{out}"
    );
}

#[test]
fn missing_symbols_are_skipped_or_not_supported() {
    let mut s = Scenario::new("missing");
    let (_, minimal) = binaries();
    s.line(&format!("org.example.minimal {}", minimal.display()));
    s.fake("p2.so", "lnps=1\nmisbehave=null_list\n");
    let out = s.run(&["report"], true);
    // The C plugin lacks IMA_GetPhbaOidList and returns a NULL LNP list: skipped, not fatal.
    assert_eq!(
        lines_with(&out, "lhba "),
        ["lhba 3 1 7", "lhba 3 2 100"],
        "{out}"
    );
    assert_eq!(lines_with(&out, "phba "), ["phba 4 2 200"]);
    assert_eq!(value(&out, "phba_status"), "0x0");
    assert_eq!(lines_with(&out, "lnp "), ["lnp 7 2 300"]);
    assert_eq!(lines_with(&out, "plugin 1"), ["plugin 1 status 0x80000001"]);
    let out = s.run(
        &[
            "status",
            "GetLhbaProperties:3:1:7",
            "RemoveStaleData:3:2:100",
            "GetSessionOidList:3:2:100",
            "GetLhbaProperties:3:2:100",
            "GetLhbaProperties:3:3:100",
        ],
        true,
    );
    assert_eq!(
        out.lines().take(5).collect::<Vec<_>>(),
        [
            "GetLhbaProperties 3 1 7 0x80000001",
            "RemoveStaleData 3 2 100 0x80000001",
            "GetSessionOidList 3 2 100 0x80000004",
            "GetLhbaProperties 3 2 100 0x0",
            "GetLhbaProperties 3 3 100 0xc0000003",
        ]
    );
}

#[test]
fn oversized_plugin_list_is_refused() {
    let mut s = Scenario::new("huge");
    s.fake("p1.so", "misbehave=huge_list\n");
    let out = s.run(
        &[
            "status",
            "GetSessionOidList:3:1:100",
            "GetTargetOidList:3:1:100",
        ],
        true,
    );
    assert_eq!(
        out.lines().take(2).collect::<Vec<_>>(),
        [
            "GetSessionOidList 3 1 100 0x80000004",
            "GetTargetOidList 3 1 100 0x0"
        ]
    );
}

#[test]
fn plugin_errors_are_skipped_in_aggregates() {
    let mut s = Scenario::new("errors");
    s.fake(
        "p1.so",
        "status=IMA_GetLhbaOidList:0x80000008\nstatus=IMA_GetLhbaProperties:0x80000009\n",
    );
    s.fake("p2.so", "lhbas=2\n");
    let out = s.run(&["report"], true);
    assert_eq!(value(&out, "lhba_status"), "0x0");
    assert_eq!(lines_with(&out, "lhba "), ["lhba 3 2 100", "lhba 3 2 101"]);
    let out = s.run(&["status", "GetLhbaProperties:3:1:100"], true);
    assert!(
        out.starts_with("GetLhbaProperties 3 1 100 0x80000009"),
        "{out}"
    );

    // When every plugin fails, the first error is returned.
    let mut s = Scenario::new("errors-all");
    s.fake("p1.so", "status=IMA_GetLhbaOidList:0x80000008\n");
    s.fake("p2.so", "status=IMA_GetLhbaOidList:0x80000004\n");
    let out = s.run(&["report"], true);
    assert_eq!(value(&out, "lhba_status"), "0x80000008");
    assert_eq!(value(&out, "phba_status"), "0x0");
}

#[test]
fn malformed_config_lines_are_ignored() {
    let mut s = Scenario::new("malformed");
    let long_dir = s.dir.join("d".repeat(200)).join("e".repeat(60));
    std::fs::create_dir_all(&long_dir).unwrap();
    let long_path = long_dir.join("p.so");
    std::fs::copy(artifact("libima_fake_plugin.so"), &long_path).unwrap();
    assert!(long_path.as_os_str().len() > 255);
    s.line("no-separator-line");
    s.line(" /leading/space/means/empty/name.so");
    s.line("name-without-path   ");
    s.line(&format!("{}\t/x.so", "n".repeat(64)));
    s.line(&format!("com.example.long\t{}", long_path.display()));
    s.line(&format!("com.example.huge\t/{}", "x".repeat(600)));
    s.line("com.example.absent\t/nonexistent/plugin.so");
    s.line("@unknown-directive x");
    s.fake("good.so", "vendor=good\n");
    let crlf = s.dir.join("crlf.so");
    std::fs::copy(artifact("libima_fake_plugin.so"), &crlf).unwrap();
    std::fs::write(s.dir.join("crlf.so.cfg"), "vendor=crlf\n").unwrap();
    s.line(&format!("com.example.crlf \t {} \r", crlf.display()));
    let out = s.run(&["report"], true);
    assert_eq!(value(&out, "plugins"), "2", "{out}");
    assert_eq!(
        lines_with(&out, "plugin "),
        ["plugin 1 good", "plugin 2 crlf"]
    );
}

#[test]
fn no_more_than_32_plugins_are_configured() {
    let mut at_limit = Scenario::new("limit32");
    for i in 0..31 {
        at_limit.line(&format!("com.example.absent{i}\t/nonexistent/{i}.so"));
    }
    at_limit.fake("good.so", "vendor=good\n");
    assert_eq!(value(&at_limit.run(&["report"], true), "plugins"), "1");

    let mut over = Scenario::new("limit33");
    for i in 0..32 {
        over.line(&format!("com.example.absent{i}\t/nonexistent/{i}.so"));
    }
    over.fake("good.so", "vendor=good\n");
    assert_eq!(value(&over.run(&["report"], true), "plugins"), "0");
}

#[test]
fn no_configuration_means_no_plugins() {
    let s = Scenario::new("noconf");
    let out = s.run(&["report"], true);
    assert_eq!(value(&out, "plugins"), "0");
    assert_eq!(value(&out, "lhba_count"), "0");
}

/// The real plugin (`libima_plugin_soft.so`) behind libima.so, next to a fake plugin:
/// plugin properties, the four system-wide lists, ownerIds stamped, PHBA properties, stale
/// data and sessions answered, NOT_SUPPORTED (not UNEXPECTED_OS_ERROR) for what the plugin
/// cannot do.
#[test]
fn soft_plugin_answers_through_the_library() {
    let mut s = Scenario::new("soft");
    s.fake("p1.so", "vendor=alpha\nlhbas=1\n");
    let soft = artifact("libima_plugin_soft.so");
    s.line(&format!("com.example.soft\t{}", soft.display()));
    let out = s.run(&["report"], false);
    assert_eq!(
        lines_with(&out, "plugin "),
        ["plugin 1 alpha", "plugin 2 iscsi-ima"],
        "{out}"
    );
    assert_eq!(value(&out, "lhba_status"), "0x0", "{out}");
    assert_eq!(
        lines_with(&out, "lhba "),
        ["lhba 3 1 100", "lhba 3 2 1"],
        "{out}"
    );
    assert_eq!(
        lines_with(&out, "phba "),
        ["phba 4 1 200", "phba 4 2 1"],
        "{out}"
    );
    for kind in ["phba", "lnp", "node"] {
        assert_eq!(value(&out, &format!("{kind}_status")), "0x0", "{out}");
    }
    // One LNP per host interface (the loopback one at least).
    assert_ne!(value(&out, "lnp_count"), "0", "{out}");
    assert_eq!(value(&out, "node_count"), "0", "{out}");
    let out = s.run(
        &[
            "status",
            "GetPhbaProperties:4:2:1",
            "GetLhbaProperties:3:2:1",
            "GetPhbaProperties:4:2:5",
            "GetPhbaProperties:3:2:1",
            "RemoveStaleData:3:2:1",
            "GetSessionOidList:3:2:1",
            "GetTargetOidList:3:2:1",
            "GetPhbaDownloadProperties:4:2:1",
            "GetPhbaDownloadProperties:4:2:7",
        ],
        true,
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "GetPhbaProperties 4 2 1 0x0",
            "GetLhbaProperties 3 2 1 0x0",
            "GetPhbaProperties 4 2 5 0xc0000003",
            "GetPhbaProperties 3 2 1 0xc0000002",
            "RemoveStaleData 3 2 1 0x0",
            "GetSessionOidList 3 2 1 0x0",
            // No discovery address yet: an empty list.
            "GetTargetOidList 3 2 1 0x0",
            // A PHBA that exists but cannot do the call, and one that does not exist.
            "GetPhbaDownloadProperties 4 2 1 0x80000001",
            "GetPhbaDownloadProperties 4 2 7 0xc0000003",
            "0 checks, 0 failed",
        ],
        "{out}"
    );
}
