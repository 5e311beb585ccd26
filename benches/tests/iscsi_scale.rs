//! `iscsi-scale` end to end: 20 sessions from one process against `bench-target`, and the
//! refusal when the open-file hard limit cannot cover the sessions asked for.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use serde_json::Value;

const SCALE: &str = env!("CARGO_BIN_EXE_iscsi-scale");
const BENCH_TARGET: &str = env!("CARGO_BIN_EXE_bench-target");

/// `bench-target` with an 8 MiB LU, killed on drop.
struct Target {
    child: Child,
    url: String,
}

impl Target {
    fn start() -> Self {
        let mut child = Command::new(BENCH_TARGET)
            .arg("8")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start bench-target");
        let mut url = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut url)
            .expect("bench-target prints its URL");
        Self {
            child,
            url: url.trim().to_owned(),
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn twenty_sessions_log_in_read_and_log_out() {
    let target = Target::start();
    assert!(
        target.url.starts_with("iscsi://127.0.0.1:"),
        "{}",
        target.url
    );
    let out = Command::new(SCALE)
        .args([
            "--sessions",
            "20",
            "--bucket",
            "5",
            "--concurrency",
            "4",
            "-t",
            "1",
        ])
        .arg("--json")
        .arg(&target.url)
        .output()
        .expect("run iscsi-scale");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "iscsi-scale failed: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON report");

    assert_eq!(report["sessions"], 20);
    assert_eq!(report["requested"], 20);
    assert_eq!(report["login_error"], Value::Null);
    assert_eq!(report["logout_errors"], 0);
    assert!(report["logins_per_s"].as_f64().unwrap() > 0.0);
    let buckets = report["buckets"].as_array().expect("buckets");
    let open: Vec<u64> = buckets
        .iter()
        .map(|b| b["sessions"].as_u64().unwrap())
        .collect();
    assert_eq!(open, [5, 10, 15, 20]);
    assert!(buckets.iter().all(|b| b["logins"] == 5));
    // Resident memory is measured (VmRSS moved) and plausible: well under 1 MiB a session.
    let kib = report["kib_per_session"].as_f64().unwrap();
    assert!(kib > 0.0 && kib < 1024.0, "{kib} KiB per session");
    assert!(report["rss_idle_kib"].as_u64().unwrap() > report["rss_before_kib"].as_u64().unwrap());
    let io = &report["io"];
    assert!(io["ios"].as_u64().unwrap() > 0, "{io}");
    assert_eq!(io["errors"], 0);
    assert_eq!(io["in_flight_per_session"], 1);
    // The open-file limit covers the sessions and the spare descriptors.
    assert!(report["open_files"]["soft"].as_u64().unwrap() >= 20 + 64);
}

#[test]
fn more_sessions_than_the_hard_open_file_limit_are_refused_before_connecting() {
    // 2^20 sessions (the most it takes) need more descriptors than Linux allows a process
    // by default (fs.nr_open, 2^20); the URL's port is closed, so getting past the check
    // would fail differently.
    let out = Command::new(SCALE)
        .args([
            "--sessions",
            "1048576",
            "iscsi://127.0.0.1:1/iqn.2026-12.invalid:none/0",
        ])
        .output()
        .expect("run iscsi-scale");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("1048640 open files needed") && stderr.contains("hard limit"),
        "{stderr}"
    );
}
