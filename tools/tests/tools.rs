//! The command-line tools against the test target over loopback TCP, for faults a real
//! target does not show on demand.

use std::{process::Command, time::Duration};

use iscsi_test_target::{DEFAULT_TARGET_NAME, TargetConfig, TestTarget};

/// A file of `len` patterned bytes in a fresh temporary directory.
fn pattern_file(len: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "iscsi-dd-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("src.img");
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, data).expect("write the source file");
    (dir, file)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// `iscsi-dd` to a target that answers the first write GOOD without taking its data must
/// not print "copied" or exit 0; it says how much the target acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iscsi_dd_does_not_report_a_write_the_target_did_not_take() {
    let target = TestTarget::start(TargetConfig::default())
        .await
        .expect("test target");
    target
        .target()
        .update_faults(|f| f.write_early_good = Some(1));
    let (dir, file) = pattern_file(4 << 20);
    let url = format!("iscsi://{}/{DEFAULT_TARGET_NAME}/0", target.addr());
    let dd = env!("CARGO_BIN_EXE_iscsi-dd");
    let file_arg = file.to_string_lossy().into_owned();
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            Command::new(dd)
                .args(["-s", &file_arg, "-d", &url])
                .env("ISCSI_INITIATOR_NAME", "iqn.2026-12.test.tools:dd")
                .output()
                .expect("run iscsi-dd")
        }),
    )
    .await
    .expect("iscsi-dd ends")
    .expect("join");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit 0: {stdout} {stderr}");
    assert_ne!(out.status.code(), Some(101), "panicked: {stderr}");
    assert!(
        !stdout.contains("copied") && !stderr.contains("copied"),
        "{stderr}"
    );
    assert!(stderr.contains("write incomplete"), "{stderr}");
    // Only the immediate data of the first command reached the target.
    let acknowledged: u64 = stderr
        .split("acknowledged the first ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no acknowledged count in {stderr}"));
    assert!(acknowledged <= 64 * 1024, "{stderr}");
}
