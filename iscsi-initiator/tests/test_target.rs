//! The initiator against `iscsi-test-target`, for faults real targets rarely show.

use std::time::Duration;

use bytes::Bytes;
use iscsi_initiator::{
    Credentials, Error, Initiator, InitiatorConfig,
    iscsi_proto::{
        auth::{AlgorithmList, ChapAlgorithm, Secret},
        negotiation::Digest,
        session::TaskError,
        wire::{Lun, Opcode, RejectReason},
    },
};
use iscsi_test_target::{ChapAuth, DEFAULT_TARGET_NAME, TargetConfig, TestTarget};

fn config() -> InitiatorConfig {
    let mut c = InitiatorConfig::new("iqn.2026-11.test:initiator");
    c.command_timeout = Duration::from_secs(5);
    c.reconnect_timeout = Duration::from_secs(20);
    c
}

fn pattern(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8 ^ seed)
        .collect::<Vec<u8>>()
        .into()
}

/// The test target's portal.
fn portal(target: &TestTarget) -> iscsi_initiator::Portal {
    target.addr().to_string().parse().expect("portal")
}

async fn start(config: TargetConfig) -> TestTarget {
    TestTarget::start(config).await.expect("test target starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_with_no_protocol_violations() {
    let target = start(TargetConfig::default()).await;
    let session = Initiator::new(config())
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    let data = pattern(3 << 20, 1);
    session
        .write_blocks(Lun::default(), 8, data.clone(), 512)
        .await
        .expect("write");
    assert!(
        session
            .read_blocks(Lun::default(), 8, (data.len() / 512) as u32, 512)
            .await
            .expect("read")
            == data
    );
    session.logout().await.expect("logout");
    let violations = target.target().violations();
    assert!(
        violations.is_empty(),
        "the target saw protocol violations: {violations:?}"
    );
    let data_outs = target
        .target()
        .captured()
        .iter()
        .filter(|p| p.header.opcode() == Opcode::DataOut)
        .count();
    assert!(data_outs > 0, "writes above FirstBurstLength use Data-Out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_chap_with_sha256() {
    let auth = ChapAuth::new("alice", "secretsecret12").with_mutual("tgt", "targetsecret34");
    let mut tc = TargetConfig::default();
    tc.auth = Some(auth);
    let target = start(tc).await;
    let mut c = config();
    c.credentials = Some(Credentials {
        user: "alice".into(),
        secret: Secret::from("secretsecret12"),
        target: Some(("tgt".into(), Secret::from("targetsecret34"))),
        algorithms: AlgorithmList::new([ChapAlgorithm::Sha256, ChapAlgorithm::Md5]).expect("list"),
        allow_short_secrets: false,
    });
    let session = Initiator::new(c)
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    session.test_unit_ready(Lun::default()).await.expect("TUR");
    session.logout().await.expect("logout");
    let chap_a_7 = target.target().sent().iter().any(|p| {
        p.header.opcode() == Opcode::LoginResponse && p.data.windows(8).any(|w| w == b"CHAP_A=7")
    });
    assert!(chap_a_7, "the target chose SHA-256");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_is_reinstated_and_io_replayed() {
    let target = start(TargetConfig::default()).await;
    let session = Initiator::new(config())
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    let data = pattern(1 << 20, 2);
    session
        .write_blocks(Lun::default(), 0, data.clone(), 512)
        .await
        .expect("write");
    // Drop the connection after the next 3 PDUs the target receives: mid-way through the
    // next writes.
    // The fault counts PDUs from the connection's first one.
    let received = target.target().stats().pdus_received;
    target
        .target()
        .update_faults(|f| f.drop_after_received = Some(received + 3));
    let more = pattern(1 << 20, 3);
    session
        .write_blocks(Lun::default(), 4096, more.clone(), 512)
        .await
        .expect("write across the drop");
    assert!(
        session
            .read_blocks(Lun::default(), 0, 2048, 512)
            .await
            .expect("read")
            == data
    );
    assert!(
        session
            .read_blocks(Lun::default(), 4096, 2048, 512)
            .await
            .expect("read")
            == more
    );
    assert!(
        target.target().stats().connections >= 2,
        "a second connection was made"
    );
    session.logout().await.expect("logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_digest_error_fails_only_that_read() {
    let target = start(TargetConfig::default()).await;
    let mut c = config();
    c.operational.header_digest = vec![Digest::Crc32c];
    c.operational.data_digest = vec![Digest::Crc32c];
    let session = Initiator::new(c)
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    session
        .write_blocks(Lun::default(), 0, pattern(4096, 4), 512)
        .await
        .expect("write");
    // The next PDU with data the target sends is the read's Data-In (the counter is per
    // connection and counts data-carrying PDUs, login responses included).
    let sent_with_data = target
        .target()
        .sent()
        .iter()
        .filter(|p| !p.data.is_empty())
        .count() as u64;
    target
        .target()
        .update_faults(|f| f.corrupt_data_digest = Some(sent_with_data + 1));
    let err = session
        .read_blocks(Lun::default(), 0, 8, 512)
        .await
        .expect_err("corrupt Data-In");
    assert!(matches!(err, Error::Task(TaskError::DataLost)), "{err}");
    assert!(
        session
            .read_blocks(Lun::default(), 0, 8, 512)
            .await
            .expect("read again")
            == pattern(4096, 4)
    );
    session.logout().await.expect("logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_command_fails_and_the_session_goes_on() {
    let target = start(TargetConfig::default()).await;
    let session = Initiator::new(config())
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    session.test_unit_ready(Lun::default()).await.expect("TUR");
    target
        .target()
        .update_faults(|f| f.reject_command = Some((2, RejectReason::InvalidPduField)));
    let err = session
        .test_unit_ready(Lun::default())
        .await
        .expect_err("rejected");
    assert!(
        matches!(
            err,
            Error::Task(TaskError::Rejected(RejectReason::InvalidPduField))
        ),
        "{err}"
    );
    // The CmdSN hole is plugged, so later commands run.
    for _ in 0..5 {
        session
            .test_unit_ready(Lun::default())
            .await
            .expect("TUR after reject");
    }
    session.logout().await.expect("logout");
}

/// A session on a fresh test target with this command timeout, no keep-alive and no
/// reconnect, for the timeout tests.
async fn timeout_session(command_timeout: Duration) -> (TestTarget, iscsi_initiator::Session) {
    let target = start(TargetConfig::default()).await;
    let mut c = config();
    c.command_timeout = command_timeout;
    c.nop_interval = None;
    c.reconnect_timeout = Duration::ZERO;
    let session = Initiator::new(c)
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    (target, session)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_target_times_out_instead_of_hanging() {
    let (target, session) = timeout_session(Duration::from_millis(800)).await;
    target.target().set_stall(true);
    let started = std::time::Instant::now();
    let err = session
        .read_blocks(Lun::default(), 0, 8, 512)
        .await
        .expect_err("stalled");
    assert!(matches!(err, Error::Timeout(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_command_times_out_at_its_own_deadline() {
    // The driver caches the earliest command deadline. A command that finished leaves a
    // stale, earlier deadline behind; a later stalled command must still time out at its
    // own deadline: not at the stale one, and not never.
    let (target, session) = timeout_session(Duration::from_millis(1500)).await;
    let _ = session.test_unit_ready(Lun::default()).await;
    session
        .read_blocks(Lun::default(), 0, 8, 512)
        .await
        .expect("read before the stall");
    tokio::time::sleep(Duration::from_millis(700)).await;
    target.target().set_stall(true);
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        session.read_blocks(Lun::default(), 0, 8, 512),
    )
    .await
    .expect("the stalled command must time out, not hang")
    .expect_err("stalled");
    let waited = started.elapsed();
    assert!(
        matches!(err, Error::Timeout(iscsi_initiator::TimeoutKind::Command)),
        "{err}"
    );
    assert!(
        waited >= Duration::from_millis(1400),
        "timed out early, after {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(6),
        "timed out late: {waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_command_window_holds_commands_until_it_reopens() {
    // A window of one command: while the first command's status is held back, MaxCmdSN
    // stays at its CmdSN and the second command must wait inside the initiator.
    let mut tc = TargetConfig::default();
    tc.cmd_window = 1;
    let target = start(tc).await;
    let session = Initiator::new(config())
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    target.target().update_faults(|f| f.hold_command = Some(1));
    let (a, b) = (session.clone(), session.clone());
    let first = tokio::spawn(async move { a.test_unit_ready(Lun::default()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = tokio::spawn(async move { b.test_unit_ready(Lun::default()).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let commands = |t: &TestTarget| {
        t.target()
            .captured()
            .iter()
            .filter(|p| p.header.opcode() == Opcode::ScsiCommand)
            .count()
    };
    assert_eq!(
        commands(&target),
        1,
        "the second command waits for the window"
    );
    assert!(!first.is_finished() && !second.is_finished());
    target.target().release_held();
    first.await.expect("join").expect("first");
    second
        .await
        .expect("join")
        .expect("second runs once the window reopens");
    assert_eq!(commands(&target), 2);
    assert!(
        target.target().violations().is_empty(),
        "{:?}",
        target.target().violations()
    );
    session.logout().await.expect("logout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sn_gap_recovers_the_session_and_replays() {
    let target = start(TargetConfig::default()).await;
    let session = Initiator::new(config())
        .login(DEFAULT_TARGET_NAME, &portal(&target))
        .await
        .expect("login");
    let data = pattern(256 * 1024, 5);
    session
        .write_blocks(Lun::default(), 0, data.clone(), 512)
        .await
        .expect("write");
    target
        .target()
        .update_faults(|f| f.data_in_skip_data_sn = Some(1));
    // The gap fails the connection (ERL 0); the read is replayed on a reinstated session.
    let back = session
        .read_blocks(Lun::default(), 0, 512, 512)
        .await
        .expect("read replayed");
    assert!(back == data);
    session.logout().await.expect("logout");
}
