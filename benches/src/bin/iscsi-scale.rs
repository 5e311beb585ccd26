//! `iscsi-scale`: many sessions from one process. Logs in N sessions to one target (a few
//! at a time), then keeps all of them busy for a while, then logs all of them out.
//!
//! ```text
//! iscsi-scale [--sessions N] [--bucket B] [--concurrency C] [-t SECONDS] [-m IN-FLIGHT]
//!             [-b BLOCKS] [--keep-going] [--json] URL
//! ```
//!
//! `--sessions` sessions to open (default 1000), `--bucket` how many make one line of the
//! login report (default a tenth of N), `--concurrency` logins in progress at once (default
//! 64), `-t` seconds of I/O with every session active (default 5; 0 skips it), `-m`
//! commands in flight per session (default 1), `-b` blocks per read (default: 4 KiB worth).
//! A failed login ends the run, unless `--keep-going`: then the logins stop there, the run
//! goes on with the sessions open, and the report says how many opened and why the next
//! one did not (for a target that cannot take N sessions).
//!
//! For each bucket of sessions it reports the login rate and the resident memory per
//! session so far (`VmRSS` of this process after the bucket, less `VmRSS` before the first
//! login, divided by the sessions open); then the IOPS with every session reading, the
//! memory per session again once they are idle, and the logout time.
//!
//! Each session is a socket: the soft limit on open files is raised to the hard limit, and
//! the tool refuses to start when the hard limit is below N plus a margin.

use std::{
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use iscsi_benches::procfs::{cpu_seconds, resident_kib};
use iscsi_initiator::{
    Initiator, Session,
    iscsi_proto::{
        scsi::{self, IoFlags, SenseData},
        session::ScsiRequest,
        wire::{Lun, ScsiStatus},
    },
};
use iscsi_tools::cli;
use serde::Serialize;

const TOOL: &str = "iscsi-scale";
/// File descriptors kept for everything but the sessions' sockets (stdio, the runtime's
/// epoll and wake-up descriptors, /proc reads).
const SPARE_FILES: u64 = 64;
/// Bytes per read unless `-b` says otherwise.
const DEFAULT_IO_BYTES: u32 = 4096;

struct Options {
    sessions: usize,
    bucket: usize,
    concurrency: usize,
    seconds: u64,
    in_flight: usize,
    blocks: Option<u32>,
    keep_going: bool,
    json: bool,
    name: String,
    url: String,
}

fn main() -> ExitCode {
    cli::init_logging();
    match parse() {
        Ok(Some(opts)) => cli::run(TOOL, run(opts)),
        Ok(None) => cli::usage(
            TOOL,
            "[--sessions N] [--bucket B] [--concurrency C] [-t SECONDS] [-m IN-FLIGHT] \
             [-b BLOCKS] [--keep-going] [--json] URL",
        ),
        Err(e) => cli::fail(TOOL, &e),
    }
}

/// The options, or `None` for `-h`.
fn parse() -> Result<Option<Options>, String> {
    let mut o = Options {
        sessions: 1000,
        bucket: 0,
        concurrency: 64,
        seconds: 5,
        in_flight: 1,
        blocks: None,
        keep_going: false,
        json: false,
        name: cli::default_initiator_name(TOOL),
        url: String::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut num = |what: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{arg} needs {what}"))
        };
        match arg.as_str() {
            "-n" | "--sessions" => o.sessions = num("a count")?.clamp(1, 1 << 20) as usize,
            "--bucket" => o.bucket = num("a count")?.min(1 << 20) as usize,
            "-c" | "--concurrency" => o.concurrency = num("a count")?.clamp(1, 4096) as usize,
            "-t" | "--time" => o.seconds = num("seconds")?,
            "-m" | "--max" => o.in_flight = num("a count")?.clamp(1, 128) as usize,
            "-b" | "--blocks" => {
                o.blocks =
                    Some(u32::try_from(num("a count")?.max(1)).map_err(|_| "too many blocks")?)
            }
            "--json" => o.json = true,
            "--keep-going" => o.keep_going = true,
            "-i" | "--initiator-name" => o.name = args.next().ok_or("-i needs a name")?,
            "-h" | "--help" => return Ok(None),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => o.url = other.to_owned(),
        }
    }
    if o.url.is_empty() {
        return Err("missing URL (iscsi://host/target/lun)".into());
    }
    if o.bucket == 0 {
        o.bucket = o.sessions.div_ceil(10);
    }
    Ok(Some(o))
}

/// One line of the login report.
struct Bucket {
    /// Sessions open at the end of the bucket.
    open: usize,
    /// Logins in this bucket.
    logins: usize,
    seconds: f64,
    /// Resident KiB per open session at the end of the bucket.
    kib_per_session: f64,
}

/// What the I/O phase measured.
struct IoResult {
    seconds: f64,
    ios: u64,
    errors: u64,
    cpu_seconds: f64,
}

/// The `--json` report (field names are what `benches/scale.sh` and the tests read).
#[derive(Serialize)]
struct Report<'a> {
    sessions: usize,
    requested: usize,
    login_error: Option<&'a str>,
    concurrency: usize,
    login_seconds: f64,
    logins_per_s: f64,
    login_cpu_seconds: f64,
    rss_before_kib: u64,
    rss_idle_kib: u64,
    kib_per_session: f64,
    kib_per_session_after_io: f64,
    buckets: Vec<BucketReport>,
    io: Option<IoReport>,
    logout_seconds: f64,
    logout_errors: u64,
    open_files: OpenFiles,
}

/// One bucket of logins in the `--json` report.
#[derive(Serialize)]
struct BucketReport {
    sessions: usize,
    logins: usize,
    seconds: f64,
    logins_per_s: f64,
    kib_per_session: f64,
}

/// The I/O phase in the `--json` report.
#[derive(Serialize)]
struct IoReport {
    seconds: f64,
    ios: u64,
    errors: u64,
    iops: f64,
    cpu_seconds: f64,
    in_flight_per_session: usize,
}

/// The open-file limits the run had.
#[derive(Serialize)]
struct OpenFiles {
    soft: u64,
    hard: u64,
}

async fn run(o: Options) -> Result<(), cli::Failure> {
    let url = cli::parse_url(&o.url)?;
    let lun = cli::lun(&url)?;
    let (soft, hard) = raise_open_files(o.sessions as u64 + SPARE_FILES)?;
    let initiator = Arc::new(cli::initiator(&o.name, &url));
    let tty = !o.json;

    // ---- logins, bucket by bucket ----
    let rss_before = resident_kib();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut sessions: Vec<Session> = Vec::with_capacity(o.sessions);
    let mut buckets = Vec::new();
    let mut login_error = None;
    if tty {
        cli::out(format_args!(
            "{:>9} {:>9} {:>10} {:>12}",
            "sessions", "seconds", "logins/s", "KiB/session"
        ))?;
    }
    while sessions.len() < o.sessions {
        let count = o.bucket.min(o.sessions - sessions.len());
        let t0 = Instant::now();
        let (opened, error) = login_many(&initiator, &url, count, o.concurrency).await;
        let seconds = t0.elapsed().as_secs_f64();
        let count = opened.len();
        sessions.extend(opened);
        if let Some(e) = error {
            let message = format!("after {} sessions: {e}", sessions.len());
            if !o.keep_going || sessions.is_empty() {
                logout_all(sessions, o.concurrency).await;
                return Err(message.into());
            }
            if tty {
                cli::out(format_args!("login failed {message}; going on with those"))?;
            }
            login_error = Some(message);
        }
        if count == 0 {
            break;
        }
        let kib = per_session(resident_kib(), rss_before, sessions.len());
        let bucket = Bucket {
            open: sessions.len(),
            logins: count,
            seconds,
            kib_per_session: kib,
        };
        if tty {
            cli::out(format_args!(
                "{:>9} {:>9.3} {:>10.0} {:>12.1}",
                bucket.open,
                bucket.seconds,
                bucket.logins as f64 / bucket.seconds,
                bucket.kib_per_session
            ))?;
        }
        buckets.push(bucket);
        if login_error.is_some() {
            break;
        }
    }
    let login_seconds = started.elapsed().as_secs_f64();
    let login_cpu = cpu_seconds() - cpu_before;
    let rss_idle = resident_kib();
    let kib_idle = per_session(rss_idle, rss_before, sessions.len());

    // ---- I/O with every session active ----
    let io = if o.seconds > 0 {
        Some(io_phase(&sessions, lun, &o).await?)
    } else {
        None
    };
    // Idle again: what the I/O left behind (receive buffers, task tables).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let kib_after_io = per_session(resident_kib(), rss_before, sessions.len());

    // ---- logouts ----
    let n = sessions.len();
    let t0 = Instant::now();
    let logout_errors = logout_all(sessions, o.concurrency).await;
    let logout_seconds = t0.elapsed().as_secs_f64();

    let logins_per_s = n as f64 / login_seconds;
    if o.json {
        let report = Report {
            sessions: n,
            requested: o.sessions,
            login_error: login_error.as_deref(),
            concurrency: o.concurrency,
            login_seconds,
            logins_per_s,
            login_cpu_seconds: login_cpu,
            rss_before_kib: rss_before,
            rss_idle_kib: rss_idle,
            kib_per_session: kib_idle,
            kib_per_session_after_io: kib_after_io,
            buckets: buckets
                .iter()
                .map(|b| BucketReport {
                    sessions: b.open,
                    logins: b.logins,
                    seconds: b.seconds,
                    logins_per_s: b.logins as f64 / b.seconds,
                    kib_per_session: b.kib_per_session,
                })
                .collect(),
            io: io.as_ref().map(|io| IoReport {
                seconds: io.seconds,
                ios: io.ios,
                errors: io.errors,
                iops: io.ios as f64 / io.seconds,
                cpu_seconds: io.cpu_seconds,
                in_flight_per_session: o.in_flight,
            }),
            logout_seconds,
            logout_errors,
            open_files: OpenFiles { soft, hard },
        };
        cli::out_json(&report)?;
    } else {
        cli::out(format_args!(
            "{n} sessions in {login_seconds:.2} s ({logins_per_s:.0} logins/s, {login_cpu:.2} s CPU), \
             {kib_idle:.1} KiB resident per idle session ({rss_before} KiB before, {rss_idle} KiB after)"
        ))?;
        if let Some(io) = &io {
            cli::out(format_args!(
                "all {n} active, {} in flight each: {:.0} IOPS, {} errors, {:.2} s CPU in {:.1} s; \
                 afterwards {kib_after_io:.1} KiB per idle session",
                o.in_flight,
                io.ios as f64 / io.seconds,
                io.errors,
                io.cpu_seconds,
                io.seconds
            ))?;
        }
        cli::out(format_args!(
            "logged out in {logout_seconds:.2} s, {logout_errors} errors"
        ))?;
    }
    if logout_errors > 0 {
        return Err(format!("{logout_errors} logouts failed").into());
    }
    if let Some(io) = io.filter(|io| io.ios == 0) {
        return Err(format!("no I/O completed ({} errors)", io.errors).into());
    }
    Ok(())
}

/// Resident KiB per session, `before` subtracted.
fn per_session(now: u64, before: u64, sessions: usize) -> f64 {
    now.saturating_sub(before) as f64 / sessions.max(1) as f64
}

/// Logs in `count` sessions, `concurrency` at a time. The first failure stops the others'
/// further logins; returns the sessions open and that failure.
async fn login_many(
    initiator: &Arc<Initiator>,
    url: &iscsi_initiator::IscsiUrl,
    count: usize,
    concurrency: usize,
) -> (Vec<Session>, Option<String>) {
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..concurrency.min(count) {
        let (initiator, url) = (Arc::clone(initiator), url.clone());
        let (next, failed) = (Arc::clone(&next), Arc::clone(&failed));
        workers.push(tokio::spawn(async move {
            let mut opened = Vec::new();
            let mut error = None;
            while !failed.load(Ordering::Relaxed) && next.fetch_add(1, Ordering::Relaxed) < count {
                match initiator.login_url(&url).await {
                    Ok(session) => opened.push(session),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        error = Some(cli::describe(&e));
                    }
                }
            }
            (opened, error)
        }));
    }
    let mut all = Vec::with_capacity(count);
    let mut first_error = None;
    for worker in workers {
        match worker.await {
            Ok((opened, error)) => {
                all.extend(opened);
                first_error = first_error.or(error);
            }
            Err(e) => first_error = first_error.or_else(|| Some(e.to_string())),
        }
    }
    (all, first_error)
}

/// Logs every session out, `concurrency` at a time; returns how many failed.
async fn logout_all(sessions: Vec<Session>, concurrency: usize) -> u64 {
    let sessions = Arc::new(sessions);
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency.min(sessions.len()) {
        let (sessions, next, errors) = (
            Arc::clone(&sessions),
            Arc::clone(&next),
            Arc::clone(&errors),
        );
        workers.push(tokio::spawn(async move {
            while let Some(session) = sessions.get(next.fetch_add(1, Ordering::Relaxed)) {
                if session.logout().await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for worker in workers {
        if worker.await.is_err() {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    errors.load(Ordering::Relaxed)
}

/// Reads from every session at once for `o.seconds`, `o.in_flight` commands each.
async fn io_phase(sessions: &[Session], lun: Lun, o: &Options) -> Result<IoResult, cli::Failure> {
    let first = sessions.first().ok_or("no session")?;
    let cap = first
        .read_capacity(lun)
        .await
        .map_err(|e| cli::describe(&e))?;
    let bs = cap.block_size;
    let blocks = o.blocks.unwrap_or_else(|| (DEFAULT_IO_BYTES / bs).max(1));
    let io_bytes = blocks
        .checked_mul(bs)
        .ok_or_else(|| format!("{blocks} blocks of {bs} bytes exceed 4 GiB per I/O"))?;
    let span = cap.blocks.saturating_sub(u64::from(blocks)).max(1) / u64::from(blocks);
    let stop = Arc::new(AtomicBool::new(false));
    let ios = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut workers = Vec::with_capacity(sessions.len() * o.in_flight);
    for (i, session) in sessions.iter().enumerate() {
        for w in 0..o.in_flight {
            let session = session.clone();
            let (stop, ios, errors) = (Arc::clone(&stop), Arc::clone(&ios), Arc::clone(&errors));
            // Each worker walks its own stretch of the LU, in steps of one read.
            let mut step = (i * o.in_flight + w) as u64 * 97;
            workers.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let lba = (step % span) * u64::from(blocks);
                    step = step.wrapping_add(1);
                    let Ok(cmd) = scsi::read16(lba, blocks, bs, IoFlags::default()) else {
                        break;
                    };
                    let request = ScsiRequest::read(
                        lun,
                        Bytes::copy_from_slice(cmd.cdb.as_bytes()),
                        io_bytes,
                    );
                    match session.execute(request).await {
                        Ok(r) if r.outcome.status == ScsiStatus::Good => {
                            ios.fetch_add(1, Ordering::Relaxed);
                        }
                        // tgtd reports a power-on UNIT ATTENTION to each new session's
                        // first command: not an error, the read is simply sent again.
                        Ok(r) if is_unit_attention(r.outcome.sense.as_deref()) => {}
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
    }
    tokio::time::sleep(Duration::from_secs(o.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    // Counted at the stop, so commands finishing while the workers wind down do not count.
    let seconds = started.elapsed().as_secs_f64();
    let done = ios.load(Ordering::Relaxed);
    let cpu = cpu_seconds() - cpu_before;
    for worker in workers {
        let _ = worker.await;
    }
    Ok(IoResult {
        seconds,
        ios: done,
        errors: errors.load(Ordering::Relaxed),
        cpu_seconds: cpu,
    })
}

/// Whether `sense` says UNIT ATTENTION.
fn is_unit_attention(sense: Option<&[u8]>) -> bool {
    sense
        .and_then(|s| SenseData::decode(s).ok())
        .is_some_and(|s| s.is_unit_attention())
}

/// Raises the soft limit on open files to the hard limit when it is below `needed`.
/// Returns the limits in force (soft, hard).
///
/// # Errors
///
/// The hard limit is below `needed` (raising it takes privilege: `ulimit -Hn`, or
/// `LimitNOFILE=` / limits.conf), or the limits cannot be read or set.
fn raise_open_files(needed: u64) -> Result<(u64, u64), String> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for the call to fill in.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(format!(
            "cannot read the open-file limit: {}",
            std::io::Error::last_os_error()
        ));
    }
    // rlim_t is u64 on Linux, which this benchmark (it reads /proc) is written for.
    let (soft, hard) = (limit.rlim_cur, limit.rlim_max);
    if soft >= needed {
        return Ok((soft, hard));
    }
    if hard < needed {
        return Err(format!(
            "{needed} open files needed (one socket per session plus {SPARE_FILES}), but the hard \
             limit is {hard}: raise it (as root `ulimit -Hn {needed}`, or LimitNOFILE= for a \
             service) or ask for fewer sessions"
        ));
    }
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: `limit` is a valid rlimit read just above; only the soft value changed, to
    // the hard value, which an unprivileged process may do.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(format!(
            "cannot raise the open-file limit from {soft} to {hard}: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok((hard, hard))
}
