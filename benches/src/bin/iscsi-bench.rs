//! `iscsi-bench`: a load generator with libiscsi `iscsi-perf`'s flags, so the two can be
//! swapped on one command line.
//!
//! ```text
//! iscsi-bench [-t SECONDS] [-m IN-FLIGHT] [-b BLOCKS] [-r] [--write | --mixed PCT] [--json] URL
//! ```
//!
//! `-t` run time (default 10 s), `-m` requests in flight (default 32), `-b` blocks per
//! request (default 8), `-r` random LBAs (default sequential, wrapping), `--write` writes
//! instead of reads, `--mixed PCT` makes PCT % of requests writes. Digests and CHAP come from
//! the URL. The summary gives IOPS, MB/s, latency p50/p99/p99.9 and initiator CPU seconds
//! per 100k I/Os (user + system time of this process, from /proc/self/stat).

use std::{
    io::IsTerminal,
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use iscsi_initiator::iscsi_proto::{
    scsi::{self, IoFlags},
    session::ScsiRequest,
    wire::ScsiStatus,
};
use iscsi_tools::cli;
use rand::{Rng, SeedableRng, rngs::StdRng};

const TOOL: &str = "iscsi-bench";
/// Latency samples kept (about 80 MB at most).
const MAX_SAMPLES: usize = 10_000_000;

struct Options {
    seconds: u64,
    in_flight: usize,
    blocks: u32,
    random: bool,
    write_pct: u32,
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
            "[-t SECONDS] [-m IN-FLIGHT] [-b BLOCKS] [-r] [--write | --mixed PCT] [--json] URL",
        ),
        Err(e) => cli::fail(TOOL, &e),
    }
}

/// The options, or `None` for `-h`.
fn parse() -> Result<Option<Options>, String> {
    let mut o = Options {
        seconds: 10,
        in_flight: 32,
        blocks: 8,
        random: false,
        write_pct: 0,
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
            "-t" | "--time" => o.seconds = num("seconds")?.max(1),
            "-m" | "--max" => o.in_flight = num("a count")?.clamp(1, 1024) as usize,
            "-b" | "--blocks" => {
                o.blocks = u32::try_from(num("a count")?.max(1)).map_err(|_| "too many blocks")?
            }
            "--mixed" => o.write_pct = num("a percentage")?.min(100) as u32,
            "-r" | "--random" => o.random = true,
            "--write" => o.write_pct = 100,
            "--json" => o.json = true,
            "-i" | "--initiator-name" => o.name = args.next().ok_or("-i needs a name")?,
            "-h" | "--help" => return Ok(None),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => o.url = other.to_owned(),
        }
    }
    if o.url.is_empty() {
        return Err("missing URL (iscsi://host/target/lun)".into());
    }
    Ok(Some(o))
}

/// Shared counters of one run.
struct Stats {
    ios: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    next_lba: AtomicU64,
    stop: AtomicBool,
}

async fn run(o: Options) -> Result<(), cli::Failure> {
    let url = cli::parse_url(&o.url)?;
    let lun = cli::lun(&url)?;
    let initiator = cli::initiator(&o.name, &url);
    let session = initiator
        .login_url(&url)
        .await
        .map_err(|e| cli::describe(&e))?;
    let cap = session
        .read_capacity(lun)
        .await
        .map_err(|e| cli::describe(&e))?;
    let bs = cap.block_size;
    // Bytes per I/O; the read length of a SCSI command is 32 bits.
    let io_bytes = o
        .blocks
        .checked_mul(bs)
        .ok_or_else(|| format!("{} blocks of {bs} bytes exceed 4 GiB per I/O", o.blocks))?;
    // Latency samples per worker, so the total stays under MAX_SAMPLES whatever -m is.
    let samples_per_worker = MAX_SAMPLES / o.in_flight;
    let span = cap.blocks.saturating_sub(u64::from(o.blocks)).max(1);
    let stats = Arc::new(Stats {
        ios: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        next_lba: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let payload = Bytes::from(vec![0xa5u8; io_bytes as usize]);
    let cpu_start = cpu_seconds();
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..o.in_flight {
        let (session, stats, payload) = (session.clone(), stats.clone(), payload.clone());
        let (blocks, random, write_pct) = (o.blocks, o.random, o.write_pct);
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(w as u64);
            let mut latencies = Vec::with_capacity(samples_per_worker.min(1 << 16));
            while !stats.stop.load(Ordering::Relaxed) {
                let lba = if random {
                    rng.random_range(0..span)
                } else {
                    stats
                        .next_lba
                        .fetch_add(u64::from(blocks), Ordering::Relaxed)
                        % span
                };
                let write = write_pct > 0 && rng.random_range(0..100) < write_pct;
                let request = if write {
                    let Ok(cmd) = scsi::write16(lba, blocks, bs, IoFlags::default()) else {
                        break;
                    };
                    ScsiRequest::write(
                        lun,
                        Bytes::copy_from_slice(cmd.cdb.as_bytes()),
                        payload.clone(),
                    )
                } else {
                    let Ok(cmd) = scsi::read16(lba, blocks, bs, IoFlags::default()) else {
                        break;
                    };
                    ScsiRequest::read(lun, Bytes::copy_from_slice(cmd.cdb.as_bytes()), io_bytes)
                };
                let t0 = Instant::now();
                match session.execute(request).await {
                    Ok(r) if r.outcome.status == ScsiStatus::Good => {
                        if latencies.len() < samples_per_worker {
                            latencies.push(t0.elapsed().as_nanos() as u64);
                        }
                        stats.ios.fetch_add(1, Ordering::Relaxed);
                        stats
                            .bytes
                            .fetch_add(u64::from(io_bytes), Ordering::Relaxed);
                    }
                    _ => {
                        stats.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let tty = std::io::stderr().is_terminal() && !o.json;
    let deadline = started + Duration::from_secs(o.seconds);
    let mut last = (0u64, started);
    while Instant::now() < deadline {
        tokio::time::sleep(
            Duration::from_secs(1).min(deadline.saturating_duration_since(Instant::now())),
        )
        .await;
        if tty {
            let now = Instant::now();
            let ios = stats.ios.load(Ordering::Relaxed);
            let rate = ios.saturating_sub(last.0) as f64 / now.duration_since(last.1).as_secs_f64();
            cli::err(format_args!(
                "\r{:>4}s  iops current {:.0} ({:.0} MB/s)   ",
                started.elapsed().as_secs(),
                rate,
                rate * f64::from(io_bytes) / 1e6
            ));
            last = (ios, now);
        }
    }
    stats.stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.map_err(|e| e.to_string())?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    let _ = session.logout().await;
    if tty {
        cli::err(format_args!("\n"));
    }
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |&n| n as f64 / 1000.0)
    };
    let ios = stats.ios.load(Ordering::Relaxed);
    let iops = ios as f64 / elapsed;
    let mbs = stats.bytes.load(Ordering::Relaxed) as f64 / elapsed / 1e6;
    let cpu_per_100k = if ios > 0 {
        cpu * 100_000.0 / ios as f64
    } else {
        0.0
    };
    let errors = stats.errors.load(Ordering::Relaxed);
    if o.json {
        cli::out(format_args!(
            "{{\"iops\":{iops:.1},\"mb_per_s\":{mbs:.2},\"ios\":{ios},\"errors\":{errors},\"seconds\":{elapsed:.3},\"latency_us\":{{\"p50\":{:.1},\"p99\":{:.1},\"p99_9\":{:.1}}},\"cpu_seconds\":{cpu:.3},\"cpu_seconds_per_100k_ios\":{cpu_per_100k:.3},\"block_size\":{bs},\"blocks_per_io\":{},\"in_flight\":{}}}",
            pct(0.50),
            pct(0.99),
            pct(0.999),
            o.blocks,
            o.in_flight
        ))?;
    } else {
        cli::out(format_args!(
            "iops average {iops:.0} ({mbs:.0} MB/s), {ios} I/Os, {errors} errors, {elapsed:.1} s"
        ))?;
        cli::out(format_args!(
            "latency p50 {:.0} us, p99 {:.0} us, p99.9 {:.0} us",
            pct(0.50),
            pct(0.99),
            pct(0.999)
        ))?;
        cli::out(format_args!(
            "initiator CPU {cpu:.2} s = {cpu_per_100k:.2} s per 100k I/Os"
        ))?;
    }
    if errors > 0 && ios == 0 {
        return Err(format!("every request failed ({errors} errors)").into());
    }
    Ok(())
}

/// User + system CPU seconds of this process, from /proc/self/stat (clock ticks of 1/100 s,
/// the value Linux reports through USER_HZ on every mainstream architecture).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    ticks(11).saturating_add(ticks(12)) as f64 / 100.0
}
