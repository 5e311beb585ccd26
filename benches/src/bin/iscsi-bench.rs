//! `iscsi-bench`: a load generator with libiscsi `iscsi-perf`'s flags and their meanings,
//! so the two can be swapped on one command line, plus writes, mixed loads, offered login
//! keys, latency percentiles and CPU per I/O.
//!
//! ```text
//! iscsi-bench [-i NAME] [-m MAX] [-b BLOCKS] [-t SECONDS] [-r] [-R] [-l] [-n] [-x N]
//!             [--write [--mixed READ-PCT]] [--immediate-data yes|no] [--initial-r2t yes|no]
//!             [--json] URL
//! ```
//!
//! As iscsi-perf: `-t 0` (the default) runs until Ctrl-C; the first Ctrl-C stops issuing,
//! waits for the requests in flight, prints the summary and logs out (exit 0); a second one
//! exits at once with status 130, as does one during login. A failed request ends the run
//! (exit 1) unless `-n`.
//! Documented in docs/performance.md ("iscsi-bench").

use std::{
    io::IsTerminal,
    process::ExitCode,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use iscsi_benches::latency::Histogram;
use iscsi_benches::procfs::cpu_seconds;
use iscsi_initiator::{
    Initiator, InitiatorConfig, SessionEvent,
    iscsi_proto::{
        scsi::{self, IoFlags},
        session::ScsiRequest,
        wire::{Lun, ScsiStatus},
    },
};
use iscsi_tools::cli;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use tokio::{
    signal::unix::{SignalKind, signal},
    sync::watch,
};

const TOOL: &str = "iscsi-bench";

/// A yes/no login key value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum YesNo {
    /// Offer Yes.
    Yes,
    /// Offer No.
    No,
}

impl YesNo {
    fn yes(self) -> bool {
        self == Self::Yes
    }
}

/// Command line. Short flags and long names are iscsi-perf's; the rest are ours.
#[derive(Debug, Parser)]
#[command(
    name = TOOL,
    version,
    about = "iSCSI load generator with libiscsi iscsi-perf's flags",
    after_help = "\
URL: iscsi://[USER[%PASSWORD]@]HOST[:PORT]/TARGET-IQN/LUN[?header_digest=crc32c&data_digest=crc32c]

Sizes: MB = 10^6 bytes, MiB = 2^20 bytes; both are printed and labelled. (iscsi-perf's \
\"MB/s\" is MiB/s.)
Ctrl-C: the first stops issuing, drains, prints the summary, logs out and exits 0; \
the second exits 130 at once.
Exit status: 0 done, 1 failure (login, a failed request without -n), 2 usage error, \
130 second Ctrl-C."
)]
struct Args {
    /// Initiator name (IQN).
    #[arg(short = 'i', long = "initiator-name", value_name = "NAME")]
    initiator_name: Option<String>,
    /// Requests in flight (1..=1024).
    #[arg(short = 'm', long = "max", value_name = "MAX", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    max: u32,
    /// Blocks per request (1..=65536); with -R the most per request.
    #[arg(short = 'b', long = "blocks", value_name = "BLOCKS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    blocks: u32,
    /// Run time in seconds; 0 runs until Ctrl-C.
    #[arg(short = 't', long = "runtime", visible_alias = "time", value_name = "SECONDS",
          default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=31_536_000))]
    runtime: u64,
    /// Random LBAs (default: sequential, wrapping at the end of the LU).
    #[arg(short = 'r', long = "random")]
    random: bool,
    /// Random transfer sizes, 1 to BLOCKS blocks.
    #[arg(short = 'R', long = "random-blocks")]
    random_blocks: bool,
    /// Progress on its own line each second (default: one line rewritten on a terminal).
    #[arg(short = 'l', long = "logging")]
    logging: bool,
    /// Count failed requests and go on (default: the first failure ends the run, exit 1).
    #[arg(short = 'n', long = "ignore-errors")]
    ignore_errors: bool,
    /// Reinstatements allowed after connection failures (0: none; default: no limit
    /// other than the reconnect deadline).
    #[arg(short = 'x', long = "max-reconnects", value_name = "N")]
    max_reconnects: Option<u32>,
    /// Write instead of read. DESTROYS THE DATA ON THE LU.
    #[arg(long)]
    write: bool,
    /// With --write: a mixed load with this percentage of reads (0..=100), the rest writes.
    #[arg(long, value_name = "READ-PCT", requires = "write",
          value_parser = clap::value_parser!(u8).range(0..=100))]
    mixed: Option<u8>,
    /// ImmediateData to offer at login (the target may still answer No).
    #[arg(long, value_name = "YES|NO", default_value = "yes")]
    immediate_data: YesNo,
    /// InitialR2T to offer at login (the target may still answer Yes).
    #[arg(long, value_name = "YES|NO", default_value = "no")]
    initial_r2t: YesNo,
    /// The summary as one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// The LU: iscsi://HOST[:PORT]/TARGET-IQN/LUN.
    url: String,
}

fn main() -> ExitCode {
    cli::init_logging();
    // Usage errors exit 2, --help and --version 0 (clap's convention).
    let args = Args::parse();
    cli::run(TOOL, run(args))
}

/// Shared counters of one run.
struct Stats {
    reads: AtomicU64,
    writes: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    next_lba: AtomicU64,
    stop: AtomicBool,
    latency: Histogram,
    /// The first failure that ended the run (without -n).
    failure: Mutex<Option<String>>,
}

impl Stats {
    fn ios(&self) -> u64 {
        self.reads.load(Ordering::Relaxed) + self.writes.load(Ordering::Relaxed)
    }
}

/// What a worker issues: fixed per run.
#[derive(Clone, Copy)]
struct Load {
    lun: Lun,
    block_size: u32,
    blocks: u32,
    random_blocks: bool,
    random: bool,
    /// LBAs a request may start at: 0..span.
    span: u64,
    /// Percentage of reads.
    read_pct: u8,
    ignore_errors: bool,
}

/// The `--json` summary.
#[derive(Serialize)]
struct Summary {
    mode: &'static str,
    read_percent: u8,
    random: bool,
    random_blocks: bool,
    block_size: u32,
    blocks_per_io: u32,
    in_flight: u32,
    immediate_data: bool,
    initial_r2t: bool,
    seconds: f64,
    ios: u64,
    reads: u64,
    writes: u64,
    errors: u64,
    reconnects: u64,
    interrupted: bool,
    iops: f64,
    bytes: u64,
    /// 10^6 bytes per second.
    mb_per_s: f64,
    /// 2^20 bytes per second.
    mib_per_s: f64,
    latency_us: Latency,
    cpu_seconds: f64,
    cpu_us_per_io: f64,
}

/// Latency of the requests that succeeded, microseconds.
#[derive(Serialize)]
struct Latency {
    p50: f64,
    p99: f64,
    p99_9: f64,
    mean: f64,
    max: f64,
}

async fn run(a: Args) -> Result<(), cli::Failure> {
    let url = cli::parse_url(&a.url)?;
    let lun = cli::lun(&url)?;
    // Ctrl-C is ours from here on: a first one stops the run, a second one exits 130.
    let mut interrupts =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle SIGINT: {e}"))?;
    if a.write {
        cli::err(format_args!(
            "{TOOL}: WARNING: --write overwrites the data on {} LUN {}; it is destroyed\n",
            url.target.as_deref().unwrap_or("the target"),
            url.lun.unwrap_or_default()
        ));
    }
    let name = a
        .initiator_name
        .clone()
        .unwrap_or_else(|| cli::default_initiator_name(TOOL));
    let mut config = InitiatorConfig::new(name);
    config.apply_url(&url);
    config.operational.immediate_data = a.immediate_data.yes();
    config.operational.initial_r2t = a.initial_r2t.yes();
    if a.max_reconnects == Some(0) {
        config.reconnect_timeout = Duration::ZERO;
    }
    let initiator = Initiator::new(config);
    let session = tokio::select! {
        s = initiator.login_url(&url) => s.map_err(|e| cli::describe(&e))?,
        // Nothing to summarise yet: exit as an interrupted process does.
        _ = interrupts.recv() => {
            cli::err(format_args!("{TOOL}: interrupted during login\n"));
            std::process::exit(130);
        }
    };
    let mut events = session.events();
    let cap = session
        .read_capacity(lun)
        .await
        .map_err(|e| cli::describe(&e))?;
    let bs = cap.block_size;
    // Bytes per I/O; the transfer length of a SCSI command is 32 bits.
    let io_bytes = a
        .blocks
        .checked_mul(bs)
        .ok_or_else(|| format!("{} blocks of {bs} bytes exceed 4 GiB per I/O", a.blocks))?;
    if u64::from(a.blocks) > cap.blocks {
        return Err(format!(
            "-b {} is more than the LU's {} blocks",
            a.blocks, cap.blocks
        )
        .into());
    }
    let params = session.snapshot().params;
    let read_pct = match (a.write, a.mixed) {
        (false, _) => 100,
        (true, None) => 0,
        (true, Some(p)) => p,
    };
    let load = Load {
        lun,
        block_size: bs,
        blocks: a.blocks,
        random_blocks: a.random_blocks,
        random: a.random,
        span: cap.blocks - u64::from(a.blocks) + 1,
        read_pct,
        ignore_errors: a.ignore_errors,
    };
    let stats = Arc::new(Stats {
        reads: AtomicU64::new(0),
        writes: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        next_lba: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        latency: Histogram::new(),
        failure: Mutex::new(None),
    });
    let (stop_tx, mut stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let mode = match read_pct {
        100 => "read",
        0 => "write",
        _ => "mixed",
    };
    if !a.json {
        cli::out(format_args!(
            "{} {mode} ({read_pct} % reads), {} requests in flight, {} blocks of {bs} bytes \
             ({io_bytes} bytes) each{}, ImmediateData={}, InitialR2T={}, {}",
            if a.random { "random" } else { "sequential" },
            a.max,
            a.blocks,
            if a.random_blocks { " at most" } else { "" },
            yes_no(params.immediate_data),
            yes_no(params.initial_r2t),
            match a.runtime {
                0 => "until Ctrl-C".to_owned(),
                s => format!("{s} s"),
            },
        ))?;
    }
    let payload = Bytes::from(vec![0xa5u8; io_bytes as usize]);
    let cpu_start = cpu_seconds();
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..a.max {
        let (session, stats, payload, stop_tx) = (
            session.clone(),
            stats.clone(),
            payload.clone(),
            stop_tx.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(u64::from(w));
            while !stats.stop.load(Ordering::Relaxed) {
                if let Err(why) = one_io(&session, &stats, &load, &payload, &mut rng).await {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                    if !load.ignore_errors {
                        if let Ok(mut f) = stats.failure.lock() {
                            f.get_or_insert(why);
                        }
                        stats.stop.store(true, Ordering::Relaxed);
                        stop_tx.send_replace(true);
                    }
                }
            }
        }));
    }
    let tty = std::io::stderr().is_terminal() && !a.json;
    let deadline = (a.runtime > 0).then(|| started + Duration::from_secs(a.runtime));
    let end = tokio::time::sleep_until(deadline.unwrap_or(started).into());
    tokio::pin!(end);
    let mut tick = tokio::time::interval_at(
        (started + Duration::from_secs(1)).into(),
        Duration::from_secs(1),
    );
    let mut last = (0u64, started);
    let mut interrupted = false;
    let mut too_many_reconnects = None;
    loop {
        tokio::select! {
            () = &mut end, if deadline.is_some() => break,
            _ = stop_rx.changed() => break,
            _ = interrupts.recv() => {
                interrupted = true;
                break;
            }
            event = events.recv() => {
                if let Ok(SessionEvent::Reinstated { reconnects, .. }) = event {
                    cli::err(format_args!("{TOOL}: reconnected ({reconnects} so far)\n"));
                    if a.max_reconnects.is_some_and(|m| reconnects > u64::from(m)) {
                        too_many_reconnects = Some(reconnects);
                        break;
                    }
                }
            }
            now = tick.tick() => {
                if tty || a.logging {
                    let now = now.into_std();
                    let ios = stats.ios();
                    let rate = ios.saturating_sub(last.0) as f64
                        / now.duration_since(last.1).as_secs_f64();
                    cli::err(format_args!(
                        "{}{:>5} s  iops current {rate:.0} ({:.1} MB/s), average {:.0}{}",
                        if a.logging { "" } else { "\r" },
                        started.elapsed().as_secs(),
                        rate * f64::from(io_bytes) / 1e6,
                        ios as f64 / started.elapsed().as_secs_f64(),
                        if a.logging { "\n" } else { "   " },
                    ));
                    last = (ios, now);
                }
            }
        }
    }
    // Stop issuing; the requests in flight drain. A second Ctrl-C from here on exits at once.
    stats.stop.store(true, Ordering::Relaxed);
    tokio::spawn(async move {
        if interrupts.recv().await.is_some() {
            cli::err(format_args!("\n{TOOL}: interrupted again, exiting\n"));
            std::process::exit(130);
        }
    });
    for w in workers {
        w.await.map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    if tty && !a.logging {
        cli::err(format_args!("\n"));
    }
    let h = &stats.latency;
    let us = |ns: u64| ns as f64 / 1000.0;
    let (reads, writes) = (
        stats.reads.load(Ordering::Relaxed),
        stats.writes.load(Ordering::Relaxed),
    );
    let ios = reads + writes;
    let bytes = stats.bytes.load(Ordering::Relaxed);
    let summary = Summary {
        mode,
        read_percent: read_pct,
        random: a.random,
        random_blocks: a.random_blocks,
        block_size: bs,
        blocks_per_io: a.blocks,
        in_flight: a.max,
        immediate_data: params.immediate_data,
        initial_r2t: params.initial_r2t,
        seconds: elapsed,
        ios,
        reads,
        writes,
        errors: stats.errors.load(Ordering::Relaxed),
        reconnects: session.snapshot().reconnects,
        interrupted,
        iops: ios as f64 / elapsed,
        bytes,
        mb_per_s: bytes as f64 / elapsed / 1e6,
        mib_per_s: bytes as f64 / elapsed / f64::from(1 << 20),
        latency_us: Latency {
            p50: us(h.quantile(0.50)),
            p99: us(h.quantile(0.99)),
            p99_9: us(h.quantile(0.999)),
            mean: h.mean() / 1000.0,
            max: us(h.max()),
        },
        cpu_seconds: cpu,
        cpu_us_per_io: if ios > 0 { cpu * 1e6 / ios as f64 } else { 0.0 },
    };
    print_summary(&summary, a.json)?;
    let _ = session.logout().await;
    if let Some(n) = too_many_reconnects {
        return Err(format!(
            "{n} reconnects, more than -x {}",
            a.max_reconnects.unwrap_or(0)
        )
        .into());
    }
    let failure = stats.failure.lock().ok().and_then(|mut f| f.take());
    match failure {
        Some(why) => Err(format!("aborted: {why} (-n goes on after failures)").into()),
        None if ios == 0 && summary.errors > 0 => {
            Err(format!("every request failed ({} errors)", summary.errors).into())
        }
        None => Ok(()),
    }
}

/// Issues one request and records it; the error says why it failed.
async fn one_io(
    session: &iscsi_initiator::Session,
    stats: &Stats,
    load: &Load,
    payload: &Bytes,
    rng: &mut StdRng,
) -> Result<(), String> {
    let blocks = if load.random_blocks {
        rng.random_range(1..=load.blocks)
    } else {
        load.blocks
    };
    let lba = if load.random {
        rng.random_range(0..load.span)
    } else {
        stats
            .next_lba
            .fetch_add(u64::from(blocks), Ordering::Relaxed)
            % load.span
    };
    let read =
        load.read_pct == 100 || (load.read_pct > 0 && rng.random_range(0..100) < load.read_pct);
    let len = blocks * load.block_size;
    let request = if read {
        let cmd = scsi::read16(lba, blocks, load.block_size, IoFlags::default())
            .map_err(|e| e.to_string())?;
        ScsiRequest::read(load.lun, Bytes::copy_from_slice(cmd.cdb.as_bytes()), len)
    } else {
        let cmd = scsi::write16(lba, blocks, load.block_size, IoFlags::default())
            .map_err(|e| e.to_string())?;
        ScsiRequest::write(
            load.lun,
            Bytes::copy_from_slice(cmd.cdb.as_bytes()),
            payload.slice(..len as usize),
        )
    };
    let t0 = Instant::now();
    let result = session
        .execute(request)
        .await
        .map_err(|e| cli::describe(&e))?;
    if result.outcome.status != ScsiStatus::Good {
        return Err(format!(
            "{} status {:?}",
            if read { "READ" } else { "WRITE" },
            result.outcome.status
        ));
    }
    stats.latency.record(t0.elapsed().as_nanos() as u64);
    if read {
        stats.reads.fetch_add(1, Ordering::Relaxed);
    } else {
        stats.writes.fetch_add(1, Ordering::Relaxed);
    }
    stats.bytes.fetch_add(u64::from(len), Ordering::Relaxed);
    Ok(())
}

fn yes_no(v: bool) -> &'static str {
    if v { "Yes" } else { "No" }
}

/// The summary, as text (units labelled) or one JSON object.
fn print_summary(s: &Summary, json: bool) -> Result<(), cli::Failure> {
    if json {
        let text = serde_json::to_string(s).map_err(|e| e.to_string())?;
        return cli::out(format_args!("{text}"));
    }
    cli::out(format_args!(
        "iops average {:.0} ({:.1} MB/s = {:.1} MiB/s; MB = 10^6 bytes, MiB = 2^20 bytes)",
        s.iops, s.mb_per_s, s.mib_per_s
    ))?;
    cli::out(format_args!(
        "{} I/Os ({} reads, {} writes), {} errors, {} reconnects, {:.2} s{}",
        s.ios,
        s.reads,
        s.writes,
        s.errors,
        s.reconnects,
        s.seconds,
        if s.interrupted {
            ", stopped by Ctrl-C"
        } else {
            ""
        }
    ))?;
    let l = &s.latency_us;
    cli::out(format_args!(
        "latency us: p50 {:.1}, p99 {:.1}, p99.9 {:.1}, mean {:.1}, max {:.1}",
        l.p50, l.p99, l.p99_9, l.mean, l.max
    ))?;
    cli::out(format_args!(
        "initiator CPU (user+system) {:.2} s = {:.2} us per I/O",
        s.cpu_seconds, s.cpu_us_per_io
    ))
}
