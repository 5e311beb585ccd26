//! `iscsi-bench`'s command line against `bench-target` (our in-process target on loopback):
//! flags, usage errors (exit 2), the `--json` summary, writes and login keys, and Ctrl-C
//! (SIGINT: summary, logout, exit 0; `-t 0` runs until it comes).

use std::{
    io::{BufRead, BufReader, Read},
    net::TcpListener,
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;

const BENCH: &str = env!("CARGO_BIN_EXE_iscsi-bench");

/// `bench-target` with a 1 MiB LU, killed when dropped.
struct Target {
    child: Child,
    url: String,
}

impl Target {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bench-target"))
            .arg("1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("bench-target starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut url = String::new();
        BufReader::new(stdout)
            .read_line(&mut url)
            .expect("bench-target prints its URL");
        let url = url.trim().to_owned();
        assert!(url.starts_with("iscsi://"), "{url:?}");
        Self { child, url }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bench(args: &[&str]) -> Output {
    Command::new(BENCH)
        .args(args)
        .output()
        .expect("iscsi-bench runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn usage_errors_exit_2_and_refuse_out_of_range_values() {
    let url = "iscsi://127.0.0.1:1/iqn.2026-01.invalid:t/0";
    for args in [
        vec!["-m", "0", url],
        vec!["-m", "1025", url],
        vec!["-b", "0", url],
        vec!["-b", "65537", url],
        vec!["-t", "-1", url],
        vec!["--mixed", "70", url],
        vec!["--write", "--mixed", "101", url],
        vec!["--immediate-data", "maybe", url],
        vec!["--bogus", url],
        vec!["-m", "4"],
    ] {
        let out = bench(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0_and_help_names_units_and_flags() {
    let out = bench(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in [
        "--initiator-name",
        "--max",
        "--blocks",
        "--runtime",
        "--random",
        "--logging",
        "--ignore-errors",
        "--max-reconnects",
        "--write",
        "--mixed",
        "--immediate-data",
        "--initial-r2t",
        "--json",
        "MB = 10^6 bytes",
        "MiB = 2^20 bytes",
        "Ctrl-C",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
    let out = bench(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("iscsi-bench "));
}

#[test]
fn json_summary_of_a_read_run() {
    let target = Target::start();
    let out = bench(&["-t", "1", "-m", "4", "-b", "8", "--json", &target.url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    assert_eq!(v["mode"], "read");
    assert_eq!(v["read_percent"], 100);
    assert_eq!(v["in_flight"], 4);
    assert_eq!(v["blocks_per_io"], 8);
    assert_eq!(v["block_size"], 512);
    assert_eq!(v["interrupted"], false);
    assert_eq!(v["errors"], 0);
    let ios = v["ios"].as_u64().expect("ios");
    assert!(ios > 0);
    assert_eq!(v["reads"].as_u64(), Some(ios));
    assert_eq!(v["writes"].as_u64(), Some(0));
    assert_eq!(v["bytes"].as_u64(), Some(ios * 4096));
    let f = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} is a number"));
    assert!(f("seconds") >= 1.0);
    let mb = f("mb_per_s");
    assert!((f("mib_per_s") * 1.048_576 - mb).abs() < mb * 1e-6 + 1e-9);
    let lat = |k: &str| {
        v["latency_us"][k]
            .as_f64()
            .unwrap_or_else(|| panic!("latency {k}"))
    };
    assert!(lat("p50") > 0.0 && lat("p50") <= lat("p99") && lat("p99") <= lat("max"));
    assert!(f("cpu_us_per_io") >= 0.0 && f("cpu_seconds") >= 0.0);
}

/// iscsi-floor (the protocol core on blocking sockets) logs in, reads every byte it asked
/// for and reports in iscsi-bench's field names, which compare.py reads.
#[test]
fn iscsi_floor_reads_every_byte_and_reports_json() {
    let target = Target::start();
    let out = Command::new(env!("CARGO_BIN_EXE_iscsi-floor"))
        .args(["-t", "1", "-m", "2", "-b", "8", "--json", &target.url])
        .output()
        .expect("run iscsi-floor");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    let ios = v["ios"].as_u64().expect("ios");
    assert!(ios > 0);
    assert_eq!(v["bytes"].as_u64(), Some(ios * 4096));
    for k in [
        "seconds",
        "iops",
        "mb_per_s",
        "cpu_seconds",
        "cpu_us_per_io",
    ] {
        assert!(v[k].as_f64().is_some_and(|x| x >= 0.0), "{k}: {v}");
    }
    // A target that is not there is a failure, not a hang.
    let out = Command::new(env!("CARGO_BIN_EXE_iscsi-floor"))
        .args(["-t", "1", "iscsi://127.0.0.1:1/iqn.2026-01.invalid:none/0"])
        .output()
        .expect("run iscsi-floor");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // Nor is a target that takes the connection and never answers the login.
    let silent = TcpListener::bind("127.0.0.1:0").expect("listener");
    let url = format!(
        "iscsi://{}/iqn.2026-01.invalid:silent/0",
        silent.local_addr().expect("address")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_iscsi-floor"))
        .args(["-t", "1", "--io-timeout", "1", &url])
        .output()
        .expect("run iscsi-floor");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("read"), "{}", text(&out.stderr));
}

#[test]
fn mixed_writes_warn_and_offer_the_login_keys_asked_for() {
    let target = Target::start();
    let out = bench(&[
        "-t",
        "1",
        "-r",
        "--write",
        "--mixed",
        "70",
        "--immediate-data",
        "no",
        "--initial-r2t",
        "yes",
        "--json",
        &target.url,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("WARNING: --write overwrites the data"),
        "{}",
        text(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["mode"], "mixed");
    assert_eq!(v["read_percent"], 70);
    assert_eq!(v["random"], true);
    // bench-target answers InitialR2T=No and ImmediateData=Yes: the result is our offer.
    assert_eq!(v["immediate_data"], false);
    assert_eq!(v["initial_r2t"], true);
    let (reads, writes) = (
        v["reads"].as_u64().unwrap_or(0),
        v["writes"].as_u64().unwrap_or(0),
    );
    assert!(
        reads > writes && writes > 0,
        "{reads} reads, {writes} writes"
    );

    let out = bench(&["-t", "1", "--write", "--json", &target.url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["mode"], "write");
    assert_eq!(v["reads"], 0);
    assert_eq!(v["immediate_data"], true);
    assert_eq!(v["initial_r2t"], false);
}

#[test]
fn more_blocks_than_the_lu_is_a_failure_not_a_usage_error() {
    let target = Target::start();
    // The LU is 1 MiB: 2048 blocks.
    let out = bench(&["-t", "1", "-b", "4096", &target.url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("more than the LU's 2048 blocks"));
}

#[test]
fn text_summary_labels_units() {
    let target = Target::start();
    let out = bench(&["-t", "1", "-m", "2", &target.url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("MB = 10^6 bytes, MiB = 2^20 bytes"),
        "{stdout}"
    );
    assert!(stdout.contains("latency us: p50 "), "{stdout}");
    assert!(stdout.contains("us per I/O"), "{stdout}");
}

/// `-t 0` runs until Ctrl-C; the first SIGINT drains, prints the summary, logs out and
/// exits 0.
#[test]
fn sigint_prints_the_summary_and_exits_0() {
    let target = Target::start();
    let mut child = Command::new(BENCH)
        .args(["-t", "0", "-m", "8", &target.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("iscsi-bench starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    // The first line comes after login, once SIGINT is handled.
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    assert!(first.contains("until Ctrl-C"), "{first}");
    // Past -t 0's old meaning (1 s), it still runs.
    thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "-t 0 stopped by itself"
    );
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: kill(2) on our own child's PID, which has not been reaped yet.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        let _ = tx.send(rest);
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit 20 s after SIGINT");
        thread::sleep(Duration::from_millis(20));
    };
    let rest = rx.recv_timeout(Duration::from_secs(5)).expect("stdout");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert_eq!(status.code(), Some(0), "{rest}\n{stderr}");
    assert!(rest.contains("iops average "), "{rest}");
    assert!(rest.contains("stopped by Ctrl-C"), "{rest}");
}

/// Ctrl-C before there is anything to summarise (a login the target never answers) exits
/// at once with 130, as an interrupted process.
#[test]
fn sigint_during_login_exits_130() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut child = Command::new(BENCH)
        .args([
            "-t",
            "0",
            &format!("iscsi://127.0.0.1:{port}/iqn.2026-01.invalid:t/0"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("iscsi-bench starts");
    // Accepted, never answered: the login waits.
    let (_conn, _) = listener.accept().expect("iscsi-bench connects");
    // The handler is installed before the connection is opened.
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: kill(2) on our own child's PID, which has not been reaped yet.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit 10 s after SIGINT");
        thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted during login"), "{stderr}");
}
