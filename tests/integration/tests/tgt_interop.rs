//! The initiator against a real `tgtd` on loopback. Each test starts its own daemon.
//!
//! These tests need tgt installed (`scripts/test.sh` installs it) and root, as CI has. They
//! fail, rather than skip, when tgtd is missing, so a CI run cannot pass without them.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use bytes::Bytes;
use iscsi_initiator::{
    AuthUsed, Credentials, Error, Initiator, InitiatorConfig, LoginFailure, SessionEvent,
    SessionPhase,
    iscsi_proto::{
        auth::{AlgorithmList, Secret},
        login::LoginError,
        negotiation::Digest,
        wire::{LoginStatus, Lun},
    },
};
use iscsi_integration_tests::tgt::Tgtd;

const TARGET: &str = "iqn.2026-11.test.interop:disk1";
const MIB: u64 = 1 << 20;

fn scratch() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "iscsi-interop-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

fn lun1() -> Lun {
    Lun::from_index(1).expect("LUN 1")
}

fn config() -> InitiatorConfig {
    let mut c = InitiatorConfig::new("iqn.2026-11.test.interop:initiator");
    c.reconnect_timeout = Duration::from_secs(30);
    c
}

fn pattern(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect::<Vec<u8>>()
        .into()
}

fn tgtd_with_target(size: u64) -> (Tgtd, u32, PathBuf) {
    let dir = scratch();
    let mut tgtd =
        Tgtd::start(&dir).expect("tgtd must be installed and start (scripts/test.sh installs it)");
    let (tid, file) = tgtd.add_target(TARGET, size).expect("add target");
    (tgtd, tid, file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_login_inquiry_capacity_report_luns_logout() {
    let (tgtd, _, _) = tgtd_with_target(64 * MIB);
    let initiator = Initiator::new(config());
    let targets = initiator
        .discover(&tgtd.portal())
        .await
        .expect("SendTargets");
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].name, TARGET);
    assert_eq!(targets[0].addresses[0].port, tgtd.port());
    assert_eq!(targets[0].addresses[0].tpgt, Some(1));

    let session = initiator
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    let inq = session.inquiry(lun1()).await.expect("INQUIRY");
    assert_eq!(inq.vendor, "IET");
    let cap = session.read_capacity(lun1()).await.expect("READ CAPACITY");
    assert_eq!((cap.block_size, cap.blocks), (512, 64 * MIB / 512));
    let luns = session.report_luns().await.expect("REPORT LUNS");
    let indexes: Vec<Option<u16>> = luns.luns.iter().map(|l| Lun(l.0).index()).collect();
    assert_eq!(indexes, [Some(0), Some(1)]);
    session
        .test_unit_ready(lun1())
        .await
        .expect("TEST UNIT READY");
    session
        .ping(Bytes::from_static(b"hello"))
        .await
        .expect("ping");
    session.logout().await.expect("logout");
    assert!(matches!(
        session.test_unit_ready(lun1()).await,
        Err(Error::SessionClosed)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_read_back_and_backing_file_match() {
    let (tgtd, _, file) = tgtd_with_target(32 * MIB);
    let session = Initiator::new(config())
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    // Larger than MaxBurstLength (256 KiB) and FirstBurstLength: unsolicited data, then R2Ts.
    let data = pattern(5 * MIB as usize + 4096, 7);
    session
        .write_blocks(lun1(), 100, data.clone(), 512)
        .await
        .expect("write");
    session.synchronize_cache(lun1()).await.expect("sync");
    let back = session
        .read_blocks(lun1(), 100, (data.len() / 512) as u32, 512)
        .await
        .expect("read");
    assert!(back == data, "read back differs");
    let on_disk = std::fs::read(&file).expect("backing file");
    assert!(
        on_disk[100 * 512..100 * 512 + data.len()] == data[..],
        "backing file differs"
    );
    assert!(
        on_disk[..100 * 512].iter().all(|&b| b == 0),
        "nothing written before LBA 100"
    );
    session.logout().await.expect("logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_commands() {
    let (tgtd, _, file) = tgtd_with_target(16 * MIB);
    let session = Initiator::new(config())
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    let mut tasks = Vec::new();
    for i in 0..64u64 {
        let s = session.clone();
        tasks.push(tokio::spawn(async move {
            let data = pattern(64 * 1024, i as u8);
            s.write_blocks(lun1(), i * 128, data.clone(), 512).await?;
            let back = s.read_blocks(lun1(), i * 128, 128, 512).await?;
            Ok::<bool, Error>(back == data)
        }));
    }
    for t in tasks {
        assert!(t.await.expect("join").expect("command"), "data mismatch");
    }
    let on_disk = std::fs::read(&file).expect("backing file");
    for i in 0..64usize {
        assert!(on_disk[i * 65_536..(i + 1) * 65_536] == pattern(65_536, i as u8)[..]);
    }
    session.logout().await.expect("logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_and_data_digests_together() {
    let (tgtd, tid, _) = tgtd_with_target(16 * MIB);
    tgtd.set_param(tid, "HeaderDigest", "CRC32C,None")
        .expect("enable header digest");
    tgtd.set_param(tid, "DataDigest", "CRC32C,None")
        .expect("enable data digest");
    let mut c = config();
    c.operational.header_digest = vec![Digest::Crc32c];
    c.operational.data_digest = vec![Digest::Crc32c];
    let session = Initiator::new(c)
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    assert_eq!(session.snapshot().params.header_digest, Digest::Crc32c);
    assert_eq!(session.snapshot().params.data_digest, Digest::Crc32c);
    let data = pattern(3 * MIB as usize, 3);
    session
        .write_blocks(lun1(), 0, data.clone(), 512)
        .await
        .expect("write");
    assert!(
        session
            .read_blocks(lun1(), 0, (data.len() / 512) as u32, 512)
            .await
            .expect("read")
            == data
    );
    session.logout().await.expect("logout");
}

fn chap(user: &str, secret: &str, target: Option<(&str, &str)>) -> Credentials {
    Credentials {
        user: user.into(),
        secret: Secret::from(secret),
        target: target.map(|(u, s)| (u.to_owned(), Secret::from(s))),
        // tgt maps CHAP_A=7 to SHA-1 (seen against tgt 1.0.x): offer MD5 only.
        algorithms: AlgorithmList::md5_only(),
        allow_short_secrets: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chap_one_way_mutual_and_wrong_secret() {
    let (tgtd, tid, _) = tgtd_with_target(8 * MIB);
    tgtd.require_chap(
        tid,
        "alice",
        "secretsecret12",
        Some(("tgtuser", "targetsecret34")),
    )
    .expect("accounts");

    // Without credentials the target refuses.
    let err = Initiator::new(config())
        .login(TARGET, &tgtd.portal())
        .await
        .expect_err("needs CHAP");
    assert!(matches!(err, Error::Login { .. }), "{err}");

    // One-way CHAP.
    let mut c = config();
    c.credentials = Some(chap("alice", "secretsecret12", None));
    let s = Initiator::new(c)
        .login(TARGET, &tgtd.portal())
        .await
        .expect("one-way CHAP");
    s.test_unit_ready(lun1()).await.expect("TUR");
    s.logout().await.expect("logout");

    // Mutual CHAP.
    let mut c = config();
    c.credentials = Some(chap(
        "alice",
        "secretsecret12",
        Some(("tgtuser", "targetsecret34")),
    ));
    let s = Initiator::new(c)
        .login(TARGET, &tgtd.portal())
        .await
        .expect("mutual CHAP");
    s.test_unit_ready(lun1()).await.expect("TUR");
    s.logout().await.expect("logout");

    // Wrong initiator secret: a typed authentication error.
    let mut c = config();
    c.credentials = Some(chap("alice", "wrongsecret999", None));
    let err = Initiator::new(c)
        .login(TARGET, &tgtd.portal())
        .await
        .expect_err("wrong secret");
    assert!(
        matches!(
            err,
            Error::Login {
                reason: LoginFailure::Authentication(_),
                ..
            }
        ),
        "{err}"
    );

    // Wrong target secret in mutual CHAP: we refuse the target.
    let mut c = config();
    c.credentials = Some(chap(
        "alice",
        "secretsecret12",
        Some(("tgtuser", "notthesecret56")),
    ));
    let err = Initiator::new(c)
        .login(TARGET, &tgtd.portal())
        .await
        .expect_err("wrong target secret");
    assert!(
        matches!(
            err,
            Error::Login {
                reason: LoginFailure::Authentication(_),
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nop_keepalive_on_an_idle_session() {
    let (tgtd, _, _) = tgtd_with_target(8 * MIB);
    let mut c = config();
    c.nop_interval = Some(Duration::from_millis(300));
    c.nop_timeout = Duration::from_secs(2);
    let session = Initiator::new(c)
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    // Several keep-alive pings go out and are answered while idle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    session
        .test_unit_ready(lun1())
        .await
        .expect("still alive after keep-alives");
    session.logout().await.expect("logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tgtd_killed_and_restarted_session_reinstates() {
    let (mut tgtd, tid, file) = tgtd_with_target(16 * MIB);
    let session = Initiator::new(config())
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    let data = pattern(MIB as usize, 9);
    session
        .write_blocks(lun1(), 0, data.clone(), 512)
        .await
        .expect("write before crash");

    // Reads in flight while tgtd dies.
    let mut reads = Vec::new();
    for i in 0..8u64 {
        let s = session.clone();
        reads.push(tokio::spawn(async move {
            s.read_blocks(lun1(), i * 256, 256, 512).await
        }));
    }
    tgtd.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    tgtd.restart().expect("restart");
    tgtd.recreate_target(tid, TARGET, &file).expect("recreate");

    for (i, r) in reads.into_iter().enumerate() {
        match r.await.expect("join") {
            // Replayed after reinstatement: the data is right.
            Ok(back) => assert!(
                back == data.slice(i * 131_072..(i + 1) * 131_072),
                "read {i} differs"
            ),
            // Or failed cleanly with a typed error.
            Err(e) => assert!(
                e.is_transient() || matches!(e, Error::Scsi(_)),
                "read {i}: {e}"
            ),
        }
    }
    // The session works again.
    let back = session
        .read_blocks(lun1(), 0, 2048, 512)
        .await
        .expect("read after reinstatement");
    assert!(back == data);
    session.logout().await.expect("logout");
}

/// A 1 GiB write and read-back, verified byte for byte against the data and the backing file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_round_trip() {
    const GIB: u64 = 1 << 30;
    let (tgtd, _, file) = tgtd_with_target(GIB);
    let session = Initiator::new(config())
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    let chunk = 16 * MIB as usize;
    let mut writers = Vec::new();
    for i in 0..(GIB as usize / chunk) {
        let s = session.clone();
        writers.push(tokio::spawn(async move {
            s.write_blocks(
                lun1(),
                (i * chunk / 512) as u64,
                pattern(chunk, i as u8),
                512,
            )
            .await
        }));
        if writers.len() == 4 {
            writers.remove(0).await.expect("join").expect("write");
        }
    }
    for w in writers {
        w.await.expect("join").expect("write");
    }
    session.synchronize_cache(lun1()).await.expect("sync");
    for i in 0..(GIB as usize / chunk) {
        let back = session
            .read_blocks(lun1(), (i * chunk / 512) as u64, (chunk / 512) as u32, 512)
            .await
            .expect("read");
        assert!(back == pattern(chunk, i as u8), "chunk {i} differs");
    }
    session.logout().await.expect("logout");
    let mut f = std::fs::File::open(&file).expect("backing file");
    let mut buf = vec![0u8; chunk];
    for i in 0..(GIB as usize / chunk) {
        std::io::Read::read_exact(&mut f, &mut buf).expect("read file");
        assert!(
            buf[..] == pattern(chunk, i as u8)[..],
            "backing file chunk {i} differs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_work_against_tgt() {
    let (tgtd, tid, file) = tgtd_with_target(8 * MIB);
    let bin = tool;
    let url = format!("iscsi://{}/{TARGET}/1", tgtd.portal());
    let out = std::process::Command::new(bin("iscsi-ls"))
        .args(["-s", &format!("iscsi://{}", tgtd.portal())])
        .output();
    // `tool` fails, never skips, when a tool binary is missing.
    let out = out.expect("iscsi-ls");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(TARGET) && text.contains("DIRECT_ACCESS (Size:8M)"),
        "{text}"
    );

    let out = std::process::Command::new(bin("iscsi-inq"))
        .arg(&url)
        .output()
        .expect("iscsi-inq");
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Vendor:IET"));

    let src = scratch().with_extension("src");
    std::fs::write(&src, pattern(4 * MIB as usize, 4)).expect("write src");
    let out = std::process::Command::new(bin("iscsi-dd"))
        .args(["-s", &src.to_string_lossy(), "-d", &url])
        .output()
        .expect("iscsi-dd");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&file).expect("lu")[..4 * MIB as usize] == pattern(4 * MIB as usize, 4)[..]
    );

    // Clear errors and non-zero exits.
    let bad = std::process::Command::new(bin("iscsi-inq"))
        .arg("iscsi://")
        .output()
        .expect("run");
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("bad URL"));
    let refused = std::process::Command::new(bin("iscsi-inq"))
        .arg("iscsi://127.0.0.1:1/iqn.x:y/0")
        .output()
        .expect("run");
    assert!(
        !refused.status.success()
            && String::from_utf8_lossy(&refused.stderr).contains("cannot connect")
    );
    tgtd.require_chap(tid, "bob", "bobsecret1234", None)
        .expect("account");
    let denied = std::process::Command::new(bin("iscsi-inq"))
        .arg(format!(
            "iscsi://bob%wrongwrongwrong@{}/{TARGET}/1",
            tgtd.portal()
        ))
        .output()
        .expect("run");
    assert!(
        !denied.status.success()
            && String::from_utf8_lossy(&denied.stderr).contains("authentication failed"),
        "{}",
        String::from_utf8_lossy(&denied.stderr)
    );
    // With CHAP and both digests: every tool works.
    tgtd.set_param(tid, "HeaderDigest", "CRC32C,None")
        .expect("digests");
    tgtd.set_param(tid, "DataDigest", "CRC32C,None")
        .expect("digests");
    let secure = format!(
        "iscsi://bob%bobsecret1234@{}/{TARGET}/1?header_digest=crc32c&data_digest=crc32c",
        tgtd.portal()
    );
    let ls = std::process::Command::new(bin("iscsi-ls"))
        .args([
            "-s",
            &format!("iscsi://bob%bobsecret1234@{}", tgtd.portal()),
        ])
        .output()
        .expect("iscsi-ls");
    assert!(
        ls.status.success() && String::from_utf8_lossy(&ls.stdout).contains("(Size:8M)"),
        "{}",
        String::from_utf8_lossy(&ls.stdout)
    );
    let inq = std::process::Command::new(bin("iscsi-inq"))
        .arg(&secure)
        .output()
        .expect("iscsi-inq");
    assert!(inq.status.success() && String::from_utf8_lossy(&inq.stdout).contains("Vendor:IET"));
    let dst = scratch().with_extension("dst");
    let dd = std::process::Command::new(bin("iscsi-dd"))
        .args(["-s", &secure, "-d", &dst.to_string_lossy()])
        .output()
        .expect("iscsi-dd");
    assert!(
        dd.status.success(),
        "{}",
        String::from_utf8_lossy(&dd.stderr)
    );
    assert!(
        std::fs::read(&dst).expect("copy") == std::fs::read(&file).expect("lu"),
        "LU copied byte for byte"
    );
    let nolun = std::process::Command::new(bin("iscsi-inq"))
        .arg(format!(
            "iscsi://bob%bobsecret1234@{}/{TARGET}/7",
            tgtd.portal()
        ))
        .output()
        .expect("run");
    assert!(!nolun.status.success(), "LUN 7 does not exist");
}

/// Where cargo put the tool binaries: the directory above this test's `deps/`, which
/// follows `CARGO_TARGET_DIR` and the profile (a path relative to the sources does not).
///
/// The tools are the `iscsi-tools` package's binaries. A dependency on a package does not
/// build its binaries, so this crate cannot ask for them; `cargo test --workspace` (the
/// README's test command) builds them, because `iscsi-tools` has integration tests of its
/// own. A missing tool is a failure, never a skip.
fn tool(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target directory")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: the tools are built by `cargo test --workspace`, or by \
         `cargo build -p iscsi-tools` (same profile and target directory) before \
         `cargo test -p iscsi-integration-tests`",
        path.display()
    );
    path
}

/// A tool whose stdout is a pipe closed before it prints (as `iscsi-ls | head -0`, or a
/// `head` that has exited) must stop quietly: no panic (exit 101), status 0 as for a
/// tool killed by SIGPIPE from the user's view. Rust ignores SIGPIPE, so the write
/// returns EPIPE, which `println!` turned into a panic.
#[test]
fn tools_with_a_closed_stdout_do_not_panic() {
    let (tgtd, _tid, _file) = tgtd_with_target(8 * MIB);
    let runs: [(&str, Vec<String>); 3] = [
        ("iscsi-ls", vec![format!("iscsi://{}", tgtd.portal())]),
        (
            "iscsi-ls",
            vec!["-s".into(), format!("iscsi://{}", tgtd.portal())],
        ),
        (
            "iscsi-inq",
            vec![format!("iscsi://{}/{TARGET}/1", tgtd.portal())],
        ),
    ];
    for (name, args) in runs {
        let path = tool(name);
        let mut child = std::process::Command::new(&path)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn tool");
        // Close the read end at once: the tool logs in before printing anything, so its
        // first write meets a pipe without a reader.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for tool");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{name} {args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{name} {args:?}: {stderr}");
    }
}

/// The observable session across a tgtd restart under load: the events say the connection
/// was lost and the session reinstated, the statistics count one reconnect, the snapshot
/// shows a new TSIH and the same ISID, and no read is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stats_and_snapshot_across_a_tgtd_restart_under_load() {
    let (mut tgtd, tid, file) = tgtd_with_target(16 * MIB);
    let initiator = Initiator::new(config());
    // A first session takes tgtd's first TSIH and logs out, so that the one under test
    // has another TSIH than the reinstated session, which is the first after the restart.
    let first = initiator
        .login(TARGET, &tgtd.portal())
        .await
        .expect("first login");
    first.shutdown().await.expect("first logout");
    let session = initiator
        .login(TARGET, &tgtd.portal())
        .await
        .expect("login");
    let mut events = session.events();
    let before = session.snapshot();
    assert_eq!(before.phase, SessionPhase::LoggedIn);
    assert_eq!(before.target, TARGET);
    assert_eq!(before.portal.port, tgtd.port());
    assert!(before.portal.tpgt.is_some(), "tgtd declares its TPGT");
    assert_eq!(before.remote_addr.map(|a| a.port()), Some(tgtd.port()));
    assert!(before.local_addr.is_some());
    assert_eq!(before.auth, AuthUsed::None);
    assert_eq!(initiator.sessions().len(), 1, "the first session is gone");

    let data = pattern(2 * MIB as usize, 11);
    session
        .write_blocks(lun1(), 0, data.clone(), 512)
        .await
        .expect("write before the restart");
    // Load: readers that keep reading and checking until told to stop.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for i in 0..4u64 {
        let (s, stop, data) = (session.clone(), stop.clone(), data.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let lba = (i * 1024 + u64::from(reads % 4) * 256) % 4096;
                let back = s.read_blocks(lun1(), lba, 256, 512).await?;
                let at = (lba * 512) as usize;
                assert!(
                    back == data.slice(at..at + 131_072),
                    "reader {i} read {reads}"
                );
                reads += 1;
            }
            Ok::<u32, Error>(reads)
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    tgtd.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    tgtd.restart().expect("restart");
    tgtd.recreate_target(tid, TARGET, &file).expect("recreate");

    // Connection lost, then reinstated, in that order (unit attentions may come between).
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !seen
        .iter()
        .any(|e| matches!(e, SessionEvent::Reinstated { .. }))
    {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("events within 30 s")
            .expect("event");
        seen.push(event);
    }
    let lost = seen
        .iter()
        .position(|e| matches!(e, SessionEvent::ConnectionLost { .. }))
        .expect("a ConnectionLost event");
    let reinstated = seen
        .iter()
        .position(|e| matches!(e, SessionEvent::Reinstated { reconnects: 1, .. }))
        .expect("a Reinstated event");
    assert!(lost < reinstated, "{seen:?}");

    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        let reads = r
            .await
            .expect("join")
            .expect("no read lost across the restart");
        assert!(reads > 0);
    }
    let after = session.snapshot();
    assert_eq!(after.phase, SessionPhase::LoggedIn);
    assert_eq!(after.isid, before.isid, "the ISID is kept");
    assert_ne!(
        after.tsih, before.tsih,
        "a reinstated session has a new TSIH"
    );
    assert_eq!(after.reconnects, 1);
    let stats = session.stats();
    assert_eq!(stats.reconnects, 1, "{stats:?}");
    assert!(stats.connection_failures >= 1);
    assert!(stats.commands.completed > 0 && stats.commands.issued >= stats.commands.completed);
    assert!(stats.bytes_written >= 2 * MIB && stats.bytes_read > 0);
    assert!(stats.pdus_in > 0 && stats.pdus_out > 0 && stats.bytes_in > 0 && stats.bytes_out > 0);
    assert_eq!(stats.latency.count, stats.commands.completed);
    assert_eq!(
        stats.latency.histogram.iter().sum::<u64>(),
        stats.latency.count
    );

    session.shutdown().await.expect("shutdown");
    assert_eq!(session.closed().await, Error::SessionClosed);
    assert_eq!(session.snapshot().phase, SessionPhase::Closed);
    assert!(initiator.sessions().is_empty());
    let mut closed = false;
    while let Ok(event) = events.try_recv() {
        closed |= matches!(event, SessionEvent::Closed { cause: None });
    }
    assert!(closed, "a Closed event after the shutdown");
}

/// `login_with`: per-target mutual CHAP and a per-target MaxBurstLength, both visible in
/// the snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_mutual_chap_and_a_per_target_max_burst_length() {
    let (tgtd, tid, _) = tgtd_with_target(8 * MIB);
    tgtd.require_chap(
        tid,
        "alice",
        "secretsecret12",
        Some(("tgtuser", "targetsecret34")),
    )
    .expect("accounts");
    // The initiator's defaults have no credentials: only this login gets them.
    let initiator = Initiator::new(config());
    let mut options = initiator.default_options();
    options.credentials = Some(chap(
        "alice",
        "secretsecret12",
        Some(("tgtuser", "targetsecret34")),
    ));
    options.operational.max_burst_length = 65_536;
    options.operational.first_burst_length = 16_384;
    let session = initiator
        .login_with(TARGET, &tgtd.portal(), options)
        .await
        .expect("mutual CHAP login");
    let snapshot = session.snapshot();
    assert!(
        matches!(snapshot.auth, AuthUsed::Chap { mutual: true, .. }),
        "{:?}",
        snapshot.auth
    );
    assert_eq!(snapshot.params.max_burst_length, 65_536);
    assert_eq!(snapshot.params.first_burst_length, 16_384);
    session
        .write_blocks(lun1(), 0, pattern(MIB as usize, 3), 512)
        .await
        .expect("a write within the smaller bursts");
    session.shutdown().await.expect("shutdown");
    // The same initiator without the options is refused.
    let err = initiator
        .login(TARGET, &tgtd.portal())
        .await
        .expect_err("no credentials");
    assert!(
        matches!(
            err,
            Error::Login {
                reason: LoginFailure::Authentication(_),
                ..
            }
        ),
        "{err}"
    );
}

/// Typed login failures: a wrong secret is an authentication failure carrying the status
/// the target sent, a missing target a refusal with status 0x0203.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_login_failures_for_a_wrong_secret_and_a_missing_target() {
    let (tgtd, tid, _) = tgtd_with_target(8 * MIB);
    tgtd.require_chap(tid, "alice", "secretsecret12", None)
        .expect("accounts");
    let mut c = config();
    c.credentials = Some(chap("alice", "wrongsecret999", None));
    let err = Initiator::new(c)
        .login(TARGET, &tgtd.portal())
        .await
        .expect_err("wrong secret");
    assert_eq!(
        err,
        Error::Login {
            target: TARGET.into(),
            reason: LoginFailure::Authentication(LoginError::Status(
                LoginStatus::AuthenticationFailure
            )),
        }
    );
    let err = Initiator::new(config())
        .login("iqn.2026-11.test.interop:no-such-disk", &tgtd.portal())
        .await
        .expect_err("missing target");
    assert!(
        matches!(
            err,
            Error::Login {
                reason: LoginFailure::Refused(LoginStatus::NotFound),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("(0x0203)"), "{err}");
}
