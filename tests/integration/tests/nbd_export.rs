//! `Engine::expose_lu` against a real tgtd, with real NBD clients (libnbd's nbdinfo and
//! nbdcopy, qemu-img, qemu-io). Needs tgt, libnbd-bin and qemu-utils (scripts/test.sh
//! installs them); fails rather than skips without them.

use std::{
    io::{Read, Write},
    os::unix::net::UnixStream,
    path::{Path, PathBuf},
    process::Command,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use iscsi_hba::{Engine, EngineConfig, ExposeOptions, HbaError, ObjectId};
use iscsi_integration_tests::tgt::Tgtd;

const TARGET: &str = "iqn.2026-12.test.nbd:disk1";
const MIB: u64 = 1 << 20;

fn scratch() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "iscsi-nbd-export-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program}: {e} (scripts/test.sh installs libnbd-bin and qemu-utils)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Connects and completes a bare NBD_OPT_GO for `name`; the connection stays a client.
fn nbd_client(socket: &Path, name: &str) -> UnixStream {
    let mut s = UnixStream::connect(socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut greeting = [0; 18];
    s.read_exact(&mut greeting).expect("greeting");
    s.write_all(&3u32.to_be_bytes()).expect("flags");
    let mut go = Vec::new();
    go.extend_from_slice(b"IHAVEOPT");
    go.extend_from_slice(&7u32.to_be_bytes());
    go.extend_from_slice(&(4 + name.len() as u32 + 2).to_be_bytes());
    go.extend_from_slice(&(name.len() as u32).to_be_bytes());
    go.extend_from_slice(name.as_bytes());
    go.extend_from_slice(&0u16.to_be_bytes());
    s.write_all(&go).expect("GO");
    loop {
        let mut head = [0; 20];
        s.read_exact(&mut head).expect("option reply");
        let kind = u32::from_be_bytes(head[12..16].try_into().expect("4 bytes"));
        let len = u32::from_be_bytes(head[16..20].try_into().expect("4 bytes"));
        let mut data = vec![0; len as usize];
        s.read_exact(&mut data).expect("reply data");
        assert!(kind & 0x8000_0000 == 0, "GO refused: {kind:#x}");
        if kind == 1 {
            return s;
        }
    }
}

struct Setup {
    tgtd: Tgtd,
    tid: u32,
    dir: PathBuf,
    file: PathBuf,
    engine: Engine,
    lu: ObjectId,
}

async fn setup(size: u64) -> Setup {
    let dir = scratch();
    let mut tgtd = Tgtd::start(&dir.join("tgt"))
        .expect("tgtd must be installed and start (scripts/test.sh installs it)");
    let (tid, file) = tgtd.add_target(TARGET, size).expect("add target");
    let mut config = EngineConfig::new(dir.join("state.json"));
    config.operation_timeout = Duration::from_secs(30);
    let engine = Engine::start(config).expect("engine");
    engine
        .add_static_target(TARGET.into(), tgtd.portal())
        .expect("static target");
    engine.refresh_discovery().await.expect("discovery");
    let target = engine
        .targets()
        .into_iter()
        .find(|(_, t)| t.name == TARGET)
        .map(|(id, _)| id)
        .expect("the target");
    let lus = engine.lus(target).await.expect("lus");
    let lu = lus
        .iter()
        .find(|(_, info)| info.blocks.is_some())
        .map(|(id, _)| *id)
        .expect("a disk LU");
    Setup {
        tgtd,
        tid,
        dir,
        file,
        engine,
        lu,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exposed_tgt_lu_takes_nbdcopy_in_and_out_and_matches_the_backing_file() {
    let s = setup(64 * MIB).await;
    let socket = s.dir.join("lu.sock");
    let info = s
        .engine
        .expose_lu(
            s.lu,
            ExposeOptions {
                socket: Some(socket.clone()),
                tcp: None,
            },
        )
        .await
        .expect("expose");
    assert_eq!(
        info.uri,
        format!("nbd+unix:///{}?socket={}", info.name, socket.display())
    );
    assert_eq!(s.engine.exposed(s.lu).expect("exposed").name, info.name);
    let uri = info.uri.clone();

    let json = {
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || run("nbdinfo", &["--json", &uri]))
            .await
            .expect("join")
    };
    for expected in [
        "\"export-size\": 67108864",
        "\"block_size_minimum\": 512",
        "\"can_fua\": true",
    ] {
        assert!(json.contains(expected), "{expected} missing from\n{json}");
    }

    let data = random_bytes(64 * MIB as usize, 21);
    let src = s.dir.join("src.img");
    std::fs::write(&src, &data).expect("write source");
    let out = s.dir.join("out.img");
    let (src_s, out_s) = (src.display().to_string(), out.display().to_string());
    let uri2 = uri.clone();
    tokio::task::spawn_blocking(move || {
        run("nbdcopy", &["--flush", &src_s, &uri2]);
        run("nbdcopy", &[&uri2, &out_s]);
        let compare = run(
            "qemu-img",
            &["compare", "-f", "raw", "-F", "raw", &src_s, &uri2],
        );
        assert!(compare.contains("identical"), "{compare}");
    })
    .await
    .expect("clients");
    assert!(
        std::fs::read(&out).expect("out") == data,
        "data read back differs"
    );

    // A FUA write (qemu-io writes through by default) is in tgt's file when acknowledged;
    // WRITE_ZEROES with and without NO_HOLE leave zeroes.
    let uri3 = uri.clone();
    tokio::task::spawn_blocking(move || {
        run(
            "qemu-io",
            &["-f", "raw", &uri3, "-c", "write -P 0x5a 0 64k"],
        );
    })
    .await
    .expect("qemu-io");
    let backing = std::fs::read(&s.file).expect("backing file");
    assert!(
        backing[..65536].iter().all(|&b| b == 0x5a),
        "FUA write not in the backing file"
    );
    let uri4 = uri.clone();
    tokio::task::spawn_blocking(move || {
        run(
            "qemu-io",
            &[
                "-f",
                "raw",
                &uri4,
                "-c",
                "write -z 1M 1M",
                "-c",
                "write -z -u 4M 2M",
            ],
        );
        run(
            "qemu-io",
            &[
                "-f",
                "raw",
                "-t",
                "writeback",
                &uri4,
                "-c",
                "write -P 0x33 8M 4k",
                "-c",
                "flush",
            ],
        );
    })
    .await
    .expect("qemu-io zeroes");

    // In use: refused unless forced.
    let client = nbd_client(&socket, &info.name);
    let mut waited = 0;
    while s.engine.exposed(s.lu).expect("exposed").clients == 0 && waited < 100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
    }
    assert!(matches!(
        s.engine.unexpose_lu(s.lu, false),
        Err(HbaError::InUse(_, 1))
    ));
    drop(client);
    let mut result = s.engine.unexpose_lu(s.lu, false);
    for _ in 0..100 {
        if result.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        result = s.engine.unexpose_lu(s.lu, false);
    }
    result.expect("unexpose once the client is gone");
    assert!(!socket.exists(), "socket left behind");
    assert!(s.engine.exposed(s.lu).is_none());

    let mut expected = data;
    expected[..65536].fill(0x5a);
    expected[MIB as usize..2 * MIB as usize].fill(0);
    expected[4 * MIB as usize..6 * MIB as usize].fill(0);
    expected[8 * MIB as usize..8 * MIB as usize + 4096].fill(0x33);
    let backing = std::fs::read(&s.file).expect("backing file");
    assert!(
        backing == expected,
        "tgt's backing file differs from what was written"
    );
    s.engine.shutdown().await;
    let _ = std::fs::remove_dir_all(&s.dir);
}

/// tgtd killed and restarted while nbdcopy writes through the export: the session is
/// reinstated, the waiting requests are re-issued, and the copy completes with every byte in
/// tgt's file. Should the copy fail instead, it must say so (nonzero exit), and a second copy
/// through the same export must then succeed: nothing is acknowledged that was not written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nbdcopy_survives_a_tgtd_restart() {
    let mut s = setup(256 * MIB).await;
    let socket = s.dir.join("lu.sock");
    let info = s
        .engine
        .expose_lu(
            s.lu,
            ExposeOptions {
                socket: Some(socket),
                tcp: None,
            },
        )
        .await
        .expect("expose");
    let data = random_bytes(256 * MIB as usize, 99);
    let src = s.dir.join("src.img");
    std::fs::write(&src, &data).expect("write source");
    let src_s = src.display().to_string();
    let uri = info.uri.clone();
    let copy = {
        let (src_s, uri) = (src_s.clone(), uri.clone());
        tokio::task::spawn_blocking(move || {
            Command::new("nbdcopy")
                .args(["--flush", &src_s, &uri])
                .output()
                .expect("nbdcopy (scripts/test.sh installs libnbd-bin)")
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !copy.is_finished(),
        "nbdcopy ended before the restart: the test proves nothing"
    );
    let (tid, file) = (s.tid, s.file.clone());
    let tgtd = tokio::task::spawn_blocking(move || {
        s.tgtd.restart().expect("tgtd restart");
        s.tgtd
            .recreate_target(tid, TARGET, &file)
            .expect("recreate target");
        s.tgtd
    })
    .await
    .expect("restart");
    let out = copy.await.expect("nbdcopy");
    if !out.status.success() {
        eprintln!(
            "nbdcopy failed across the restart (allowed): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let uri2 = uri.clone();
        tokio::task::spawn_blocking(move || run("nbdcopy", &["--flush", &src_s, &uri2]))
            .await
            .expect("second copy");
    }
    s.engine.unexpose_lu(s.lu, true).expect("unexpose");
    let backing = std::fs::read(&s.file).expect("backing file");
    assert!(
        backing == data,
        "tgt's file differs from the source after the restart"
    );
    s.engine.shutdown().await;
    drop(tgtd);
    let _ = std::fs::remove_dir_all(&s.dir);
}
