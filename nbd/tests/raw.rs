//! The server against a raw-socket client: what real clients do not send (misaligned
//! requests, garbage and oversized options, clients that vanish mid-request), and the
//! FUA/FLUSH/TRIM/WRITE_ZEROES effects on the device.

mod common;

use std::{
    os::unix::fs::PermissionsExt,
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use common::{Fixture, MemDevice, RawClient, random_bytes};
use iscsi_nbd::ServerError;

const EINVAL: u32 = 22;
const ENOSPC: u32 = 28;
const REP_ACK: u32 = 1;
const REP_ERR_UNSUP: u32 = 0x8000_0001;
const REP_ERR_INVALID: u32 = 0x8000_0003;
const REP_ERR_UNKNOWN: u32 = 0x8000_0006;
const REP_ERR_TOO_BIG: u32 = 0x8000_0009;
const CMD_READ: u16 = 0;
const CMD_FLUSH: u16 = 3;
const CMD_TRIM: u16 = 4;
const CMD_WRITE_ZEROES: u16 = 6;
const CMD_BLOCK_STATUS: u16 = 7;
const FLAG_FUA: u16 = 1;
const FLAG_NO_HOLE: u16 = 2;

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn socket_is_owner_only() {
    let fx = Fixture::new("lu", MemDevice::new(1 << 20, 512));
    let mode = std::fs::metadata(&fx.socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // A live socket is not replaced.
    let second = fx.server.listen_unix(&fx.socket, fx.runtime.handle());
    assert!(
        matches!(second, Err(ServerError::PathInUse(_))),
        "{second:?}"
    );
    // Dropping the listener removes the socket file.
    let socket = fx.socket.clone();
    drop(fx);
    assert!(!socket.exists());
}

#[test]
fn unaligned_and_out_of_range_requests_get_einval_and_the_connection_goes_on() {
    let device = MemDevice::new(1 << 20, 4096);
    let fx = Fixture::new("lu", device);
    for structured in [false, true] {
        let mut c = RawClient::connect(&fx.socket);
        c.go("lu", structured);
        // Misaligned write: EINVAL (simple reply); the payload is consumed.
        c.write(0, 1, 512, &[0xaa; 4096]);
        assert_eq!(c.simple_reply(), (EINVAL, 1));
        // Write past the end: ENOSPC.
        c.write(0, 2, 1 << 20, &[0xaa; 4096]);
        assert_eq!(c.simple_reply(), (ENOSPC, 2));
        // Misaligned read.
        c.request(0, CMD_READ, 3, 0, 1000);
        if structured {
            let (flags, kind, cookie, payload) = c.chunk();
            assert_eq!((flags, kind, cookie), (1, 0x8001, 3));
            assert_eq!(&payload[..4], &EINVAL.to_be_bytes());
        } else {
            assert_eq!(c.simple_reply(), (EINVAL, 3));
        }
        // Unknown command.
        c.request(0, 99, 4, 0, 4096);
        assert_eq!(c.simple_reply(), (EINVAL, 4));
        // Still serving: an aligned write and read back.
        let data = random_bytes(8192, 3);
        c.write(0, 5, 4096, &data);
        assert_eq!(c.simple_reply(), (0, 5));
        c.request(0, CMD_READ, 6, 4096, 8192);
        if structured {
            let (flags, kind, cookie, payload) = c.chunk();
            assert_eq!((flags, kind, cookie), (1, 1, 6));
            assert_eq!(&payload[..8], &4096u64.to_be_bytes());
            assert!(payload[8..] == data[..]);
        } else {
            assert_eq!(c.simple_reply(), (0, 6));
            assert!(c.read_n(8192) == data);
        }
        c.request(0, 2, 7, 0, 0);
        assert!(c.closed_by_server());
    }
}

#[test]
fn garbage_and_oversized_options_are_answered_and_others_are_served() {
    let fx = Fixture::new("lu", MemDevice::new(1 << 20, 512));
    let mut c = RawClient::connect(&fx.socket);
    // Unknown option, TLS, extended headers: ERR_UNSUP, and haggling goes on.
    for option in [99, 5, 11] {
        c.send_option(option, b"junk");
        let reply = c.read_option_reply();
        assert_eq!((reply.0, reply.1), (option, REP_ERR_UNSUP));
    }
    // Malformed INFO: ERR_INVALID.
    c.send_option(6, &[0xff, 0xff, 0xff, 0xff, 0]);
    assert_eq!(c.read_option_reply().1, REP_ERR_INVALID);
    // Meta context before structured replies: ERR_INVALID.
    c.send_option(10, &[0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(c.read_option_reply().1, REP_ERR_INVALID);
    // Unknown export: ERR_UNKNOWN.
    c.send_option(7, &[0, 0, 0, 2, b'n', b'o', 0, 0]);
    assert_eq!(c.read_option_reply().1, REP_ERR_UNKNOWN);
    // 100 KiB of option data: read, dropped, ERR_TOO_BIG, still negotiating.
    c.send_option(3, &vec![0x55; 100 << 10]);
    assert_eq!(c.read_option_reply().1, REP_ERR_TOO_BIG);
    // LIST names the export.
    c.send_option(3, &[]);
    let replies = c.replies_until_final();
    assert_eq!(replies[0].2, [&[0, 0, 0, 2][..], b"lu"].concat());
    assert_eq!(replies.last().unwrap().1, REP_ACK);
    // More than a megabyte announced: ERR_TOO_BIG and the connection is closed.
    c.send_option(3, &[]);
    c.replies_until_final();
    let mut huge = Vec::new();
    huge.extend_from_slice(&common::IHAVEOPT.to_be_bytes());
    huge.extend_from_slice(&3u32.to_be_bytes());
    huge.extend_from_slice(&(64u32 << 20).to_be_bytes());
    std::io::Write::write_all(&mut c.stream, &huge).unwrap();
    assert_eq!(c.read_option_reply().1, REP_ERR_TOO_BIG);
    assert!(c.closed_by_server());

    // Bad option magic: closed.
    let mut bad = RawClient::connect(&fx.socket);
    std::io::Write::write_all(&mut bad.stream, &[0x42; 16]).unwrap();
    assert!(bad.closed_by_server());

    // Bad client flags: closed.
    let mut flags = std::os::unix::net::UnixStream::connect(&fx.socket).unwrap();
    flags
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut greeting = [0; 18];
    std::io::Read::read_exact(&mut flags, &mut greeting).unwrap();
    std::io::Write::write_all(&mut flags, &0x8000_0001u32.to_be_bytes()).unwrap();
    assert_eq!(std::io::Read::read(&mut flags, &mut [0; 1]).unwrap(), 0);

    // ABORT is acknowledged.
    let mut abort = RawClient::connect(&fx.socket);
    abort.send_option(2, &[]);
    assert_eq!(abort.read_option_reply().1, REP_ACK);

    // And the server still serves.
    let mut ok = RawClient::connect(&fx.socket);
    ok.go("lu", true);
    ok.request(0, CMD_FLUSH, 1, 0, 0);
    assert_eq!(ok.simple_reply(), (0, 1));
}

#[test]
fn fua_flush_trim_and_write_zeroes_reach_the_device() {
    let device = MemDevice::new(1 << 20, 512);
    let fx = Fixture::new("lu", device.clone());
    let mut c = RawClient::connect(&fx.socket);
    c.go("lu", true);
    c.write(FLAG_FUA, 1, 0, &[0xab; 65536]);
    assert_eq!(c.simple_reply(), (0, 1));
    assert_eq!(device.fua_writes.load(Ordering::SeqCst), 1);
    assert!(device.contents()[..65536].iter().all(|&b| b == 0xab));
    c.request(0, CMD_FLUSH, 2, 0, 0);
    assert_eq!(c.simple_reply(), (0, 2));
    assert_eq!(device.flushes.load(Ordering::SeqCst), 1);

    // Block status: data, then hole+zero.
    c.request(0, CMD_BLOCK_STATUS, 3, 0, 1 << 17);
    let (flags, kind, cookie, payload) = c.chunk();
    assert_eq!((flags, kind, cookie), (1, 5, 3));
    assert_eq!(&payload[..4], &1u32.to_be_bytes());
    assert_eq!(&payload[4..12], &[0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&payload[12..20], &[0, 1, 0, 0, 0, 0, 0, 3]);

    c.request(0, CMD_TRIM, 4, 0, 4096);
    assert_eq!(c.simple_reply(), (0, 4));
    c.request(FLAG_NO_HOLE, CMD_WRITE_ZEROES, 5, 4096, 8192);
    assert_eq!(c.simple_reply(), (0, 5));
    c.request(0, CMD_WRITE_ZEROES, 6, 12288, 4096);
    assert_eq!(c.simple_reply(), (0, 6));
    let contents = device.contents();
    assert!(
        contents[..16384].iter().all(|&b| b == 0),
        "TRIM/WRITE_ZEROES left data"
    );
    assert!(contents[16384..65536].iter().all(|&b| b == 0xab));
    assert_eq!(device.trims.load(Ordering::SeqCst), 1);
    assert_eq!(device.zeroes.load(Ordering::SeqCst), 2);
    c.request(0, CMD_READ, 7, 0, 4096);
    let (_, kind, _, payload) = c.chunk();
    assert_eq!(kind, 1);
    assert!(payload[8..].iter().all(|&b| b == 0));
}

#[test]
fn many_requests_in_flight_replies_by_cookie() {
    let device = MemDevice::new(4 << 20, 512);
    let fx = Fixture::new("lu", device.clone());
    let mut c = RawClient::connect(&fx.socket);
    c.go("lu", false);
    let data = random_bytes(4 << 20, 5);
    for i in 0..64u64 {
        c.write(
            0,
            1000 + i,
            i * 65536,
            &data[(i * 65536) as usize..((i + 1) * 65536) as usize],
        );
    }
    let mut cookies: Vec<u64> = (0..64)
        .map(|_| c.simple_reply())
        .map(|(e, k)| {
            assert_eq!(e, 0);
            k
        })
        .collect();
    cookies.sort_unstable();
    assert_eq!(cookies, (1000..1064).collect::<Vec<_>>());
    assert!(device.contents() == data);
}

#[test]
fn a_client_gone_mid_request_leaves_the_export_serving_others() {
    let device = MemDevice::new(1 << 20, 512);
    let fx = Fixture::new("lu", device.clone());
    device.delay_ms.store(300, Ordering::SeqCst);
    let mut gone = RawClient::connect(&fx.socket);
    gone.go("lu", true);
    gone.request(0, CMD_READ, 1, 0, 65536);
    gone.write(0, 2, 65536, &[0x11; 4096]);
    // Half a request, then gone.
    gone.request(0, CMD_READ, 3, 0, 4096);
    std::io::Write::write_all(&mut gone.stream, &[0x25, 0x60]).unwrap();
    wait_for("the client to be counted", || {
        fx.server.clients("lu") == Some(1)
    });
    drop(gone);
    wait_for("the connection to drain", || {
        fx.server.clients("lu") == Some(0)
    });
    // The write that was in flight was carried out before the connection closed.
    assert!(device.contents()[65536..69632].iter().all(|&b| b == 0x11));

    device.delay_ms.store(0, Ordering::SeqCst);
    let mut other = RawClient::connect(&fx.socket);
    other.go("lu", true);
    other.request(0, CMD_READ, 9, 65536, 4096);
    let (_, kind, cookie, payload) = other.chunk();
    assert_eq!((kind, cookie), (1, 9));
    assert!(payload[8..].iter().all(|&b| b == 0x11));
}

#[test]
fn removing_an_export_in_use_needs_force_and_drains_the_clients() {
    let device = MemDevice::new(1 << 20, 512);
    let fx = Fixture::new("lu", device.clone());
    let mut c = RawClient::connect(&fx.socket);
    c.go("lu", false);
    wait_for("the client", || fx.server.clients("lu") == Some(1));
    match fx.server.remove_export("lu", false) {
        Err(ServerError::InUse { clients: 1, .. }) => {}
        other => panic!("expected InUse, got {other:?}"),
    }
    // A request in flight when the removal is forced is still answered.
    device.delay_ms.store(200, Ordering::SeqCst);
    c.write(0, 1, 0, &[0x77; 512]);
    std::thread::sleep(Duration::from_millis(50));
    fx.server.remove_export("lu", true).unwrap();
    assert_eq!(c.simple_reply(), (0, 1));
    assert!(c.closed_by_server());
    assert_eq!(device.contents()[0], 0x77);
    assert_eq!(fx.server.clients("lu"), None);
    assert!(matches!(
        fx.server.remove_export("lu", false),
        Err(ServerError::NoSuchExport(_))
    ));
}

#[test]
fn disc_answers_the_requests_in_flight_before_closing() {
    let device = MemDevice::new(1 << 20, 512);
    let fx = Fixture::new("lu", device.clone());
    device.delay_ms.store(200, Ordering::SeqCst);
    let mut c = RawClient::connect(&fx.socket);
    c.go("lu", false);
    c.write(0, 1, 0, &[0x42; 4096]);
    c.write(0, 2, 4096, &[0x43; 4096]);
    c.request(0, 2, 3, 0, 0);
    let mut cookies = [c.simple_reply(), c.simple_reply()];
    cookies.sort_unstable();
    assert_eq!(cookies, [(0, 1), (0, 2)]);
    assert!(c.closed_by_server());
    assert!(
        device.contents()[..8192]
            .iter()
            .all(|&b| b == 0x42 || b == 0x43)
    );
}
