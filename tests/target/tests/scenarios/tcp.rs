//! The tokio wrapper over loopback TCP.

use std::time::Duration;

use bytes::Bytes;
use iscsi_proto::wire::{AsyncEvent, Header, LoginStatus, Stage};
use iscsi_test_target::{AsyncSpec, Faults, TargetConfig, TestTarget};

use crate::support::{TcpClient, cdb, read10, write10};

#[tokio::test]
async fn login_write_read_over_tcp() {
    let target = TestTarget::start(TargetConfig::default()).await.unwrap();
    let mut client = TcpClient::connect(target.addr()).await;
    let resp = client
        .login(&[("HeaderDigest", "CRC32C"), ("DataDigest", "CRC32C")])
        .await;
    assert_eq!(resp.status, LoginStatus::Success);
    assert_eq!(resp.next_stage, Some(Stage::FullFeaturePhase));

    let payload = Bytes::from(vec![0x5a; 4096]);
    let (itt, cmd) = client.init.command(
        write10(8, 8),
        false,
        true,
        4096,
        payload.slice(..1024),
        true,
    );
    client.send(&cmd).await;
    let Header::R2t(r2t) = client.recv().await.unwrap().header else {
        panic!()
    };
    let d = client
        .init
        .data_out(itt, r2t.ttt, 0, 1024, payload.slice(1024..), true);
    client.send(&d).await;
    assert!(matches!(
        client.recv().await.unwrap().header,
        Header::ScsiResponse(_)
    ));

    let (_, cmd) = client
        .init
        .command(read10(8, 8), true, false, 4096, Bytes::new(), true);
    client.send(&cmd).await;
    let pdu = client.recv().await.unwrap();
    assert_eq!(pdu.data, payload);
    assert!(target.target().violations().is_empty());
    assert_eq!(target.target().portal(), target.addr().to_string());
}

#[tokio::test]
async fn drop_after_n_closes_the_socket() {
    let mut config = TargetConfig::default();
    config.faults = Faults {
        drop_after_received: Some(2),
        ..Faults::default()
    };
    let target = TestTarget::start(config).await.unwrap();
    let mut client = TcpClient::connect(target.addr()).await;
    client.login(&[]).await;
    let (_, cmd) = client
        .init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true);
    client.send(&cmd).await;
    assert!(client.closed_within(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn crash_and_reconnect_keeps_data() {
    let mut target = TestTarget::start(TargetConfig::default()).await.unwrap();
    target.target().first_lu(0).unwrap().fill(&[1, 2, 3, 4]);
    let mut client = TcpClient::connect(target.addr()).await;
    client.login(&[]).await;
    target.drop_connections();
    assert!(client.closed_within(Duration::from_secs(5)).await);

    target.restart().await.unwrap();
    let mut client = TcpClient::connect(target.addr()).await;
    client.login(&[]).await;
    let (_, cmd) = client
        .init
        .command(read10(0, 1), true, false, 512, Bytes::new(), true);
    client.send(&cmd).await;
    let pdu = client.recv().await.unwrap();
    assert_eq!(&pdu.data[..4], &[1, 2, 3, 4]);
    target.stop().await;
    assert!(TcpClient::try_connect(target.addr()).await.is_err());
}

#[tokio::test]
async fn stall_keeps_the_connection_open() {
    let target = TestTarget::start(TargetConfig::default()).await.unwrap();
    let mut client = TcpClient::connect(target.addr()).await;
    client.login(&[]).await;
    target.target().set_stall(true);
    let (_, cmd) = client
        .init
        .command(cdb(&[0]), false, false, 0, Bytes::new(), true);
    client.send(&cmd).await;
    assert!(!client.closed_within(Duration::from_millis(200)).await);
    target.target().set_stall(false);
    assert!(matches!(
        client.recv().await.unwrap().header,
        Header::ScsiResponse(_)
    ));
}

#[tokio::test]
async fn async_message_reaches_live_connections() {
    let target = TestTarget::start(TargetConfig::default()).await.unwrap();
    let mut client = TcpClient::connect(target.addr()).await;
    client.login(&[]).await;
    target
        .target()
        .send_async(AsyncSpec::new(AsyncEvent::NegotiationRequest, [0, 0, 5]));
    let Header::AsyncMessage(a) = client.recv().await.unwrap().header else {
        panic!()
    };
    assert_eq!(a.event, AsyncEvent::NegotiationRequest);
}

#[tokio::test]
async fn nop_in_probes_on_an_interval() {
    let mut config = TargetConfig::default();
    config.nop_in_interval = Some(Duration::from_millis(50));
    let target = TestTarget::start(config).await.unwrap();
    let mut client = TcpClient::connect(target.addr()).await;
    client.login(&[]).await;
    let Header::NopIn(n) = client.recv().await.unwrap().header else {
        panic!()
    };
    assert!(!n.ttt.is_reserved());
}
