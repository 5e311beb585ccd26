//! The engine against the in-process test target, over in-memory pipes (no sockets), and
//! its state file on a private temporary directory per test.

use std::{
    io,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use iscsi_hba::{
    AuthMethod, AutoLogin, ChapRole, ChapSecret, Digest, DigestKind, Engine, EngineConfig,
    HbaError, HbaEvent, LoginParam, LoginParamKey, ObjectId, ObjectKind, PhbaStatus, Portal,
    TimeoutKind,
};
use iscsi_initiator::{
    DialFuture, Dialer, Transport,
    iscsi_proto::scsi::{ReadCapacity16, ReportLuns, ScsiStatus, SenseData, SenseKey},
    iscsi_proto::wire::Opcode,
};
use iscsi_test_target::{ChapAuth, LuConfig, Target, TargetConfig, TargetNodeConfig, serve_stream};

const DISK1: &str = "iqn.2026-01.invalid.ima:disk1";
const DISK2: &str = "iqn.2026-01.invalid.ima:disk2";

/// A fresh directory for one test's state file.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "iscsi-hba-{}-{name}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    fn state(&self) -> PathBuf {
        self.0.join("hba.json")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Connects each dial to the target registered for the portal's port over a fresh pipe;
/// other ports refuse.
#[derive(Debug, Default)]
struct PipeDialer {
    targets: Vec<(u16, Target)>,
}

impl Dialer for PipeDialer {
    fn dial<'a>(&'a self, portal: &'a Portal) -> DialFuture<'a> {
        Box::pin(async move {
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

fn config(path: &Path) -> EngineConfig {
    let mut c = EngineConfig::new(path);
    c.connect_timeout = Duration::from_secs(2);
    c.login_timeout = Duration::from_secs(3);
    c.command_timeout = Duration::from_secs(3);
    c.operation_timeout = Duration::from_secs(10);
    c
}

fn portal(s: &str) -> Portal {
    s.parse().expect("portal")
}

/// A target at port 3260 with two nodes: disk1 (LUN 0, 512 × 2048; LUN 3, 4096 × 100) and
/// disk2 (LUN 1 only, no LUN 0), portal group tag 7.
fn two_disks() -> Target {
    let mut tc = TargetConfig::default();
    tc.targets = vec![
        TargetNodeConfig::new(DISK1).with_lus(vec![
            LuConfig::new(0, 512, 2048),
            LuConfig::new(3, 4096, 100),
        ]),
        TargetNodeConfig::new(DISK2).with_lus(vec![LuConfig::new(1, 512, 64)]),
    ];
    tc.target_portal_group_tag = 7;
    Target::new(tc).expect("target")
}

fn engine(path: &Path, target: &Target) -> Engine {
    let dialer = Arc::new(PipeDialer {
        targets: vec![(3260, target.clone())],
    });
    Engine::with_dialer(config(path), dialer).expect("engine")
}

fn target_id(engine: &Engine, name: &str) -> ObjectId {
    engine
        .targets()
        .into_iter()
        .find(|(_, t)| t.name == name)
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("{name} not found in {:?}", engine.targets()))
}

#[test]
fn node_name_is_generated_once_and_kept() {
    let dir = TempDir::new("node");
    let e = Engine::start(config(&dir.state())).expect("start");
    let name = e.node().name;
    assert!(name.starts_with("iqn.2026-12.org.iscsi-ima:"), "{name}");
    assert!(name.len() > "iqn.2026-12.org.iscsi-ima:".len());
    assert_eq!(e.node().alias, None);
    let text = std::fs::read_to_string(dir.state()).expect("state written");
    assert!(text.contains("\"version\": 1"), "{text}");

    e.set_node_name("iqn.2026-12.org.example:chosen".into())
        .expect("set name");
    let again = Engine::start(config(&dir.state())).expect("restart");
    assert_eq!(again.node().name, "iqn.2026-12.org.example:chosen");

    // A file with a name keeps it; the generated one is not written again.
    let other = TempDir::new("node2");
    let a = Engine::start(config(&other.state())).expect("start");
    let b = Engine::start(config(&other.state())).expect("restart");
    assert_eq!(a.node(), b.node());
}

#[test]
fn node_name_and_alias_are_validated_set_and_cleared() {
    let dir = TempDir::new("alias");
    let e = Engine::start(config(&dir.state())).expect("start");
    e.set_node_alias(Some("rack 4 host".into())).expect("alias");
    assert_eq!(e.node().alias.as_deref(), Some("rack 4 host"));
    let again = Engine::start(config(&dir.state())).expect("restart");
    assert_eq!(again.node().alias.as_deref(), Some("rack 4 host"));
    again.set_node_alias(None).expect("clear");
    assert_eq!(again.node().alias, None);
    again.set_node_alias(Some(String::new())).expect("clear");
    assert_eq!(again.node().alias, None);

    for bad in [String::new(), "a b".into(), "i".repeat(224)] {
        assert!(matches!(
            e.set_node_name(bad),
            Err(HbaError::InvalidArgument(_))
        ));
    }
    assert!(e.set_node_name("i".repeat(223)).is_ok());
    assert!(matches!(
        e.set_node_alias(Some("a".repeat(256))),
        Err(HbaError::InvalidArgument(_))
    ));
    assert!(e.set_node_alias(Some("a".repeat(255))).is_ok());
}

#[test]
fn singletons_describe_a_software_initiator() {
    let dir = TempDir::new("phba");
    let e = Engine::start(config(&dir.state())).expect("start");
    let p = e.phba();
    assert_eq!(
        (p.vendor.as_str(), p.model.as_str()),
        ("iscsi-ima", "software initiator")
    );
    assert!(p.is_initiator && !p.is_target);
    assert!(!p.tcp_offload_engine && !p.iscsi_offload_engine);
    assert!(p.firmware_version.is_empty() && p.option_rom_version.is_empty());
    assert_eq!(p.status, PhbaStatus::Working);
    assert_eq!(e.lhba().phba, ObjectId::PHBA);
    assert_eq!(
        [ObjectId::PHBA.seq, ObjectId::LHBA.seq, ObjectId::NODE.seq],
        [1, 1, 1]
    );
}

#[test]
fn discovery_configuration_persists() {
    let dir = TempDir::new("disc");
    let e = Engine::start(config(&dir.state())).expect("start");
    let d = e.discovery();
    assert!(d.static_enabled && d.send_targets_enabled && !d.isns_enabled && !d.slp_enabled);
    let a = e.add_discovery_address(portal("10.0.0.1")).expect("add");
    let b = e
        .add_discovery_address(portal("[2001:db8::1]:3261"))
        .expect("add");
    // The same address (default port spelled out, a TPGT given) is the same entry.
    assert_eq!(
        e.add_discovery_address(portal("10.0.0.1:3260,5"))
            .expect("dup"),
        a
    );
    assert_eq!(a.kind, ObjectKind::DiscoveryAddress);
    assert_ne!(a, b);
    let s = e
        .add_static_target(DISK1.into(), portal("10.0.0.2:3260,1"))
        .expect("static");
    assert_eq!(
        e.add_static_target(DISK1.into(), portal("10.0.0.2"))
            .expect("dup"),
        s
    );
    let s2 = e
        .add_static_target(DISK2.into(), portal("10.0.0.2"))
        .expect("static");
    e.set_send_targets_discovery(false).expect("set");
    e.set_static_discovery(false).expect("set");

    let again = Engine::start(config(&dir.state())).expect("restart");
    assert_eq!(
        again.discovery_addresses(),
        vec![(a, portal("10.0.0.1")), (b, portal("[2001:db8::1]:3261"))]
    );
    let statics = again.static_targets();
    assert_eq!(statics.len(), 2);
    assert_eq!(statics[0].0, s);
    assert_eq!(statics[0].1.name, DISK1);
    assert_eq!(statics[0].1.portal, portal("10.0.0.2:3260,1"));
    assert_eq!(again.static_target(s2).map(|t| t.name), Some(DISK2.into()));
    assert_eq!(
        again.discovery_address(b),
        Some(portal("[2001:db8::1]:3261"))
    );
    let d = again.discovery();
    assert!(!d.static_enabled && !d.send_targets_enabled);

    again.remove_discovery_address(a).expect("remove");
    again.remove_static_target(s).expect("remove");
    assert!(matches!(
        again.remove_discovery_address(a),
        Err(HbaError::NotFound(id)) if id == a
    ));
    assert!(matches!(
        again.remove_static_target(b),
        Err(HbaError::NotFound(_))
    ));
    assert!(matches!(
        again.remove_discovery_address(ObjectId::NODE),
        Err(HbaError::NotFound(_))
    ));
    let third = Engine::start(config(&dir.state())).expect("restart");
    assert_eq!(
        third.discovery_addresses(),
        vec![(b, portal("[2001:db8::1]:3261"))]
    );
    assert_eq!(third.static_targets().len(), 1);
    // The first engine sees the change after a reload.
    e.reload().expect("reload");
    assert_eq!(e.discovery_addresses().len(), 1);
}

#[test]
fn ids_are_never_reused() {
    let dir = TempDir::new("reuse");
    let e = Engine::start(config(&dir.state())).expect("start");
    let a = e.add_discovery_address(portal("10.0.0.1")).expect("add");
    e.remove_discovery_address(a).expect("remove");
    let a2 = e.add_discovery_address(portal("10.0.0.1")).expect("add");
    assert!(a2.seq > a.seq, "{a2} after {a}");
    let s = e
        .add_static_target(DISK1.into(), portal("10.0.0.1"))
        .expect("add");
    e.remove_static_target(s).expect("remove");
    // After a restart too: the counter is in the file.
    let again = Engine::start(config(&dir.state())).expect("restart");
    let s2 = again
        .add_static_target(DISK1.into(), portal("10.0.0.1"))
        .expect("add");
    assert!(s2.seq > s.seq && s2.seq > a2.seq);
}

#[test]
fn two_processes_adding_at_once_keep_every_address() {
    let dir = TempDir::new("race");
    let path = dir.state();
    let first = Engine::start(config(&path)).expect("start");
    let second = Engine::start(config(&path)).expect("start");
    let threads: Vec<_> = [(first, 1u8), (second, 2u8)]
        .into_iter()
        .map(|(engine, n)| {
            std::thread::spawn(move || {
                (0..20u8)
                    .map(|i| {
                        engine
                            .add_discovery_address(portal(&format!("10.{n}.0.{i}")))
                            .expect("add")
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<ObjectId> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    let third = Engine::start(config(&path)).expect("start");
    let listed = third.discovery_addresses();
    assert_eq!(listed.len(), 40);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "ids are unique across processes");
    let mut listed_ids: Vec<ObjectId> = listed.iter().map(|(id, _)| *id).collect();
    listed_ids.sort();
    assert_eq!(listed_ids, ids);
}

#[test]
fn a_corrupt_state_file_is_refused_and_left_alone() {
    let dir = TempDir::new("corrupt");
    let path = dir.state();
    std::fs::write(&path, b"{\"version\": 1, \"next_id\": ").expect("write");
    let e = Engine::start(config(&path)).unwrap_err();
    assert!(
        matches!(&e, HbaError::CorruptState { path: p, .. } if *p == path),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        b"{\"version\": 1, \"next_id\": "
    );

    // A file that goes bad under a running engine: every change is refused.
    std::fs::remove_file(&path).expect("remove");
    let e = Engine::start(config(&path)).expect("start");
    let bad = b"{\"version\": 2, \"anything\": true}\n";
    std::fs::write(&path, bad).expect("write");
    for result in [
        e.add_discovery_address(portal("10.0.0.1")).map(drop),
        e.set_node_alias(Some("x".into())),
        e.set_static_discovery(false),
    ] {
        match result {
            Err(HbaError::CorruptState { reason, .. }) => assert!(reason.contains("version 2")),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(e.reload(), Err(HbaError::CorruptState { .. })));
    assert_eq!(std::fs::read(&path).expect("read"), bad);
    assert!(matches!(
        Engine::start(config(&path)),
        Err(HbaError::CorruptState { .. })
    ));
}

#[test]
fn the_state_lock_times_out() {
    let dir = TempDir::new("lock");
    let mut c = config(&dir.state());
    c.lock_timeout = Duration::from_millis(50);
    let e = Engine::start(c).expect("start");
    let lock_path = dir.0.join("hba.json.lock");
    // Hold the lock from another open file description, as another process would.
    let holder = std::fs::OpenOptions::new()
        .write(true)
        .open(&lock_path)
        .expect("lock file");
    hold_lock(&holder);
    assert!(matches!(
        e.set_static_discovery(false),
        Err(HbaError::Timeout(TimeoutKind::StateLock))
    ));
    drop(holder);
    e.set_static_discovery(false).expect("free again");
}

fn hold_lock(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor `file` owns and keeps open; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(rc, 0);
}

#[test]
fn interfaces_are_listed() {
    let dir = TempDir::new("net");
    let e = Engine::start(config(&dir.state())).expect("start");
    let lnps = e.lnps();
    assert!(!lnps.is_empty(), "no interface at all");
    assert!(
        lnps.iter()
            .all(|(id, l)| !l.interface.is_empty() && id.kind == ObjectKind::Lnp)
    );
    let pnps = e.pnps();
    assert_eq!(pnps.len(), lnps.len());
    for ((lnp_id, lnp), (_, pnp)) in lnps.iter().zip(&pnps) {
        assert_eq!(lnp.interface, pnp.interface);
        assert_eq!(pnp.lnp, *lnp_id);
    }
    // Ids are stable by interface name.
    assert_eq!(e.lnps(), lnps);
    if let Some((lo, _)) = lnps.iter().find(|(_, l)| l.interface == "lo") {
        assert!(
            e.network_portals()
                .iter()
                .any(|(_, p)| p.lnp == *lo && p.address.is_loopback()),
            "{:?}",
            e.network_portals()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn send_targets_and_static_discovery_merge() {
    let dir = TempDir::new("targets");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    let da = e.add_discovery_address(portal("127.0.0.1")).expect("add");
    let report = e.refresh_discovery().await.expect("refresh");
    assert_eq!(report.addresses.len(), 1);
    assert_eq!(report.addresses[0].id, da);
    assert_eq!(report.addresses[0].outcome.as_ref().ok(), Some(&2));
    assert_eq!(report.targets, 2);
    assert_eq!(report.appeared.len(), 2);
    let targets = e.targets();
    assert_eq!(
        targets
            .iter()
            .map(|(_, t)| t.name.as_str())
            .collect::<Vec<_>>(),
        [DISK1, DISK2]
    );
    for (_, info) in &targets {
        assert!(info.methods.send_targets && !info.methods.static_);
        assert_eq!(info.addresses, vec![portal("127.0.0.1:3260,7")]);
        assert_eq!(info.addresses[0].tpgt, Some(7));
    }
    let disk1 = target_id(&e, DISK1);
    let disk2 = target_id(&e, DISK2);

    // A static entry for disk2 adds the method and its portal; ids stay.
    e.add_static_target(DISK2.into(), portal("127.0.0.1:3260"))
        .expect("static");
    let report = e.refresh_discovery().await.expect("refresh");
    assert!(report.appeared.is_empty() && report.disappeared.is_empty());
    let info = e.target(disk2).expect("disk2");
    assert!(info.methods.static_ && info.methods.send_targets);
    assert_eq!(
        info.addresses,
        vec![portal("127.0.0.1:3260,7"), portal("127.0.0.1:3260")]
    );
    assert_eq!(target_id(&e, DISK1), disk1);

    // Without SendTargets only the static target is left.
    e.set_send_targets_discovery(false).expect("set");
    let report = e.refresh_discovery().await.expect("refresh");
    assert!(report.addresses.is_empty());
    assert_eq!(report.disappeared, vec![disk1]);
    assert_eq!(e.target(disk1), None);
    let info = e.target(disk2).expect("disk2");
    assert!(info.methods.static_ && !info.methods.send_targets);
    assert_eq!(info.addresses, vec![portal("127.0.0.1:3260")]);

    // Without static discovery nothing is left; disk1 comes back with a new id.
    e.set_static_discovery(false).expect("set");
    let report = e.refresh_discovery().await.expect("refresh");
    assert_eq!(report.disappeared, vec![disk2]);
    assert!(e.targets().is_empty());
    e.set_send_targets_discovery(true).expect("set");
    e.refresh_discovery().await.expect("refresh");
    let disk1_again = target_id(&e, DISK1);
    assert!(disk1_again.seq > disk2.seq, "{disk1_again} reused an id");
    e.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_failing_discovery_address_does_not_fail_the_others() {
    let dir = TempDir::new("fail");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    let good = e.add_discovery_address(portal("127.0.0.1")).expect("add");
    e.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&e, DISK1);
    let bad = e
        .add_discovery_address(portal("127.0.0.1:3261"))
        .expect("add");
    let report = e.refresh_discovery().await.expect("refresh");
    assert_eq!(report.addresses.len(), 2);
    let (ok, failed): (Vec<_>, Vec<_>) = report.addresses.iter().partition(|a| a.outcome.is_ok());
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].id, good);
    assert_eq!(failed[0].id, bad);
    assert!(matches!(
        failed[0].outcome,
        Err(HbaError::Initiator(iscsi_initiator::Error::Connect { .. }))
    ));
    assert_eq!(report.targets, 2);
    assert_eq!(target_id(&e, DISK1), disk1);
    e.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn lus_are_described_and_keep_their_ids() {
    let dir = TempDir::new("lus");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    e.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&e, DISK1);
    let lus = e.lus(disk1).await.expect("lus");
    assert_eq!(lus.len(), 2);
    let (lu0, info0) = &lus[0];
    assert_eq!(lu0.kind, ObjectKind::Lu);
    assert_eq!(info0.lun, 0);
    assert_eq!(
        (
            info0.vendor.as_str(),
            info0.product.as_str(),
            info0.revision.as_str()
        ),
        ("IMATEST", "RAM DISK", "0001")
    );
    assert_eq!(info0.device_type, 0);
    assert_eq!((info0.block_size, info0.blocks), (Some(512), Some(2048)));
    let (lu3, info3) = &lus[1];
    assert_eq!(info3.lun, 3);
    assert_eq!((info3.block_size, info3.blocks), (Some(4096), Some(100)));
    assert_eq!(e.lu(*lu3), Some((disk1, info3.clone())));

    // A second scan reuses the session and keeps the ids.
    let logins = t.stats().logins;
    let again = e.lus(disk1).await.expect("lus");
    assert_eq!(again, lus);
    assert_eq!(t.stats().logins, logins);

    let disk2 = target_id(&e, DISK2);
    let lus2 = e.lus(disk2).await.expect("lus");
    assert_eq!(lus2.len(), 1);
    assert_eq!(lus2[0].1.lun, 1);
    let all = e.all_lus();
    assert_eq!(all.len(), 3);
    assert!(all.iter().any(|(id, t, _)| id == lu0 && *t == disk1));
    assert!(all.iter().any(|(_, t, _)| *t == disk2));
    assert!(matches!(
        e.lus(ObjectId::new(ObjectKind::Target, 999)).await,
        Err(HbaError::NotFound(_))
    ));

    // Dropping the target drops its LUs.
    e.set_send_targets_discovery(false).expect("set");
    e.refresh_discovery().await.expect("refresh");
    assert!(e.all_lus().is_empty());
    assert_eq!(e.lu(*lu0), None);
    e.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn pass_through_commands() {
    let dir = TempDir::new("pt");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    e.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&e, DISK1);
    let lus = e.lus(disk1).await.expect("lus");
    let lu3 = lus[1].0;

    // Standard INQUIRY on the target (LUN 0).
    let r = e.inquiry(disk1, false, 0, 96).await.expect("inquiry");
    assert_eq!(r.status, ScsiStatus::Good);
    assert_eq!(r.sense, None);
    assert_eq!(&r.data[8..16], b"IMATEST ");
    assert_eq!(r.data.len(), 36);

    // VPD 0x83 on LUN 3: one T10 vendor id designator with the serial.
    let r = e.inquiry(lu3, true, 0x83, 255).await.expect("vpd");
    assert_eq!(r.status, ScsiStatus::Good);
    assert_eq!(r.data[1], 0x83);
    let text = String::from_utf8_lossy(&r.data);
    assert!(text.contains("IMATEST0003"), "{text}");

    // READ CAPACITY (16) and (10).
    let r = e.read_capacity(lu3, 16, 32).await.expect("rc16");
    assert_eq!(r.status, ScsiStatus::Good);
    let rc = ReadCapacity16::decode(&r.data).expect("decode");
    assert_eq!((rc.returned_lba, rc.block_length), (99, 4096));
    let r = e.read_capacity(disk1, 10, 8).await.expect("rc10");
    assert_eq!(&r.data[..], &[0, 0, 0x07, 0xff, 0, 0, 2, 0]);
    assert!(matches!(
        e.read_capacity(lu3, 12, 8).await,
        Err(HbaError::NotSupported(_))
    ));

    // REPORT LUNS.
    let r = e.report_luns(disk1, 0, 4096).await.expect("report luns");
    let luns = ReportLuns::decode(&r.data).expect("decode");
    let numbers: Vec<Option<u16>> = luns.luns.iter().map(|l| l.index()).collect();
    assert_eq!(numbers, [Some(0), Some(3)]);
    assert!(matches!(
        e.report_luns(disk1, 0, 8).await,
        Err(HbaError::InvalidArgument(_))
    ));

    // disk2 has no LUN 0: CHECK CONDITION with ILLEGAL REQUEST, LOGICAL UNIT NOT
    // SUPPORTED, as data rather than an error.
    let disk2 = target_id(&e, DISK2);
    let r = e
        .read_capacity(disk2, 16, 32)
        .await
        .expect("check condition");
    assert_eq!(r.status, ScsiStatus::CheckCondition);
    let sense = SenseData::decode(r.sense.as_deref().expect("sense")).expect("decode");
    assert_eq!(sense.sense_key, SenseKey::IllegalRequest);
    assert_eq!((sense.asc, sense.ascq), (0x25, 0));
    // INQUIRY there answers peripheral qualifier 3.
    let r = e.inquiry(disk2, false, 0, 36).await.expect("inquiry");
    assert_eq!(r.data[0] >> 5, 3);
    // An unsupported VPD page is a CHECK CONDITION too.
    let r = e.inquiry(lu3, true, 0xb0, 64).await.expect("vpd b0");
    assert_eq!(r.status, ScsiStatus::CheckCondition);

    // Objects that are not devices.
    assert!(matches!(
        e.inquiry(ObjectId::NODE, false, 0, 36).await,
        Err(HbaError::NotSupported(_))
    ));
    assert!(matches!(
        e.inquiry(ObjectId::new(ObjectKind::Lu, 999), false, 0, 36)
            .await,
        Err(HbaError::NotFound(_))
    ));
    assert!(matches!(
        e.inquiry(disk1, false, 0x80, 36).await,
        Err(HbaError::InvalidArgument(_))
    ));

    // After shutdown, nothing talks to targets any more.
    e.shutdown().await;
    assert!(matches!(
        e.inquiry(disk1, false, 0, 36).await,
        Err(HbaError::ShutDown)
    ));
    assert!(matches!(e.lus(disk1).await, Err(HbaError::ShutDown)));
    assert!(matches!(
        e.refresh_discovery().await,
        Err(HbaError::ShutDown)
    ));
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_target_hits_the_deadline() {
    let dir = TempDir::new("deadline");
    let t = two_disks();
    t.update_faults(|f| f.ignore_text = true);
    let e = engine(&dir.state(), &t);
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    let report = e.refresh_discovery().await.expect("refresh");
    assert!(matches!(
        report.addresses[0].outcome,
        Err(HbaError::Initiator(iscsi_initiator::Error::Timeout(_)))
            | Err(HbaError::Timeout(TimeoutKind::Operation))
    ));
    assert!(e.targets().is_empty());
}

// ---- Login parameters ----

/// Every `Key=Value` of the Login Requests the target received.
fn login_keys(t: &Target) -> Vec<(String, String)> {
    t.captured()
        .iter()
        .filter(|p| p.header.opcode() == Opcode::LoginRequest)
        .flat_map(|p| {
            p.data
                .split(|b| *b == 0)
                .filter_map(|kv| {
                    let kv = std::str::from_utf8(kv).ok()?;
                    let (k, v) = kv.split_once('=')?;
                    Some((k.to_owned(), v.to_owned()))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn offered(t: &Target, key: &str) -> Vec<String> {
    login_keys(t)
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn login_params_default_to_the_initiators_offer() {
    let dir = TempDir::new("params-defaults");
    let e = Engine::start(config(&dir.state())).expect("start");
    let p = e.login_params(ObjectId::LHBA).expect("params");
    use LoginParam as P;
    for expected in [
        P::MaxRecvDataSegmentLength(262_144),
        P::MaxBurstLength(262_144),
        P::FirstBurstLength(65_536),
        P::ImmediateData(true),
        P::InitialR2T(false),
        P::MaxOutstandingR2T(4),
        P::DataPduInOrder(true),
        P::DataSequenceInOrder(true),
        P::DefaultTime2Wait(2),
        P::DefaultTime2Retain(20),
        P::ErrorRecoveryLevel(0),
        P::MaxConnections(1),
    ] {
        assert_eq!(p.get(expected.key()), expected);
        assert_eq!(expected.key().default_value(), expected);
    }
    assert!(p.overridden.is_empty());
    assert_eq!(p.values.len(), 12);
    assert!(!LoginParamKey::ErrorRecoveryLevel.settable());
    assert!(LoginParamKey::MaxBurstLength.settable());
    assert_eq!(
        LoginParamKey::FirstBurstLength.range(),
        Some((512, 16_777_215))
    );
    assert!(matches!(
        e.login_params(ObjectId::NODE),
        Err(HbaError::NotFound(_))
    ));
    assert!(matches!(
        e.login_params(ObjectId::new(ObjectKind::Target, 99)),
        Err(HbaError::NotFound(_))
    ));
    // Nothing set: the file has no login_params field (old readers still load it).
    let text = std::fs::read_to_string(dir.state()).expect("state");
    assert!(!text.contains("login_params"), "{text}");
}

#[test]
fn login_params_are_validated() {
    let dir = TempDir::new("params-invalid");
    let e = Engine::start(config(&dir.state())).expect("start");
    use LoginParam as P;
    for bad in [
        P::FirstBurstLength(511),
        P::MaxBurstLength(16_777_216),
        P::MaxRecvDataSegmentLength(0),
        P::DefaultTime2Wait(3601),
        P::DefaultTime2Retain(u32::MAX),
        P::MaxOutstandingR2T(0),
        P::MaxOutstandingR2T(65_536),
        P::ErrorRecoveryLevel(3),
        P::MaxConnections(0),
        // FirstBurstLength above the MaxBurstLength in force (262144), and back.
        P::FirstBurstLength(262_145),
        P::MaxBurstLength(65_535),
    ] {
        assert!(
            matches!(
                e.set_login_param(ObjectId::LHBA, bad),
                Err(HbaError::InvalidArgument(_))
            ),
            "{bad:?}"
        );
    }
    // Not settable: another value is refused, the fixed one accepted (and not stored).
    for fixed in [
        P::ErrorRecoveryLevel(1),
        P::MaxConnections(2),
        P::DataPduInOrder(false),
        P::DataSequenceInOrder(false),
    ] {
        assert!(
            matches!(
                e.set_login_param(ObjectId::LHBA, fixed),
                Err(HbaError::NotSupported(_))
            ),
            "{fixed:?}"
        );
    }
    for same in [
        P::ErrorRecoveryLevel(0),
        P::MaxConnections(1),
        P::DataPduInOrder(true),
        P::DataSequenceInOrder(true),
    ] {
        e.set_login_param(ObjectId::LHBA, same)
            .expect("fixed value");
    }
    let p = e.login_params(ObjectId::LHBA).expect("params");
    assert!(p.overridden.is_empty(), "{:?}", p.overridden);
    assert_eq!(
        p.get(LoginParamKey::MaxBurstLength),
        P::MaxBurstLength(262_144)
    );

    // The boundaries are accepted; FirstBurstLength may equal MaxBurstLength.
    e.set_login_param(ObjectId::LHBA, P::MaxBurstLength(16_777_215))
        .expect("max");
    e.set_login_param(ObjectId::LHBA, P::FirstBurstLength(16_777_215))
        .expect("first = max");
    assert!(matches!(
        e.set_login_param(ObjectId::LHBA, P::MaxBurstLength(16_777_214)),
        Err(HbaError::InvalidArgument(_))
    ));
    e.set_login_param(ObjectId::LHBA, P::FirstBurstLength(512))
        .expect("min");
    e.set_login_param(ObjectId::LHBA, P::MaxBurstLength(512))
        .expect("min");
    e.set_login_param(ObjectId::LHBA, P::DefaultTime2Wait(0))
        .expect("0");
    e.set_login_param(ObjectId::LHBA, P::DefaultTime2Retain(3600))
        .expect("3600");
    e.set_login_param(ObjectId::LHBA, P::MaxOutstandingR2T(65_535))
        .expect("65535");
    assert!(matches!(
        e.set_login_param(ObjectId::NODE, P::MaxOutstandingR2T(2)),
        Err(HbaError::NotFound(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn login_params_on_a_target_override_the_lhba_and_persist() {
    let dir = TempDir::new("params-target");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    e.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&e, DISK1);
    let disk2 = target_id(&e, DISK2);
    use LoginParam as P;

    e.set_login_param(ObjectId::LHBA, P::MaxBurstLength(131_072))
        .expect("lhba");
    e.set_login_param(ObjectId::LHBA, P::ImmediateData(false))
        .expect("lhba");
    e.set_login_param(disk1, P::FirstBurstLength(8192))
        .expect("target");
    e.set_login_param(disk1, P::ImmediateData(true))
        .expect("target");
    e.set_login_param(disk1, P::DefaultTime2Wait(7))
        .expect("target");

    let lhba = e.login_params(ObjectId::LHBA).expect("lhba");
    assert_eq!(
        lhba.overridden,
        vec![LoginParamKey::MaxBurstLength, LoginParamKey::ImmediateData]
    );
    let d1 = e.login_params(disk1).expect("disk1");
    assert_eq!(
        d1.get(LoginParamKey::MaxBurstLength),
        P::MaxBurstLength(131_072)
    );
    assert_eq!(
        d1.get(LoginParamKey::FirstBurstLength),
        P::FirstBurstLength(8192)
    );
    assert_eq!(d1.get(LoginParamKey::ImmediateData), P::ImmediateData(true));
    assert_eq!(
        d1.get(LoginParamKey::DefaultTime2Wait),
        P::DefaultTime2Wait(7)
    );
    assert_eq!(
        d1.overridden,
        vec![
            LoginParamKey::FirstBurstLength,
            LoginParamKey::DefaultTime2Wait,
            LoginParamKey::ImmediateData
        ]
    );
    let d2 = e.login_params(disk2).expect("disk2");
    assert_eq!(
        d2.get(LoginParamKey::FirstBurstLength),
        P::FirstBurstLength(65_536)
    );
    assert_eq!(
        d2.get(LoginParamKey::ImmediateData),
        P::ImmediateData(false)
    );
    assert!(d2.overridden.is_empty());

    // A target's FirstBurstLength is checked against the MaxBurstLength in force for it,
    // and an LHBA change that would break a target's configuration is refused.
    assert!(matches!(
        e.set_login_param(disk2, P::FirstBurstLength(131_073)),
        Err(HbaError::InvalidArgument(_))
    ));
    assert!(matches!(
        e.set_login_param(ObjectId::LHBA, P::MaxBurstLength(8191)),
        Err(HbaError::InvalidArgument(_))
    ));

    // Persisted, by target name: a new engine (new target ids) sees them.
    let text = std::fs::read_to_string(dir.state()).expect("state");
    assert!(
        text.contains(DISK1) && text.contains("\"FirstBurstLength\": 8192"),
        "{text}"
    );
    e.shutdown().await;
    let again = engine(&dir.state(), &t);
    assert_eq!(again.login_params(ObjectId::LHBA).expect("lhba"), lhba);
    again.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&again, DISK1);
    assert_eq!(again.login_params(disk1).expect("disk1"), d1);
    again.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_next_login_offers_the_values_set() {
    let dir = TempDir::new("params-login");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    e.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&e, DISK1);
    let disk2 = target_id(&e, DISK2);
    use LoginParam as P;
    e.set_login_param(ObjectId::LHBA, P::MaxBurstLength(131_072))
        .expect("lhba");
    e.set_login_param(ObjectId::LHBA, P::MaxRecvDataSegmentLength(65_536))
        .expect("lhba");
    e.set_login_param(disk1, P::MaxBurstLength(98_304))
        .expect("target");
    e.set_login_param(disk1, P::DefaultTime2Retain(30))
        .expect("target");

    t.clear_captured();
    e.lus(disk1).await.expect("lus");
    assert_eq!(offered(&t, "MaxBurstLength"), ["98304"]);
    assert_eq!(offered(&t, "MaxRecvDataSegmentLength"), ["65536"]);
    assert_eq!(offered(&t, "DefaultTime2Retain"), ["30"]);
    assert_eq!(offered(&t, "FirstBurstLength"), ["65536"]);

    t.clear_captured();
    e.lus(disk2).await.expect("lus");
    assert_eq!(offered(&t, "MaxBurstLength"), ["131072"]);
    assert_eq!(offered(&t, "DefaultTime2Retain"), ["20"]);
    e.shutdown().await;
}

// ---- sessions, events, statistics ----

/// Waits (in paused time) until `done` holds, at most 60 s of it.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..6000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Every event received so far.
fn drain(rx: &mut tokio::sync::broadcast::Receiver<HbaEvent>) -> Vec<HbaEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

fn shown(events: &[HbaEvent], kind: ObjectKind, visible: bool) -> Vec<ObjectId> {
    events
        .iter()
        .filter_map(|e| match e {
            HbaEvent::Visibility { id, visible: v } if id.kind == kind && *v == visible => {
                Some(*id)
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_supervisor_logs_in_to_what_discovery_finds_and_tells_subscribers() {
    let dir = TempDir::new("supervisor");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    let mut rx = e.events();
    let address = e.add_discovery_address(portal("127.0.0.1")).expect("add");
    let supervisor = tokio::spawn(e.clone().supervise());
    until("two sessions and three LUs", || {
        e.sessions().len() == 2 && e.all_lus().len() == 3
    })
    .await;

    let disk1 = target_id(&e, DISK1);
    let sessions = e.target_sessions(disk1).expect("sessions");
    assert_eq!(sessions.len(), 1);
    let info = e.session_info(sessions[0]).expect("session");
    assert_eq!(info.target, disk1);
    assert_eq!(info.snapshot.target, DISK1);
    assert_ne!(info.snapshot.tsih.0, 0);
    assert_eq!(info.snapshot.params.target_portal_group_tag, Some(7));
    assert_eq!(
        e.connections(sessions[0]).expect("conns"),
        vec![info.connection]
    );
    let conn = e.connection_info(info.connection).expect("connection");
    assert_eq!(conn.session, sessions[0]);

    let events = drain(&mut rx);
    assert_eq!(shown(&events, ObjectKind::Target, true).len(), 2);
    assert_eq!(shown(&events, ObjectKind::Session, true).len(), 2);
    assert_eq!(shown(&events, ObjectKind::Connection, true).len(), 2);
    assert_eq!(shown(&events, ObjectKind::Lu, true).len(), 3);

    // The address goes: its targets, LUs, sessions and connections go, and are said to.
    e.remove_discovery_address(address).expect("remove");
    until("no sessions", || {
        e.sessions().is_empty() && e.targets().is_empty()
    })
    .await;
    let events = drain(&mut rx);
    assert_eq!(shown(&events, ObjectKind::Target, false).len(), 2);
    assert_eq!(shown(&events, ObjectKind::Session, false).len(), 2);
    assert_eq!(shown(&events, ObjectKind::Connection, false).len(), 2);
    assert_eq!(shown(&events, ObjectKind::Lu, false).len(), 3);
    until("the connections closed", || t.connection_count() == 0).await;

    e.shutdown().await;
    supervisor.await.expect("supervisor ends at shutdown");
    assert!(matches!(
        rx.recv().await,
        Err(tokio::sync::broadcast::error::RecvError::Closed)
    ));
}

#[tokio::test(start_paused = true)]
async fn a_reinstated_session_keeps_its_id_and_gets_a_new_connection() {
    let dir = TempDir::new("reinstate");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_static_target(DISK1.into(), portal("127.0.0.1"))
        .expect("add");
    let report = e.rescan().await.expect("rescan");
    assert_eq!(report.logged_in.len(), 1);
    let (sid, before) = e.sessions().pop().expect("a session");
    let mut rx = e.events();
    t.drop_connections();
    until("reinstated", || {
        e.session_info(sid)
            .is_some_and(|s| s.snapshot.reconnects == 1 && s.connection != before.connection)
    })
    .await;
    let after = e.session_info(sid).expect("same session");
    assert_eq!(after.snapshot.isid, before.snapshot.isid);
    let events = drain(&mut rx);
    assert_eq!(
        shown(&events, ObjectKind::Connection, false),
        vec![before.connection]
    );
    assert_eq!(
        shown(&events, ObjectKind::Connection, true),
        vec![after.connection]
    );
    assert!(events.contains(&HbaEvent::Property(sid)));
    let errors = e.target_errors(after.target).expect("errors");
    assert_eq!(errors.connections_lost, 1);
    assert_eq!(errors.reconnects, 1);
    e.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn logout_holds_a_target_out_until_login() {
    let dir = TempDir::new("logout");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_static_target(DISK1.into(), portal("127.0.0.1"))
        .expect("add");
    e.rescan().await.expect("rescan");
    let disk1 = target_id(&e, DISK1);
    assert_eq!(e.all_lus().len(), 2);
    assert_eq!(e.logout(disk1).await.expect("logout"), 1);
    assert!(e.sessions().is_empty());
    assert!(e.all_lus().is_empty(), "no session, no LUs");
    // Neither the supervisor nor an on-demand call logs in again.
    let report = e.rescan().await.expect("rescan");
    assert!(report.logged_in.is_empty());
    assert!(e.lus(disk1).await.expect("lus").is_empty());
    assert!(matches!(
        e.inquiry(disk1, false, 0, 96).await,
        Err(HbaError::LoggedOut(id)) if id == disk1
    ));
    assert!(e.sessions().is_empty());
    let sid = e.login(disk1).await.expect("login");
    assert_eq!(e.target_sessions(disk1).expect("sessions"), vec![sid]);
    assert_eq!(e.lus(disk1).await.expect("lus").len(), 2);
    e.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn automatic_login_can_be_turned_off_per_method_and_persists() {
    let dir = TempDir::new("autologin");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    assert_eq!(
        e.auto_login(),
        AutoLogin {
            static_targets: true,
            send_targets: true
        }
    );
    let off = AutoLogin {
        static_targets: false,
        send_targets: true,
    };
    e.set_auto_login(off).expect("set");
    e.add_static_target(DISK1.into(), portal("127.0.0.1"))
        .expect("add");
    let report = e.rescan().await.expect("rescan");
    assert_eq!(report.targets, 1);
    assert!(report.logged_in.is_empty() && e.sessions().is_empty());
    let again = engine(&dir.state(), &t);
    assert_eq!(again.auto_login(), off);
    // SendTargets finds both; only its targets are logged in to... and DISK1 is found by
    // both methods, so it is logged in to as well.
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    let report = e.rescan().await.expect("rescan");
    assert_eq!(report.logged_in.len(), 2);
    e.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn failed_logins_are_counted_and_retried_with_back_off() {
    let dir = TempDir::new("backoff");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    // Port 3261 refuses every connection.
    e.add_static_target(DISK1.into(), portal("127.0.0.1:3261"))
        .expect("add");
    let report = e.rescan().await.expect("rescan");
    assert_eq!(report.login_failures.len(), 1);
    let disk1 = target_id(&e, DISK1);
    let errors = e.target_errors(disk1).expect("errors");
    assert_eq!(errors.login_failures.connect, 1);
    assert_eq!(errors.login_failures.total(), 1);
    assert!(errors.last_login_failure.is_some());
    // Not again at once: the retry is 1 s away, then 2 s.
    let connect_failures_after = |wait_ms: u64| {
        let e = e.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            e.rescan().await.expect("rescan");
            e.target_errors(disk1)
                .expect("errors")
                .login_failures
                .connect
        }
    };
    assert_eq!(connect_failures_after(0).await, 1);
    assert_eq!(connect_failures_after(1100).await, 2);
    assert_eq!(connect_failures_after(1100).await, 2);
    e.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn statistics_count_commands_and_bytes_and_can_be_turned_off() {
    let dir = TempDir::new("stats");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_static_target(DISK1.into(), portal("127.0.0.1"))
        .expect("add");
    e.rescan().await.expect("rescan");
    let disk1 = target_id(&e, DISK1);
    let (lu3, _) = e
        .all_lus()
        .into_iter()
        .find(|(_, _, info)| info.lun == 3)
        .map(|(id, _, info)| (id, info))
        .expect("LUN 3");
    let target_before = e.device_stats(disk1).expect("target stats");
    assert!(
        target_before.commands >= 4,
        "the scan's commands are the target's"
    );
    assert_eq!(e.device_stats(lu3).expect("lu stats"), Default::default());
    for _ in 0..5 {
        let r = e.inquiry(lu3, false, 0, 36).await.expect("inquiry");
        assert_eq!(r.data.len(), 36);
    }
    let lu = e.device_stats(lu3).expect("lu stats");
    assert_eq!((lu.commands, lu.bytes_read, lu.bytes_written), (5, 180, 0));
    assert_eq!(lu.pdus, None);
    let target = e.device_stats(disk1).expect("target stats");
    assert_eq!(target.commands - target_before.commands, 5);
    assert_eq!(target.bytes_read - target_before.bytes_read, 180);
    let pdus = target.pdus.expect("target PDUs");
    assert!(pdus.pdus_out >= 5 && pdus.bytes_in > 180);

    // Off: the getter refuses; on again: counts from zero.
    e.set_statistics(lu3, false).expect("off");
    assert!(!e.statistics_enabled(lu3).expect("enabled"));
    assert!(matches!(e.device_stats(lu3), Err(HbaError::StatisticsDisabled(id)) if id == lu3));
    e.inquiry(lu3, false, 0, 36).await.expect("inquiry");
    e.set_statistics(lu3, true).expect("on");
    assert_eq!(e.device_stats(lu3).expect("lu stats").commands, 0);
    e.inquiry(lu3, false, 0, 36).await.expect("inquiry");
    assert_eq!(e.device_stats(lu3).expect("lu stats").commands, 1);
    // The LHBA stands for every object.
    e.set_statistics(ObjectId::LHBA, false).expect("off");
    assert!(matches!(
        e.device_stats(disk1),
        Err(HbaError::StatisticsDisabled(_))
    ));
    e.set_statistics(ObjectId::LHBA, true).expect("on");
    assert_eq!(e.device_stats(disk1).expect("target").commands, 0);

    // A session that ends keeps counting in the target's totals.
    let total = e.device_stats(disk1).expect("target");
    e.logout(disk1).await.expect("logout");
    assert_eq!(
        e.device_stats(disk1).expect("target").commands,
        total.commands
    );
    let lo = e
        .pnps()
        .into_iter()
        .find(|(_, p)| p.interface == "lo")
        .map(|(id, _)| id);
    if let Some(lo) = lo {
        // The pipe transport has no socket address: no port sees these sessions.
        assert_eq!(e.port_stats(lo).expect("port"), Default::default());
    }
    e.shutdown().await;
}

// ---- Authentication and digests ----

fn chap_secret(text: &str) -> ChapSecret {
    ChapSecret::new(text.as_bytes().to_vec()).expect("secret")
}

/// Two disks that require CHAP (`me` / `initiator-secret`) and answer mutual CHAP as
/// `disk-target` / `target-secret-1`.
fn chap_disks() -> Target {
    let mut tc = TargetConfig::default();
    tc.targets = vec![
        TargetNodeConfig::new(DISK1).with_lus(vec![LuConfig::new(0, 512, 2048)]),
        TargetNodeConfig::new(DISK2).with_lus(vec![LuConfig::new(1, 512, 64)]),
    ];
    tc.auth =
        Some(ChapAuth::new("me", "initiator-secret").with_mutual("disk-target", "target-secret-1"));
    Target::new(tc).expect("target")
}

#[test]
fn auth_settings_are_checked_persisted_and_never_shown() {
    let dir = TempDir::new("auth-settings");
    let e = Engine::start(config(&dir.state())).expect("start");
    let lhba = ObjectId::LHBA;
    assert_eq!(
        e.supported_auth_methods(),
        [AuthMethod::None, AuthMethod::Chap]
    );
    assert_eq!(e.auth_methods(), [AuthMethod::None]);
    assert!(matches!(
        e.set_auth_methods(&[]),
        Err(HbaError::InvalidArgument(_))
    ));
    assert!(matches!(
        e.set_auth_methods(&[AuthMethod::Chap, AuthMethod::Chap]),
        Err(HbaError::InvalidArgument(_))
    ));
    assert!(ChapSecret::new(b"short".to_vec()).is_err());
    // No secret given and none stored.
    assert!(matches!(
        e.set_chap(lhba, ChapRole::Initiator, "me".into(), None, None),
        Err(HbaError::InvalidArgument(_))
    ));
    e.set_chap(
        lhba,
        ChapRole::Initiator,
        "me".into(),
        Some(chap_secret("initiator-secret")),
        None,
    )
    .expect("chap");
    // The same secret for the target: refused (RFC 7143 §9.2.1).
    assert!(matches!(
        e.set_chap(
            lhba,
            ChapRole::Target,
            "t".into(),
            Some(chap_secret("initiator-secret")),
            None
        ),
        Err(HbaError::InvalidArgument(_))
    ));
    e.set_chap(
        lhba,
        ChapRole::Target,
        "t".into(),
        Some(chap_secret("target-secret-1")),
        None,
    )
    .expect("mutual");
    // The name alone changes; the secret is kept.
    e.set_chap(lhba, ChapRole::Initiator, "me2".into(), None, None)
        .expect("rename");
    assert!(matches!(
        e.set_chap(lhba, ChapRole::Initiator, "x".into(), None, Some(false)),
        Err(HbaError::NotSupported(_))
    ));
    e.set_auth_methods(&[AuthMethod::Chap, AuthMethod::None])
        .expect("methods");
    let info = e
        .chap(lhba, ChapRole::Initiator)
        .expect("get")
        .expect("set");
    assert_eq!((info.name.as_str(), info.secret_len), ("me2", 16));
    assert!(!format!("{info:?}").contains("initiator-secret"));
    assert!(matches!(
        e.chap(ObjectId::NODE, ChapRole::Initiator),
        Err(HbaError::NotFound(_))
    ));

    // Mode 0600, secrets hex-encoded, and a new engine reads them back.
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(dir.state()).expect("state");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(dir.state()).expect("state");
    assert!(!text.contains("initiator-secret"), "{text}");
    let again = Engine::start(config(&dir.state())).expect("again");
    assert_eq!(again.auth_methods(), [AuthMethod::Chap, AuthMethod::None]);
    assert_eq!(
        again.chap(lhba, ChapRole::Initiator).expect("get"),
        Some(info)
    );
    assert_eq!(
        again
            .chap(lhba, ChapRole::Target)
            .expect("get")
            .map(|c| c.name),
        Some("t".to_owned())
    );
    again
        .remove_chap(lhba, ChapRole::Target, "t")
        .expect("remove");
    assert!(matches!(
        again.remove_chap(lhba, ChapRole::Target, "t"),
        Err(HbaError::InvalidArgument(_))
    ));
    assert_eq!(again.chap(lhba, ChapRole::Target).expect("get"), None);
}

#[tokio::test(start_paused = true)]
async fn chap_set_on_the_lhba_and_a_target_is_what_the_login_uses() {
    let dir = TempDir::new("auth-login");
    let t = chap_disks();
    let e = engine(&dir.state(), &t);
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    e.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&e, DISK1);
    let disk2 = target_id(&e, DISK2);
    // No authentication yet: the target refuses.
    assert!(e.lus(disk1).await.is_err());

    let lhba = ObjectId::LHBA;
    e.set_chap(
        lhba,
        ChapRole::Initiator,
        "me".into(),
        Some(chap_secret("wrong-secret-00")),
        None,
    )
    .expect("chap");
    e.set_auth_methods(&[AuthMethod::Chap]).expect("methods");
    let wrong = e.lus(disk1).await.expect_err("wrong secret");
    assert!(
        matches!(
            &wrong,
            HbaError::Initiator(iscsi_initiator::Error::Login {
                reason: iscsi_initiator::LoginFailure::Authentication(_),
                ..
            })
        ),
        "{wrong:?}"
    );
    // A target's own credentials, enabled, win over the LHBA's.
    e.set_chap(
        disk1,
        ChapRole::Initiator,
        "me".into(),
        Some(chap_secret("initiator-secret")),
        Some(true),
    )
    .expect("local chap");
    e.lus(disk1).await.expect("one-way CHAP");
    assert!(
        e.lus(disk2).await.is_err(),
        "disk2 still uses the LHBA's wrong secret"
    );

    // Mutual CHAP on disk2 with the right LHBA secret: the target must prove itself.
    e.set_chap(
        disk1,
        ChapRole::Initiator,
        "me".into(),
        Some(chap_secret("initiator-secret")),
        Some(false),
    )
    .expect("disable local");
    e.set_chap(
        lhba,
        ChapRole::Initiator,
        "me".into(),
        Some(chap_secret("initiator-secret")),
        None,
    )
    .expect("lhba chap");
    e.set_chap(
        disk2,
        ChapRole::Target,
        "disk-target".into(),
        Some(chap_secret("not-the-target")),
        Some(true),
    )
    .expect("mutual");
    assert!(
        e.lus(disk2).await.is_err(),
        "the target cannot prove a secret it does not have"
    );
    e.set_chap(
        disk2,
        ChapRole::Target,
        "disk-target".into(),
        Some(chap_secret("target-secret-1")),
        None,
    )
    .expect("mutual");
    e.lus(disk2).await.expect("mutual CHAP");

    // CHAP alone, no credentials for a target: the login is refused before it starts.
    e.remove_chap(lhba, ChapRole::Initiator, "me")
        .expect("remove");
    e.shutdown().await;
    let again = engine(&dir.state(), &t);
    again.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&again, DISK1);
    assert!(matches!(
        again.lus(disk1).await,
        Err(HbaError::InvalidArgument(_))
    ));
    again.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn digest_offers_are_set_per_lhba_and_target() {
    let dir = TempDir::new("digests");
    let t = two_disks();
    let e = engine(&dir.state(), &t);
    e.add_discovery_address(portal("127.0.0.1")).expect("add");
    e.refresh_discovery().await.expect("refresh");
    let disk1 = target_id(&e, DISK1);
    let disk2 = target_id(&e, DISK2);
    let lhba = ObjectId::LHBA;
    assert_eq!(
        e.digests(lhba, DigestKind::Header).expect("get"),
        [Digest::None]
    );
    assert!(matches!(
        e.set_digests(lhba, DigestKind::Header, &[]),
        Err(HbaError::InvalidArgument(_))
    ));
    assert!(matches!(
        e.set_digests(lhba, DigestKind::Data, &[Digest::None, Digest::None]),
        Err(HbaError::InvalidArgument(_))
    ));
    e.set_digests(lhba, DigestKind::Header, &[Digest::Crc32c, Digest::None])
        .expect("lhba");
    e.set_digests(disk1, DigestKind::Data, &[Digest::Crc32c])
        .expect("target");
    assert_eq!(
        e.digests(disk2, DigestKind::Header).expect("get"),
        [Digest::Crc32c, Digest::None]
    );
    assert_eq!(
        e.digests(disk2, DigestKind::Data).expect("get"),
        [Digest::None]
    );
    assert_eq!(
        e.digests(disk1, DigestKind::Data).expect("get"),
        [Digest::Crc32c]
    );

    t.clear_captured();
    e.lus(disk1).await.expect("lus");
    assert_eq!(offered(&t, "HeaderDigest"), ["CRC32C,None"]);
    assert_eq!(offered(&t, "DataDigest"), ["CRC32C"]);
    t.clear_captured();
    e.lus(disk2).await.expect("lus");
    assert_eq!(offered(&t, "DataDigest"), ["None"]);
    e.shutdown().await;
}
