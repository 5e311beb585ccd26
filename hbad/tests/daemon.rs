//! `iscsi-hbad` behind the plugin: the HBA scenarios of the integration tests (C client
//! through `libima.so` against a real tgtd) with every client process using one daemon,
//! then what only a daemon has: sessions that outlive the client, a crash and restart that
//! lose no configuration, a clean SIGTERM, a second daemon refused, users refused, and
//! clients that send garbage, huge frames or vanish mid-request.
#![forbid(unsafe_code)]

use std::{
    io::{Read, Write},
    os::unix::{fs::PermissionsExt, net::UnixStream, process::CommandExt},
    path::PathBuf,
    process::{Command, Stdio},
    time::Duration,
};

use ima_plugin_soft::remote::{
    Call, ClientFrame, Hello, ServerFrame, encode_frame, read_frame, write_frame,
};
use iscsi_integration_tests::{
    hba::{Hba, MIB, Mode, TARGET_A, TARGET_B, lines_with, session_of, tgtd, value},
    hba_scenarios as scenario,
};

fn daemon() -> Mode {
    Mode::Daemon(PathBuf::from(env!("CARGO_BIN_EXE_iscsi-hbad")))
}

#[test]
fn discovery_targets_lus_and_pass_through_against_tgtd() {
    scenario::discovery_targets_lus_and_pass_through_against_tgtd(&daemon());
}

#[test]
fn two_processes_adding_addresses_keep_each_others() {
    scenario::two_processes_adding_addresses_keep_each_others(&daemon());
}

#[test]
fn a_corrupt_state_file_is_reported_and_left_alone() {
    scenario::a_corrupt_state_file_is_reported_and_left_alone(&daemon());
}

#[test]
fn sessions_parameters_statistics_and_control_against_tgtd() {
    scenario::sessions_parameters_statistics_and_control_against_tgtd(&daemon());
}

#[test]
fn callbacks_fire_for_a_new_target_and_a_reinstated_session() {
    scenario::callbacks_fire_for_a_new_target_and_a_reinstated_session(&daemon());
}

#[test]
fn chap_mutual_chap_and_digests_set_through_ima_against_tgtd() {
    scenario::chap_mutual_chap_and_digests_set_through_ima_against_tgtd(&daemon());
}

#[test]
fn isns_discovery_login_and_scn() {
    scenario::isns_discovery_login_and_scn(&daemon());
}

/// The `session` line of `target`: (session seq, TSIH).
fn session_id(out: &str, target: &str) -> (String, String) {
    let line = session_of(out, target);
    let seq = line.split_whitespace().nth(1).expect("seq").to_owned();
    (seq, value(line, "tsih").to_owned())
}

/// A session one client process sees is the one the next process sees (same OID, same
/// TSIH: no new login); after a SIGKILL and a restart the configuration is all there, the
/// new daemon logs in again by itself, and SIGTERM logs out, removes the socket and exits 0.
#[test]
fn sessions_outlive_clients_and_configuration_outlives_a_crash() {
    let mut tgtd = tgtd();
    tgtd.add_target(TARGET_A, 8 * MIB).expect("target a");
    let port = tgtd.port().to_string();
    let mut hba = Hba::new("outlive", &daemon());
    hba.ok(&["add-discovery", "127.0.0.1", &port]);
    hba.ok(&["add-static", TARGET_B, "127.0.0.1", &port]);

    let first = hba.ok(&["sessions"]);
    let second = hba.ok(&["sessions"]);
    assert_eq!(value(&first, "sessions"), "1", "{first}");
    assert_eq!(
        session_id(&first, TARGET_A),
        session_id(&second, TARGET_A),
        "the same session, not a new login:\n{first}\n{second}"
    );

    // A crash: no logout, the socket file stays behind.
    hba.kill_daemon();
    assert!(hba.socket().exists(), "a crash leaves the socket file");
    hba.start_daemon();
    let out = hba.ok(&["list-discovery"]);
    assert_eq!(
        lines_with(&out, "address "),
        [format!("address 1 127.0.0.1:{port}").as_str()],
        "{out}"
    );
    let out = hba.ok(&["list-static"]);
    assert_eq!(value(&out, "count"), "1", "{out}");
    let out = hba.ok(&["sessions"]);
    assert_eq!(value(&out, "sessions"), "1", "logged in again: {out}");
    assert_ne!(session_id(&out, TARGET_A), session_id(&first, TARGET_A));

    let status = hba.stop_daemon().expect("the daemon stopped");
    assert!(status.success(), "{status}\n{}", hba.daemon_log());
    assert!(!hba.socket().exists(), "the socket is removed");
    let log = hba.daemon_log();
    assert!(
        log.contains("logging every session out") && log.contains("stopped"),
        "{log}"
    );
}

/// A second daemon on a live socket refuses to start; the first keeps serving.
#[test]
fn a_second_daemon_on_the_same_socket_is_refused() {
    let hba = Hba::new("second", &daemon());
    let out = Command::new(env!("CARGO_BIN_EXE_iscsi-hbad"))
        .args(["--socket".as_ref(), hba.socket().as_os_str()])
        .args(["--state".as_ref(), hba.state().as_os_str()])
        .output()
        .expect("second daemon");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another iscsi-hbad is serving"), "{err}");
    hba.ok(&["list-discovery"]);
}

/// A greeted connection as root (allowed).
fn greeted(hba: &Hba) -> UnixStream {
    let mut s = UnixStream::connect(hba.socket()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write_frame(&mut s, &ClientFrame::Hello(Hello::ours("test"))).expect("hello");
    assert!(matches!(
        read_frame::<ServerFrame>(&mut s).expect("answer"),
        ServerFrame::Hello(_)
    ));
    s
}

/// The daemon's answer to a bad frame: an error frame, then the end of the connection.
fn refused(s: &mut UnixStream) -> String {
    let frame = read_frame::<ServerFrame>(s).expect("an error frame");
    let ServerFrame::Error(e) = frame else {
        panic!("expected an error frame, got {frame:?}");
    };
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(rest.is_empty(), "closed after the error");
    e.message
}

/// Garbage, a frame above the limit, a call before the greeting, another protocol version
/// and a client that vanishes mid-frame or mid-call: each gets an error (or nothing) and
/// the daemon goes on serving everyone else.
#[test]
fn bad_clients_are_refused_and_the_daemon_keeps_serving() {
    let mut hba = Hba::new("garbage", &daemon());
    let serving = |hba: &Hba| {
        let mut s = greeted(hba);
        write_frame(
            &mut s,
            &ClientFrame::Call {
                id: 7,
                call: Call::lhbas {},
            },
        )
        .expect("call");
        match read_frame::<ServerFrame>(&mut s).expect("reply") {
            ServerFrame::Reply { id: 7, result } => {
                let v = result.expect("lhbas answered");
                assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
            }
            other => panic!("{other:?}"),
        }
    };

    // Garbage where the greeting should be.
    let mut s = UnixStream::connect(hba.socket()).expect("connect");
    s.write_all(&[0, 0, 0, 5, b'n', b'o', b'p', b'e', b'!'])
        .expect("garbage");
    assert!(refused(&mut s).contains("malformed"));
    serving(&hba);

    // A huge frame after the greeting: refused from its length alone.
    let mut s = greeted(&hba);
    s.write_all(&u32::MAX.to_be_bytes()).expect("prefix");
    assert!(refused(&mut s).contains("limit"));
    serving(&hba);

    // A call before the greeting.
    let mut s = UnixStream::connect(hba.socket()).expect("connect");
    write_frame(&mut s, &ClientFrame::Subscribe).expect("frame");
    assert!(refused(&mut s).contains("Hello"));

    // Another protocol version.
    let mut s = UnixStream::connect(hba.socket()).expect("connect");
    let hello = Hello {
        version: 99,
        software: "future".into(),
    };
    write_frame(&mut s, &ClientFrame::Hello(hello)).expect("hello");
    assert!(refused(&mut s).contains("protocol 99"));

    // Gone mid-frame, and gone right after a call (before its answer).
    let mut s = greeted(&hba);
    let frame = encode_frame(&ClientFrame::Call {
        id: 1,
        call: Call::targets {
            owner: ima_plugin_soft::ObjectRef::new(ima_abi::ObjectType::LHBA, 1),
        },
    })
    .expect("frame");
    s.write_all(&frame[..frame.len() / 2]).expect("half");
    drop(s);
    let mut s = greeted(&hba);
    s.write_all(&frame).expect("call");
    drop(s);
    serving(&hba);
    assert!(hba.stop_daemon().is_some_and(|s| s.success()));
}

/// The socket is owner-only, and the daemon checks the peer's user as well: a user who is
/// not allowed cannot connect, and cannot use it even when the socket is opened to all;
/// a user given with `--allow-uid` can.
#[test]
fn other_users_are_refused() {
    let mut hba = Hba::new("users", &daemon());
    let mode = std::fs::metadata(hba.socket())
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only socket");
    let nobody = |hba: &Hba| {
        let dir = std::env::temp_dir().join(format!("hbad-nobody-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let out = hba
            .command(&["list-discovery"])
            .env("IMA_NODE_STATE", dir.join("node"))
            .env("ISCSI_HBA_STATE", dir.join("hba.json"))
            .uid(65534)
            .gid(65534)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("client as nobody");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (out, err) = nobody(&hba);
    assert!(err.contains("Permission denied"), "{out}\n{err}");
    std::fs::set_permissions(hba.socket(), std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let (out, err) = nobody(&hba);
    assert!(err.contains("may not use this daemon"), "{out}\n{err}");
    assert!(hba.daemon_log().contains("connection refused"));
    // Root still can.
    hba.ok(&["list-discovery"]);

    // A daemon that allows uid 65534: the socket is open to all, and nobody is served.
    hba.stop_daemon();
    hba.start_daemon_with(&["--allow-uid", "65534"]);
    let mode = std::fs::metadata(hba.socket())
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o666, "reachable by the allowed user");
    let (out, err) = nobody(&hba);
    assert_eq!(value(&out, "count"), "0", "{out}\n{err}");
}
