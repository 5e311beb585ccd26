//! `bench-target`: the in-process test target (`iscsi-test-target`) served on loopback with
//! a RAM LU and no PDU capture, for measuring what the initiator itself costs where the
//! target is not the bottleneck the way tgtd is (tgtd computes CRC32C in software).
//!
//! ```text
//! bench-target [MIB]      (LU size in MiB, default 256)
//! ```
//!
//! InitialR2T=No on its side, so the initiator's offer decides (`iscsi-bench --initial-r2t`).
//!
//! Prints the `iscsi://` URL of LUN 0 on its first line, then serves until killed.

use std::process::ExitCode;

use iscsi_benches::pair_load::{bench_target_config, fill_lu};
use iscsi_test_target::{DEFAULT_TARGET_NAME, TestTarget};

fn main() -> ExitCode {
    let mib: u64 = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 256,
        Some(Ok(m)) if (1..=16384).contains(&m) => m,
        Some(_) => {
            eprintln!("usage: bench-target [MIB]   (LU size, 1..=16384 MiB)");
            return ExitCode::from(2);
        }
    };
    let mut config = bench_target_config(mib << 20);
    config.cmd_window = 128;
    // InitialR2T is an OR (RFC 7143 §13.10): answer No so the initiator's offer decides,
    // and the write rows can run both ways. ImmediateData (an AND) already follows it.
    config.params.initial_r2t = false;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench-target: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let target = match TestTarget::start(config).await {
            Ok(t) => t,
            Err(e) => {
                eprintln!("bench-target: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = fill_lu(target.target()) {
            eprintln!("bench-target: {e}");
            return ExitCode::FAILURE;
        }
        println!("iscsi://{}/{}/0", target.addr(), DEFAULT_TARGET_NAME);
        std::future::pending::<()>().await;
        ExitCode::SUCCESS
    })
}
