//! What the helpers that run real daemons (tgtd, isnsd, iscsi-hbad) share: finding the
//! tools, a free loopback port, and stopping a child by its PID (TERM, a grace period,
//! then KILL) — never by name, since other daemons of the same kind may be running.

use std::{
    io,
    net::TcpListener,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

/// Whether every one of `tools` is on the PATH.
pub fn installed(tools: &[&str]) -> bool {
    tools.iter().all(|tool| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
///
/// # Errors
///
/// When no socket can be bound.
pub fn free_port() -> io::Result<u16> {
    TcpListener::bind("127.0.0.1:0")?
        .local_addr()
        .map(|a| a.port())
}

/// Sends SIGTERM to `child`, waits up to `grace` for it to exit, then kills it (TERM alone
/// can leave tgtd running). Returns its exit status when it exited on TERM.
pub fn stop(child: &mut Child, grace: Duration) -> Option<ExitStatus> {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}
