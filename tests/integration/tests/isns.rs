//! The iSNS client against a real `isnsd` (open-isns) on loopback, targets registered by
//! `isnsadm --register` and by a real tgtd through its iSNS settings. Each test starts its
//! own isnsd on a free port.
//!
//! These tests need open-isns and tgt installed (`scripts/test.sh` installs them). They fail,
//! rather than skip, when they are missing, so a CI run cannot pass without them.

use std::{
    net::{IpAddr, Ipv4Addr},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use iscsi_initiator::{
    Initiator, InitiatorConfig, Portal,
    iscsi_proto::{discovery::Host, isns::scn},
    isns::{IsnsClient, IsnsClientError, IsnsPortalGroup},
};
use iscsi_integration_tests::{isns::Isnsd, tgt::Tgtd};

const INITIATOR: &str = "iqn.2026-12.test.isns:initiator";
const ARRAY3: &str = "iqn.2026-12.test.isns:array3";
const ARRAY4: &str = "iqn.2026-12.test.isns:array4";
const DISK1: &str = "iqn.2026-12.test.isns:disk1";
const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn scratch() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "iscsi-isns-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

fn isnsd() -> Isnsd {
    Isnsd::start(&scratch()).expect("isnsd must be installed and start (scripts/test.sh)")
}

fn client(isnsd: &Isnsd) -> IsnsClient {
    IsnsClient::new("127.0.0.1", isnsd.port(), INITIATOR).with_timeout(Duration::from_secs(5))
}

fn pg(port: u16, tag: u16) -> IsnsPortalGroup {
    IsnsPortalGroup { ip: LO, port, tag }
}

#[tokio::test]
async fn lists_targets_with_portals_and_tpgts() {
    let isnsd = isnsd();
    isnsd
        .register_target("array3", ARRAY3, &[(3262, 5), (3263, 6)])
        .expect("register array3");
    isnsd
        .register_target("array4", ARRAY4, &[(3264, 1)])
        .expect("register array4");
    let client = client(&isnsd);
    let mut targets = client.list_targets().await.expect("list");
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    let found: Vec<(&str, &[IsnsPortalGroup])> = targets
        .iter()
        .map(|t| (t.name.as_str(), t.portal_groups.as_slice()))
        .collect();
    assert_eq!(
        found,
        [
            (ARRAY3, &[pg(3262, 5), pg(3263, 6)][..]),
            (ARRAY4, &[pg(3264, 1)][..]),
        ]
    );
    // open-iscsi's line form.
    assert_eq!(targets[0].portal_groups[1].to_string(), "127.0.0.1:3263,6");
    // The DevGetNext walk finds the same.
    let mut walked = client.list_targets_by_walk().await.expect("walk");
    walked.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(walked, targets);
    // Nothing registered: an empty list, not an error.
    isnsd.deregister_entity("array3", ARRAY3).expect("dereg");
    isnsd.deregister_entity("array4", ARRAY4).expect("dereg");
    assert_eq!(client.list_targets().await.expect("list"), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tgtd_target_registered_through_isns_logs_in() {
    let isnsd = isnsd();
    let mut tgtd = Tgtd::start(&scratch()).expect("tgtd must be installed and start");
    tgtd.enable_isns(isnsd.port()).expect("tgt iSNS settings");
    tgtd.add_target(DISK1, 8 << 20).expect("target");
    let client = client(&isnsd);
    // tgt registers asynchronously.
    let deadline = Instant::now() + Duration::from_secs(15);
    let target = loop {
        let targets = client.list_targets().await.expect("list");
        if let Some(t) = targets.into_iter().find(|t| t.name == DISK1) {
            if !t.portal_groups.is_empty() {
                break t;
            }
        }
        assert!(
            Instant::now() < deadline,
            "tgtd's target never appeared in isnsd"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(target.portal_groups, [pg(tgtd.port(), 1)]);
    let group = target.portal_groups[0];
    let portal = Portal {
        host: Host::Ipv4(Ipv4Addr::LOCALHOST),
        port: group.port,
        tpgt: Some(group.tag),
    };
    let initiator = Initiator::new(InitiatorConfig::new(INITIATOR));
    let session = initiator.login(&target.name, &portal).await.expect("login");
    assert_eq!(session.snapshot().portal.tpgt, Some(1));
    session.shutdown().await.expect("logout");
    tgtd.disable_isns().expect("iSNS off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_that_come_and_go_are_reported_by_scn() {
    let isnsd = isnsd();
    let client = Arc::new(client(&isnsd));
    let mut watch = client
        .watch(
            scn::OBJECT_ADDED
                | scn::OBJECT_REMOVED
                | scn::OBJECT_UPDATED
                | scn::TARGET_AND_SELF_ONLY,
        )
        .await
        .expect("SCN registration");
    isnsd
        .register_target("array3", ARRAY3, &[(3262, 5)])
        .expect("register");
    let added = next_for(&mut watch, ARRAY3, scn::OBJECT_ADDED).await;
    assert_ne!(added & scn::OBJECT_ADDED, 0);
    isnsd.deregister_entity("array3", ARRAY3).expect("dereg");
    let removed = next_for(&mut watch, ARRAY3, scn::OBJECT_REMOVED).await;
    assert_ne!(removed & scn::OBJECT_REMOVED, 0);
    watch.close().await.expect("deregister");
}

async fn next_for(watch: &mut iscsi_initiator::isns::IsnsWatch, name: &str, bit: u32) -> u32 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let event = tokio::time::timeout_at(deadline, watch.next())
            .await
            .unwrap_or_else(|_| panic!("no SCN for {name} with {bit:#x}"))
            .expect("watch open");
        if event.name == name && event.bitmap & bit != 0 {
            return event.bitmap;
        }
    }
}

#[tokio::test]
async fn isnsd_stopped_is_a_clear_error_and_no_hang() {
    let mut isnsd = isnsd();
    let client = client(&isnsd);
    client.list_targets().await.expect("list while up");
    isnsd.stop();
    let start = Instant::now();
    let error = client.list_targets().await.expect_err("isnsd is down");
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        matches!(
            error,
            IsnsClientError::Io {
                kind: std::io::ErrorKind::ConnectionRefused,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("iSNS server 127.0.0.1:"),
        "{error}"
    );
}
