//! The server against real NBD clients (libnbd's nbdinfo and nbdcopy, qemu-img), over an
//! in-memory device. scripts/test.sh installs libnbd-bin and qemu-utils.

mod common;

use std::sync::atomic::Ordering;

use common::{Fixture, MemDevice, random_bytes, run};

const MIB: u64 = 1 << 20;

#[test]
fn nbdinfo_shows_size_block_sizes_and_meta_context() {
    let device = MemDevice::new(64 * MIB, 4096);
    let fx = Fixture::new("lu0", device);
    let json = run("nbdinfo", &["--json", &fx.uri]);
    for expected in [
        "\"export-name\": \"lu0\"",
        "\"export-size\": 67108864",
        "\"block_size_minimum\": 4096",
        "\"block_size_preferred\": 4096",
        "\"block_size_maximum\": 33554432",
        "\"base:allocation\"",
        "\"structured\": true",
        "\"TLS\": false",
        "\"can_fua\": true",
        "\"can_trim\": true",
        "\"can_zero\": true",
        "\"can_multi_conn\": true",
        "\"is_read_only\": false",
        "\"description\": \"test export\"",
    ] {
        assert!(json.contains(expected), "{expected} missing from\n{json}");
    }
    // The default export (empty name) is the only export; LIST names it.
    let default_uri = fx.listener.as_ref().unwrap().addr().uri("");
    assert_eq!(run("nbdinfo", &["--size", &default_uri]).trim(), "67108864");
    let list = run("nbdinfo", &["--list", "--json", &fx.uri]);
    assert!(list.contains("\"export-name\": \"lu0\""), "{list}");
}

#[test]
fn nbdcopy_in_and_out_with_flush_and_qemu_img_compare() {
    let device = MemDevice::new(64 * MIB, 512);
    let fx = Fixture::new("disk", device.clone());
    let mut data = random_bytes(64 * MIB as usize, 7);
    // A zero stretch, so nbdcopy sends WRITE_ZEROES or skips it.
    data[(8 * MIB) as usize..(12 * MIB) as usize].fill(0);
    let src = fx.file("src.img");
    std::fs::write(&src, &data).unwrap();
    let src_s = src.to_str().unwrap();

    run("nbdcopy", &["--flush", src_s, &fx.uri]);
    assert!(
        device.flushes.load(Ordering::SeqCst) > 0,
        "nbdcopy --flush sent no FLUSH"
    );
    assert!(
        device.contents() == data,
        "device contents differ from the source"
    );

    let out = fx.file("out.img");
    let out_s = out.to_str().unwrap();
    run("nbdcopy", &[&fx.uri, out_s]);
    assert!(
        std::fs::read(&out).unwrap() == data,
        "copied-out data differs"
    );

    let compare = run(
        "qemu-img",
        &["compare", "-f", "raw", "-F", "raw", src_s, &fx.uri],
    );
    assert!(compare.contains("identical"), "{compare}");

    // The zero stretch written by nbdcopy (as zeroes or holes) maps as zero or data;
    // nbdinfo --map reads base:allocation.
    let map = run("nbdinfo", &["--map", &fx.uri]);
    assert!(!map.is_empty(), "empty map");
}

#[test]
fn qemu_img_convert_in_over_tcp() {
    let device = MemDevice::new(16 * MIB, 4096);
    let fx = Fixture::new("tcp", device.clone());
    let tcp = fx
        .server
        .listen_tcp("127.0.0.1:0".parse().unwrap(), fx.runtime.handle())
        .unwrap();
    let uri = tcp.addr().uri("tcp");
    assert!(uri.starts_with("nbd://127.0.0.1:"), "{uri}");
    let data = random_bytes(16 * MIB as usize, 11);
    let src = fx.file("src.img");
    std::fs::write(&src, &data).unwrap();
    run(
        "qemu-img",
        &[
            "convert",
            "-n",
            "-f",
            "raw",
            "-O",
            "raw",
            src.to_str().unwrap(),
            &uri,
        ],
    );
    assert!(device.contents() == data);
    assert!(
        fx.server
            .listen_tcp("192.0.2.1:10809".parse().unwrap(), fx.runtime.handle())
            .is_err(),
        "a non-loopback address was accepted"
    );
}
