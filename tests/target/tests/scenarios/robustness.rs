//! The target never panics on garbage from the initiator.

use bytes::BytesMut;
use iscsi_test_target::TargetConfig;
use rand::{Rng, RngCore, SeedableRng, rngs::StdRng};

use crate::support::Pair;

/// A header with a plausible initiator opcode, random fields and a short data segment.
fn random_pdu(rng: &mut StdRng, cmd_sn: &mut u32) -> Vec<u8> {
    let mut bhs = [0u8; 48];
    rng.fill_bytes(&mut bhs);
    const OPCODES: [u8; 9] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x20];
    bhs[0] = OPCODES[rng.random_range(0..OPCODES.len())] | (bhs[0] & 0x40);
    bhs[4] = 0; // no AHS most of the time
    if rng.random_bool(0.1) {
        bhs[4] = rng.random_range(0..3);
    }
    let dsl: usize = rng.random_range(0..96);
    bhs[5..8].copy_from_slice(&(dsl as u32).to_be_bytes()[1..]);
    // Keep EDTLs small so random WRITEs do not allocate megabytes each.
    bhs[20] = 0;
    bhs[21] = 0;
    // Mostly in-window CmdSNs, so commands get past the window check.
    if rng.random_bool(0.7) {
        bhs[24..28].copy_from_slice(&cmd_sn.to_be_bytes());
        *cmd_sn = cmd_sn.wrapping_add(1);
    }
    let mut pdu = bhs.to_vec();
    pdu.resize(48 + usize::from(bhs[4]) * 4 + dsl.div_ceil(4) * 4, 0);
    rng.fill_bytes(&mut pdu[48..]);
    pdu
}

#[test]
fn random_pdus_never_panic() {
    for seed in 0..1000u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut pair = Pair::new(TargetConfig::default());
        if rng.random_bool(0.7) {
            pair.login();
        }
        let mut cmd_sn = pair.init.cmd_sn.get();
        let mut stream = Vec::new();
        for _ in 0..rng.random_range(1..8) {
            stream.extend(random_pdu(&mut rng, &mut cmd_sn));
        }
        // Feed it in random pieces.
        let mut buf = BytesMut::new();
        let mut at = 0;
        while at < stream.len() {
            let n = rng.random_range(1..=stream.len() - at);
            buf.extend_from_slice(&stream[at..at + n]);
            at += n;
            let _ = pair.conn.handle_read(pair.now, &mut buf);
            let mut out = BytesMut::new();
            pair.conn.poll_transmit(pair.now, &mut out);
        }
        pair.conn.handle_timeout(pair.now);
    }
}
