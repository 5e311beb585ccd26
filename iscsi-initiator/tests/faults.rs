//! The initiator against misbehaving targets, in paused tokio time: every session runs
//! over in-memory pipes (`tokio::io::duplex`) to the in-process test target, through the
//! driver's transport seam, so deadlines are exact and nothing depends on the wall clock.
//!
//! One test per class of failure the driver must bound, name and never report as success:
//! writes the target did not take, requests that are never answered, endless reconnects,
//! deterministic protocol violations, oversized discovery answers and redirects.

use std::{
    io,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use bytes::Bytes;
use iscsi_initiator::{
    DialFuture, Dialer, Error, Initiator, InitiatorConfig, Portal, Session, TimeoutKind,
    TransferOp, Transport,
    iscsi_proto::{
        discovery::TargetAddress,
        negotiation::NegotiationError,
        session::{ProtocolError, TaskError},
        wire::{Lun, Opcode},
    },
};
use iscsi_test_target::{
    DEFAULT_TARGET_NAME, Faults, LuConfig, Redirect, Target, TargetConfig, TargetNodeConfig,
    serve_stream,
};
use tokio::time::Instant;

/// The portal the tests log in to; the dialer maps its port to a target.
fn portal() -> Portal {
    "127.0.0.1:3260".parse().expect("portal")
}

/// Connects each dial to the in-process target registered for the portal's port, over a
/// fresh in-memory pipe, and records every portal dialled.
#[derive(Debug, Default)]
struct PipeDialer {
    targets: Vec<(u16, Target)>,
    dialled: Mutex<Vec<TargetAddress>>,
    /// When each dial happened (tokio time).
    dial_times: Mutex<Vec<Instant>>,
}

impl PipeDialer {
    fn new(target: &Target) -> Arc<Self> {
        Arc::new(Self {
            targets: vec![(3260, target.clone())],
            ..Self::default()
        })
    }

    fn dialled(&self) -> Vec<TargetAddress> {
        self.dialled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Dialer for PipeDialer {
    fn dial<'a>(&'a self, portal: &'a TargetAddress) -> DialFuture<'a> {
        Box::pin(async move {
            self.dialled
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(portal.clone());
            self.dial_times
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Instant::now());
            let target = self
                .targets
                .iter()
                .find(|(port, _)| *port == portal.port)
                .map(|(_, t)| t.clone())
                .ok_or_else(|| io::Error::from(io::ErrorKind::ConnectionRefused))?;
            let (ours, theirs) = tokio::io::duplex(1 << 20);
            tokio::spawn(serve_stream(target, theirs));
            Ok(Transport::from_stream(ours))
        })
    }
}

fn config() -> InitiatorConfig {
    let mut c = InitiatorConfig::new("iqn.2026-11.test:initiator");
    c.command_timeout = Duration::from_secs(5);
    c.logout_timeout = Duration::from_secs(3);
    c.reconnect_timeout = Duration::from_secs(20);
    c
}

fn target(config: TargetConfig) -> Target {
    Target::new(config).expect("target config")
}

fn pattern(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8 ^ seed)
        .collect::<Vec<u8>>()
        .into()
}

async fn login(target: &Target, c: InitiatorConfig) -> (Session, Arc<PipeDialer>) {
    let dialer = PipeDialer::new(target);
    let session = Initiator::with_dialer(c, dialer.clone())
        .login(DEFAULT_TARGET_NAME, &portal())
        .await
        .expect("login");
    (session, dialer)
}

/// The SCSI commands the target received so far (on every connection).
fn scsi_commands(target: &Target) -> u64 {
    target.stats().commands
}

/// Arms a fault for the next SCSI command the target receives on this connection.
fn next_command(target: &Target) -> u64 {
    target
        .captured()
        .iter()
        .filter(|p| p.header.opcode() == Opcode::ScsiCommand)
        .count() as u64
        + 1
}

/// Checks a write failed as incomplete with fewer bytes acknowledged than asked for.
fn assert_incomplete_write(result: Result<(), Error>, requested: u64, at_most: u64) {
    match result {
        Err(Error::Incomplete {
            op: TransferOp::Write,
            requested: r,
            done,
            cause,
        }) => {
            assert_eq!(r, requested);
            assert!(done <= at_most, "done {done} > {at_most}");
            assert!(
                matches!(*cause, Error::Task(TaskError::WriteIncomplete { .. })),
                "{cause}"
            );
        }
        other => panic!("a write the target did not take was reported as {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn write_answered_good_at_once_is_not_done() {
    let t = target(TargetConfig::default());
    let (session, _) = login(&t, config()).await;
    let n = next_command(&t);
    t.update_faults(|f| f.write_early_good = Some(n));
    let data = pattern(256 * 1024, 1);
    let result = session.write_blocks(Lun::default(), 0, data, 512).await;
    // Only the immediate data (FirstBurstLength at most) reached the target.
    assert_incomplete_write(result, 256 * 1024, 64 * 1024);
    session.logout().await.expect("logout");
}

#[tokio::test(start_paused = true)]
async fn write_with_whole_residual_underflow_is_not_done() {
    let t = target(TargetConfig::default());
    let (session, _) = login(&t, config()).await;
    let n = next_command(&t);
    t.update_faults(|f| f.write_residual_underflow = Some(n));
    let result = session
        .write_blocks(Lun::default(), 0, pattern(128 * 1024, 2), 512)
        .await;
    assert_incomplete_write(result, 128 * 1024, 0);
    session.logout().await.expect("logout");
}

#[tokio::test(start_paused = true)]
async fn half_solicited_write_is_not_done() {
    let mut tc = TargetConfig::default();
    // No unsolicited data: every byte must be solicited by R2T.
    tc.params.immediate_data = false;
    tc.params.initial_r2t = true;
    let t = target(tc);
    let (session, _) = login(&t, config()).await;
    let n = next_command(&t);
    t.update_faults(|f| f.write_half_solicited = Some(n));
    let result = session
        .write_blocks(Lun::default(), 0, pattern(512 * 1024, 3), 512)
        .await;
    assert_incomplete_write(result, 512 * 1024, 256 * 1024);
    // The session is fine: the next write goes through whole.
    session
        .write_blocks(Lun::default(), 0, pattern(64 * 1024, 4), 512)
        .await
        .expect("a whole write");
    session.logout().await.expect("logout");
}

#[tokio::test(start_paused = true)]
async fn unanswered_send_targets_times_out() {
    let t = target(TargetConfig::default());
    t.update_faults(|f| f.ignore_text = true);
    let dialer = PipeDialer::new(&t);
    let started = Instant::now();
    let err = Initiator::with_dialer(config(), dialer)
        .discover(&portal())
        .await
        .expect_err("no answer");
    assert!(matches!(err, Error::Timeout(TimeoutKind::Text)), "{err:?}");
    // The command deadline, then the logout deadline at most.
    assert!(
        started.elapsed() <= Duration::from_secs(5 + 3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn unanswered_logout_times_out_without_spinning() {
    let t = target(TargetConfig::default());
    let mut c = config();
    // The keep-alive interval (5 s) passes while the logout waits: a session that kept
    // returning that passed deadline, or a driver that armed it again, would wake without
    // end, and in paused time the clock would never reach the logout deadline.
    c.logout_timeout = Duration::from_secs(20);
    let (session, _) = login(&t, c).await;
    session.test_unit_ready(Lun::default()).await.expect("TUR");
    t.update_faults(|f| f.ignore_logout = true);
    // A watchdog on the wall clock turns such a spin into a failure instead of a hang.
    let (spin_tx, spin_rx) = tokio::sync::oneshot::channel::<u64>();
    let watched = session.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let watchdog = std::thread::spawn(move || {
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
            let wakeups = watched.stats().timer_wakeups;
            if wakeups > 1000 {
                let _ = spin_tx.send(wakeups);
                return;
            }
        }
    });
    let started = Instant::now();
    let result = tokio::select! {
        result = session.logout() => result,
        Ok(wakeups) = spin_rx => panic!("the driver spins: {wakeups} timer wake-ups"),
    };
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = watchdog.join();
    let err = result.expect_err("no answer");
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::Logout)),
        "{err:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(20));
    tokio::time::sleep(Duration::from_secs(60)).await;
    let wakeups = session.stats().timer_wakeups;
    assert!(wakeups < 10, "{wakeups} timer wake-ups");
    assert!(matches!(
        session.test_unit_ready(Lun::default()).await,
        Err(Error::SessionClosed)
    ));
}

#[tokio::test(start_paused = true)]
async fn garbage_after_login_ends_after_one_reinstatement() {
    let t = target(TargetConfig::default());
    t.update_faults(|f| f.garbage_after_login = Some(vec![0xff; 64]));
    let (session, dialer) = login(&t, config()).await;
    let started = Instant::now();
    let err = session
        .test_unit_ready(Lun::default())
        .await
        .expect_err("garbage");
    assert!(
        matches!(err, Error::Protocol(ProtocolError::Decode(_))),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The first login and one reinstatement; no endless loop.
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(dialer.dialled().len(), 2, "{:?}", dialer.dialled());
    assert_eq!(session.stats().reconnects, 1);
}

#[tokio::test(start_paused = true)]
async fn deterministic_data_sn_gap_reaches_the_caller_as_protocol_error() {
    let t = target(TargetConfig::default());
    let (session, dialer) = login(&t, config()).await;
    session
        .write_blocks(Lun::default(), 0, pattern(4096, 5), 512)
        .await
        .expect("write");
    t.update_faults(|f| f.data_in_gap_always = true);
    let started = Instant::now();
    let err = session
        .read_blocks(Lun::default(), 0, 8, 512)
        .await
        .expect_err("gap");
    assert!(
        matches!(err, Error::Protocol(ProtocolError::SequenceGap { .. })),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(dialer.dialled().len() <= 3, "{:?}", dialer.dialled());
}

#[tokio::test(start_paused = true)]
async fn command_deadline_starts_when_the_caller_submits_it() {
    let t = target(TargetConfig::default());
    let mut c = config();
    c.reconnect_timeout = Duration::from_secs(60);
    let (session, _) = login(&t, c).await;
    session.test_unit_ready(Lun::default()).await.expect("TUR");
    // The target goes silent and drops the connection: reinstatement logins are never
    // answered, so the driver spends the whole reconnect budget logging in.
    t.update_faults(|f| f.stall = true);
    t.drop_connections();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = Instant::now();
    let err = session
        .test_unit_ready(Lun::default())
        .await
        .expect_err("stalled");
    assert!(
        matches!(err, Error::Timeout(TimeoutKind::Command)),
        "{err:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    let _ = scsi_commands(&t);
}

#[tokio::test(start_paused = true)]
async fn send_targets_with_a_thousand_targets() {
    let mut tc = TargetConfig::default();
    tc.targets = (0..1000)
        .map(|i| {
            TargetNodeConfig::new(format!(
                "iqn.2026-01.invalid.ima:a-rather-long-target-name-{i:04}"
            ))
            .with_lus(vec![LuConfig::new(0, 512, 64)])
        })
        .collect();
    let t = target(tc);
    let dialer = PipeDialer::new(&t);
    let records = Initiator::with_dialer(config(), dialer)
        .discover(&portal())
        .await
        .expect("discovery");
    assert_eq!(records.len(), 1000);
}

#[tokio::test(start_paused = true)]
async fn redirect_with_a_portal_group_tag_is_followed() {
    let mut first = TargetConfig::default();
    first.redirect = Some(Redirect::temporary("127.0.0.2:3261,7"));
    let first = target(first);
    let second = target(TargetConfig::default());
    let dialer = Arc::new(PipeDialer {
        targets: vec![(3260, first), (3261, second.clone())],
        ..PipeDialer::default()
    });
    let session = Initiator::with_dialer(config(), dialer.clone())
        .login(DEFAULT_TARGET_NAME, &portal())
        .await
        .expect("login through the redirect");
    session.test_unit_ready(Lun::default()).await.expect("TUR");
    let dialled: Vec<String> = dialer.dialled().iter().map(ToString::to_string).collect();
    assert_eq!(dialled, ["127.0.0.1:3260", "127.0.0.2:3261"]);
    assert!(second.stats().commands > 0);
    session.logout().await.expect("logout");
}

#[test]
fn faults_default_to_healthy() {
    let f = Faults::default();
    assert!(f.write_early_good.is_none() && !f.ignore_text && !f.data_in_gap_always);
}

#[tokio::test(start_paused = true)]
async fn nop_in_flood_ends_after_one_reinstatement() {
    let t = target(TargetConfig::default());
    t.update_faults(|f| f.nop_in_flood_after_login = Some(500));
    let (session, dialer) = login(&t, config()).await;
    let err = session
        .test_unit_ready(Lun::default())
        .await
        .expect_err("flood");
    assert!(
        matches!(err, Error::Protocol(ProtocolError::Flood(_))),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(dialer.dialled().len(), 2, "{:?}", dialer.dialled());
}

/// A change to the login options.
type ChangeOptions = fn(&mut iscsi_initiator::LoginOptions);

#[tokio::test(start_paused = true)]
async fn invalid_login_options_are_refused_before_connecting() {
    let t = target(TargetConfig::default());
    let dialer = PipeDialer::new(&t);
    let initiator = Initiator::with_dialer(config(), dialer.clone());
    let cases: [(&str, ChangeOptions); 5] = [
        ("MaxBurstLength", |o| o.operational.max_burst_length = 100),
        ("FirstBurstLength", |o| {
            o.operational.first_burst_length = o.operational.max_burst_length + 512;
        }),
        ("ErrorRecoveryLevel", |o| {
            // Valid for RFC 7143 (§13.19 wants MaxOutstandingR2T 1 with it), but not
            // implemented here.
            o.operational.error_recovery_level = 1;
            o.operational.max_outstanding_r2t = 1;
        }),
        ("MaxConnections", |o| o.operational.max_connections = 2),
        ("DataSequenceInOrder", |o| {
            o.operational.data_sequence_in_order = false;
        }),
    ];
    for (key, change) in cases {
        let mut options = initiator.default_options();
        change(&mut options);
        let err = initiator
            .login_with(DEFAULT_TARGET_NAME, &portal(), options)
            .await
            .expect_err(key);
        match err {
            Error::InvalidOption(NegotiationError::InvalidConfig { key: k, .. }) => {
                assert_eq!(k, key);
            }
            other => panic!("{key}: {other:?}"),
        }
    }
    assert!(
        dialer.dialled().is_empty(),
        "nothing is sent for a bad option"
    );
    // The defaults log in.
    let session = initiator
        .login_with(DEFAULT_TARGET_NAME, &portal(), initiator.default_options())
        .await
        .expect("login");
    assert_eq!(initiator.sessions().len(), 1);
    session.shutdown().await.expect("shutdown");
    assert!(initiator.sessions().is_empty());
}

/// RFC 7143 §9.2.1: a CHAP secret under 96 bits is refused (nothing is sent) unless the
/// configuration allows it explicitly.
#[tokio::test(start_paused = true)]
async fn short_chap_secrets_are_refused_unless_allowed() {
    let mut tc = TargetConfig::default();
    tc.auth = Some(iscsi_test_target::ChapAuth::new("alice", "short"));
    let t = target(tc);
    let dialer = PipeDialer::new(&t);
    let mut c = config();
    c.credentials = Some(iscsi_initiator::Credentials::new(
        "alice",
        iscsi_proto::auth::Secret::from("short"),
    ));
    let initiator = Initiator::with_dialer(c.clone(), dialer.clone());
    let err = initiator
        .login(DEFAULT_TARGET_NAME, &portal())
        .await
        .expect_err("short secret");
    assert_eq!(err, Error::ShortSecret { target: false });
    assert!(dialer.dialled().is_empty(), "nothing is sent");
    if let Some(creds) = c.credentials.as_mut() {
        creds.allow_short_secrets = true;
    }
    let session = Initiator::with_dialer(c, dialer.clone())
        .login(DEFAULT_TARGET_NAME, &portal())
        .await
        .expect("allowed explicitly");
    session.shutdown().await.expect("shutdown");
}

/// RFC 7143 §11.9.1: after AsyncEvent 2 the initiator waits Parameter2 (here 0 s, shorter
/// than DefaultTime2Wait's 2 s) before reconnecting; without an announcement it waits
/// DefaultTime2Wait.
#[tokio::test(start_paused = true)]
async fn announced_drop_waits_parameter2_not_default_time2wait() {
    use iscsi_initiator::iscsi_proto::wire::AsyncEvent;
    for (announce, at_least, below) in [(true, 0, 1), (false, 2, 3)] {
        let t = target(TargetConfig::default());
        let (session, dialer) = login(&t, config()).await;
        session.test_unit_ready(Lun::default()).await.expect("TUR");
        if announce {
            t.send_async(iscsi_test_target::AsyncSpec::new(
                AsyncEvent::ConnectionDrop,
                [0, 0, 20],
            ));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let dropped = Instant::now();
        t.drop_connections();
        session
            .test_unit_ready(Lun::default())
            .await
            .expect("TUR after the reconnect");
        let times = dialer
            .dial_times
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        assert_eq!(times.len(), 2);
        let waited = times[1] - dropped;
        assert!(
            waited >= Duration::from_secs(at_least) && waited < Duration::from_secs(below),
            "announced {announce}: reconnected after {waited:?}"
        );
        session.shutdown().await.expect("shutdown");
    }
}

/// A discovery session sends only Text and Logout: no keep-alive NOP-Out even when the
/// answer takes longer than the keep-alive interval.
#[tokio::test(start_paused = true)]
async fn discovery_sessions_send_no_keep_alive() {
    let t = target(TargetConfig::default());
    t.update_faults(|f| f.ignore_text = true);
    let mut c = config();
    c.nop_interval = Some(Duration::from_secs(1));
    let err = Initiator::with_dialer(c, PipeDialer::new(&t))
        .discover(&portal())
        .await
        .expect_err("no answer");
    assert!(matches!(err, Error::Timeout(TimeoutKind::Text)), "{err:?}");
    let nops = t
        .captured()
        .iter()
        .filter(|p| p.header.opcode() == Opcode::NopOut)
        .count();
    assert_eq!(nops, 0, "a discovery session pinged the target");
}

/// BUSY, TASK SET FULL and transport-level CHECK CONDITIONs mean the target did not perform
/// the command: the typed helpers re-issue it (bounded); the raw path returns the status.
#[tokio::test(start_paused = true)]
async fn commands_the_target_did_not_perform_are_reissued() {
    use iscsi_initiator::iscsi_proto::wire::ScsiStatus;
    let t = target(TargetConfig::default());
    let (session, _) = login(&t, config()).await;
    let data = pattern(4096, 7);
    t.update_faults(|f| f.status_instead = Some((3, ScsiStatus::Busy)));
    session
        .write_blocks(Lun::default(), 0, data.clone(), 512)
        .await
        .expect("written after three BUSY answers");
    t.update_faults(|f| f.status_instead = Some((2, ScsiStatus::TaskSetFull)));
    t.update_faults(|f| f.aborted_command = Some((2, 0x47, 0x05)));
    let back = session
        .read_blocks(Lun::default(), 0, 8, 512)
        .await
        .expect("read after TASK SET FULL and CRC errors");
    assert!(back == data);
    // Bounded: a target that is always busy ends in the status, not a loop.
    t.update_faults(|f| f.status_instead = Some((1000, ScsiStatus::Busy)));
    let err = session
        .test_unit_ready(Lun::default())
        .await
        .expect_err("always busy");
    assert!(
        matches!(&err, Error::Scsi(e) if e.status == ScsiStatus::Busy),
        "{err:?}"
    );
    // The raw path returns the status as it is.
    t.update_faults(|f| f.status_instead = Some((1, ScsiStatus::Busy)));
    let raw = session
        .execute(iscsi_proto::session::ScsiRequest::no_data(
            Lun::default(),
            vec![0u8; 6],
        ))
        .await
        .expect("raw");
    assert_eq!(raw.outcome.status, ScsiStatus::Busy);
    t.update_faults(|f| f.status_instead = None);
    session.shutdown().await.expect("shutdown");
}

/// A target-requested logout (AsyncEvent 1): the session logs out, waits the Logout
/// Response's Time2Wait, and logs in again at the portal it was configured with (which
/// redirects it again), not at the one a redirect gave it.
#[tokio::test(start_paused = true)]
async fn target_requested_logout_reconnects_at_the_original_portal_after_time2wait() {
    use iscsi_initiator::iscsi_proto::wire::AsyncEvent;
    let mut first = TargetConfig::default();
    first.redirect = Some(Redirect::temporary("127.0.0.2:3261,1"));
    let first = target(first);
    let mut tc = TargetConfig::default();
    // The Logout Response carries DefaultTime2Wait as its Time2Wait.
    tc.params.default_time2wait = 4;
    let second = target(tc);
    let dialer = Arc::new(PipeDialer {
        targets: vec![(3260, first), (3261, second.clone())],
        ..PipeDialer::default()
    });
    let session = Initiator::with_dialer(config(), dialer.clone())
        .login(DEFAULT_TARGET_NAME, &portal())
        .await
        .expect("login");
    session.test_unit_ready(Lun::default()).await.expect("TUR");
    second.send_async(iscsi_test_target::AsyncSpec::new(
        AsyncEvent::LogoutRequest,
        [0, 0, 1],
    ));
    let asked = Instant::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    session
        .test_unit_ready(Lun::default())
        .await
        .expect("TUR after the reconnect");
    let dialled: Vec<String> = dialer.dialled().iter().map(ToString::to_string).collect();
    assert_eq!(
        dialled,
        [
            "127.0.0.1:3260",
            "127.0.0.2:3261",
            "127.0.0.1:3260",
            "127.0.0.2:3261"
        ]
    );
    let times = dialer
        .dial_times
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let waited = times[2] - asked;
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(6),
        "reconnected after {waited:?}"
    );
    session.shutdown().await.expect("shutdown");
}
