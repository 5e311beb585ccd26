//! `iscsi-dd`: copies blocks from SRC to DST, each an iSCSI URL, a file, or `-` (stdin,
//! stdout); at least one is a URL. LU to LU is libiscsi's mode; `--skip`, `--seek` and
//! `--count` are in blocks, `-b` is blocks per I/O as in libiscsi. See docs/tools.md.

use std::{
    collections::VecDeque,
    fs::File,
    io::{self, IsTerminal, Read, Seek, SeekFrom, Write},
    process::ExitCode,
    time::{Duration, Instant},
};

use bytes::Bytes;
use clap::Parser;
use iscsi_initiator::{Error, Session, iscsi_proto::wire::Lun};
use iscsi_tools::{
    args::DdArgs,
    cli::{self, Failure, Status},
};
use serde::Serialize;
use tokio::task::JoinHandle;

const TOOL: &str = "iscsi-dd";

/// Bytes per I/O when `-b` is not given.
const CHUNK: u32 = 1 << 20;

fn main() -> ExitCode {
    let args = DdArgs::parse();
    args.common.init_logging(args.debug);
    cli::run(TOOL, copy(args))
}

/// An opened LU.
struct Lu {
    session: Session,
    lun: Lun,
    block_size: u32,
    blocks: u64,
}

/// One side of the copy.
enum End {
    Lu(Lu),
    File(File),
    Stdin,
    Stdout,
}

/// `--json` summary.
#[derive(Serialize)]
struct Summary {
    bytes: u64,
    blocks: u64,
    block_size: u32,
    seconds: f64,
    megabytes_per_second: f64,
}

fn is_url(s: &str) -> bool {
    s.starts_with("iscsi://")
}

async fn open_lu(args: &DdArgs, name: &str, text: &str) -> Result<Lu, Failure> {
    let mut url = args.common.url(text)?;
    let lun = cli::lun(&url)?;
    let session = cli::login(name, &mut url).await?;
    let cap = session.read_capacity(lun).await?;
    Ok(Lu {
        session,
        lun,
        block_size: cap.block_size,
        blocks: cap.blocks,
    })
}

async fn copy(args: DdArgs) -> Result<(), Failure> {
    let invalid = |m: String| Failure::new(Status::InvalidArgs, m);
    if !is_url(&args.src) && !is_url(&args.dst) {
        return Err(invalid(
            "one of SRC and DST must be an iscsi:// URL".to_owned(),
        ));
    }
    if args.dst == "-" && args.common.json {
        return Err(invalid("--json cannot share stdout with -d -".to_owned()));
    }
    let name = args.common.initiator_name()?;
    let src = if is_url(&args.src) {
        End::Lu(open_lu(&args, &name, &args.src).await?)
    } else if args.src == "-" {
        End::Stdin
    } else {
        End::File(File::open(&args.src).map_err(|e| invalid(format!("{}: {e}", args.src)))?)
    };
    let dst = if is_url(&args.dst) {
        End::Lu(open_lu(&args, &name, &args.dst).await?)
    } else if args.dst == "-" {
        End::Stdout
    } else {
        End::File(
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&args.dst)
                .map_err(|e| invalid(format!("{}: {e}", args.dst)))?,
        )
    };
    let (mut src, mut dst) = (src, dst);
    let result = run_copy(&args, &mut src, &mut dst).await;
    // Log out on success and failure alike, so the target does not keep the sessions.
    for end in [&src, &dst] {
        if let End::Lu(lu) = end {
            let _ = lu.session.logout().await;
        }
    }
    result
}

async fn run_copy(args: &DdArgs, src: &mut End, dst: &mut End) -> Result<(), Failure> {
    let invalid = |m: String| Failure::new(Status::InvalidArgs, m);
    let bs = match (&*src, &*dst) {
        (End::Lu(s), End::Lu(d)) if s.block_size != d.block_size => {
            return Err(invalid(format!(
                "the LUs' block sizes differ ({} and {} bytes)",
                s.block_size, d.block_size
            )));
        }
        (End::Lu(lu), _) | (_, End::Lu(lu)) => lu.block_size,
        _ => return Err(invalid("no LU".to_owned())),
    };
    let bs64 = u64::from(bs);
    // Blocks available at the source after --skip, when known.
    let src_blocks = match src {
        End::Lu(lu) => Some(lu.blocks),
        End::File(f) => {
            let len = f
                .seek(SeekFrom::End(0))
                .map_err(|e| invalid(format!("{}: {e}", args.src)))?;
            Some(len / bs64)
        }
        _ => None,
    };
    if let Some(n) = src_blocks {
        if args.skip > n {
            return Err(invalid(format!(
                "--skip {} is past the end of SRC ({n} blocks)",
                args.skip
            )));
        }
    }
    let total = match (args.count, src_blocks) {
        (Some(count), Some(n)) if count > n - args.skip => {
            return Err(invalid(format!(
                "--count {count} runs past the end of SRC ({} blocks after --skip)",
                n - args.skip
            )));
        }
        (Some(count), _) => Some(count),
        (None, n) => n.map(|n| n - args.skip),
    };
    if let (End::Lu(lu), Some(total)) = (&*dst, total) {
        if args
            .seek
            .checked_add(total)
            .is_none_or(|end| end > lu.blocks)
        {
            return Err(invalid(format!(
                "{total} blocks from --seek {} do not fit DST ({} blocks)",
                args.seek, lu.blocks
            )));
        }
    }
    let per_io = u64::from(args.blocks.unwrap_or_else(|| (CHUNK / bs).max(1)));
    let chunk_bytes = usize::try_from(per_io * bs64)
        .map_err(|_| invalid("-b is too large for this machine".to_owned()))?;
    // Position the files.
    match src {
        End::File(f) => {
            f.seek(SeekFrom::Start(args.skip * bs64))
                .map_err(|e| invalid(format!("{}: {e}", args.src)))?;
        }
        End::Stdin => {
            let skipped = io::copy(
                &mut io::stdin().lock().take(args.skip * bs64),
                &mut io::sink(),
            )
            .map_err(|e| format!("stdin: {e}"))?;
            if skipped < args.skip * bs64 {
                return Err(invalid("--skip is past the end of stdin".to_owned()));
            }
        }
        _ => {}
    }
    if let End::File(f) = dst {
        // As dd: a regular file is cut at the --seek offset, so no old data follows the
        // copy; a device file keeps its size.
        let regular = f.metadata().is_ok_and(|m| m.is_file());
        if regular {
            f.set_len(args.seek * bs64)
                .map_err(|e| format!("{}: {e}", args.dst))?;
        }
        f.seek(SeekFrom::Start(args.seek * bs64))
            .map_err(|e| invalid(format!("{}: {e}", args.dst)))?;
    }
    let in_flight = usize::from(args.max_in_flight);
    let mut progress = Progress::new(
        args.progress,
        total.map(|t| t * bs64),
        Duration::from_secs(args.progress_interval),
    );
    let started = Instant::now();
    let mut reads: VecDeque<JoinHandle<Result<Bytes, Error>>> = VecDeque::new();
    let mut writes: VecDeque<JoinHandle<Result<u64, Error>>> = VecDeque::new();
    let mut next_read = 0u64; // blocks handed to the reader so far
    let mut next_write = 0u64; // blocks handed to the writer so far
    let mut acknowledged = 0u64; // bytes the destination has taken, in order
    loop {
        // Keep the LU reads in flight.
        if let End::Lu(lu) = &*src {
            while reads.len() < in_flight && total.is_none_or(|t| next_read < t) {
                let n = total.map_or(per_io, |t| per_io.min(t - next_read));
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                let (s, lun, lba) = (lu.session.clone(), lu.lun, args.skip + next_read);
                reads.push_back(tokio::spawn(
                    async move { s.read_blocks(lun, lba, n, bs).await },
                ));
                next_read += u64::from(n);
            }
        }
        // The next chunk, in order.
        let data = match &mut *src {
            End::Lu(_) => match reads.pop_front() {
                Some(task) => Some(
                    task.await
                        .map_err(|e| e.to_string())?
                        .map_err(|e| Failure::context("read", &e))?,
                ),
                None => None,
            },
            End::File(f) => read_chunk(f, chunk_bytes, total, next_write, bs64, &args.src)?,
            End::Stdin => read_chunk(
                &mut io::stdin().lock(),
                chunk_bytes,
                total,
                next_write,
                bs64,
                "stdin",
            )?,
            End::Stdout => None,
        };
        let Some(data) = data.filter(|d| !d.is_empty()) else {
            break;
        };
        let blocks = data.len() as u64 / bs64;
        if data.len() as u64 % bs64 != 0 && matches!(*dst, End::Lu(_)) {
            {
                return Err(invalid(format!(
                    "{} ends with a partial block ({} bytes of {bs})",
                    args.src,
                    data.len() as u64 % bs64
                )));
            }
        }
        match &mut *dst {
            End::Lu(lu) => {
                if args.seek + next_write + blocks > lu.blocks {
                    return Err(invalid(format!(
                        "SRC does not fit DST ({} blocks)",
                        lu.blocks
                    )));
                }
                let (s, lun, lba) = (lu.session.clone(), lu.lun, args.seek + next_write);
                writes.push_back(tokio::spawn(async move {
                    let len = data.len() as u64;
                    s.write_blocks(lun, lba, data, bs).await.map(|()| len)
                }));
                while writes.len() >= in_flight {
                    acknowledged += finish_write(&mut writes, acknowledged).await?;
                    progress.update(acknowledged);
                }
            }
            End::File(f) => {
                f.write_all(&data)
                    .map_err(|e| format!("{}: {e}", args.dst))?;
                acknowledged += data.len() as u64;
                progress.update(acknowledged);
            }
            End::Stdout => {
                let mut out = io::stdout().lock();
                match out.write_all(&data) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                        return Err(Failure::StdoutClosed);
                    }
                    Err(e) => return Err(format!("stdout: {e}").into()),
                }
                acknowledged += data.len() as u64;
                progress.update(acknowledged);
            }
            End::Stdin => {}
        }
        next_write += blocks;
    }
    while !writes.is_empty() {
        acknowledged += finish_write(&mut writes, acknowledged).await?;
        progress.update(acknowledged);
    }
    match &mut *dst {
        End::Lu(lu) => lu
            .session
            .synchronize_cache(lu.lun)
            .await
            .map_err(|e| Failure::context("SYNCHRONIZE CACHE", &e))?,
        End::File(f) => f.flush().map_err(|e| format!("{}: {e}", args.dst))?,
        End::Stdout => io::stdout()
            .lock()
            .flush()
            .map_err(|e| format!("stdout: {e}"))?,
        End::Stdin => {}
    }
    progress.finish();
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    let summary = Summary {
        bytes: acknowledged,
        blocks: acknowledged / bs64,
        block_size: bs,
        seconds: secs,
        megabytes_per_second: acknowledged as f64 / secs / 1e6,
    };
    if args.common.json {
        cli::out_json(&summary)?;
    } else if args.progress {
        cli::err(format_args!(
            "{TOOL}: copied {} bytes ({} blocks) in {secs:.2} s ({:.1} MB/s)\n",
            summary.bytes, summary.blocks, summary.megabytes_per_second
        ));
    }
    Ok(())
}

/// Awaits the oldest write; returns its bytes. A failed write says how many bytes the
/// target acknowledged, counted from the start without a gap.
async fn finish_write(
    writes: &mut VecDeque<JoinHandle<Result<u64, Error>>>,
    acknowledged: u64,
) -> Result<u64, Failure> {
    let Some(task) = writes.pop_front() else {
        return Ok(0);
    };
    task.await.map_err(|e| e.to_string())?.map_err(|e| {
        let partial = match &e {
            Error::Incomplete { done, .. } => *done,
            _ => 0,
        };
        Failure::new(
            Status::of(&e),
            format!(
                "{}; the target acknowledged the first {} bytes",
                cli::describe(&e),
                acknowledged + partial
            ),
        )
    })
}

/// Reads up to one chunk (fewer at the end of `--count`); `None` at end of input.
fn read_chunk(
    r: &mut impl Read,
    chunk_bytes: usize,
    total: Option<u64>,
    done_blocks: u64,
    bs: u64,
    what: &str,
) -> Result<Option<Bytes>, Failure> {
    let want = match total {
        Some(t) => {
            let left = (t - done_blocks.min(t)).saturating_mul(bs);
            usize::try_from(left).map_or(chunk_bytes, |l| l.min(chunk_bytes))
        }
        None => chunk_bytes,
    };
    if want == 0 {
        return Ok(None);
    }
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("{what}: {e}").into()),
        }
    }
    buf.truncate(filled);
    Ok((filled > 0).then(|| Bytes::from(buf)))
}

/// Progress on stderr: an indicatif bar on a terminal, else a plain line every `interval`
/// (`--progress-interval`); nothing without `-p`.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: Option<(Instant, Instant)>,
    total: Option<u64>,
    interval: Duration,
}

impl Progress {
    fn new(enabled: bool, total: Option<u64>, interval: Duration) -> Self {
        let mut p = Self {
            bar: None,
            plain: None,
            total,
            interval,
        };
        if !enabled {
            return p;
        }
        if io::stderr().is_terminal() {
            let bar = match total {
                Some(t) => indicatif::ProgressBar::new(t),
                None => indicatif::ProgressBar::new_spinner(),
            };
            let template = if total.is_some() {
                "{bytes}/{total_bytes} [{wide_bar}] {binary_bytes_per_sec} ETA {eta}"
            } else {
                "{bytes} {binary_bytes_per_sec}"
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            p.bar = Some(bar);
        } else {
            let now = Instant::now();
            p.plain = Some((now, now));
        }
        p
    }

    fn update(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
        if let Some((started, last)) = &mut self.plain {
            if last.elapsed() >= self.interval {
                *last = Instant::now();
                let secs = started.elapsed().as_secs_f64().max(1e-3);
                let rate = done as f64 / secs;
                let of = self.total.map_or_else(String::new, |t| {
                    let eta = (t.saturating_sub(done)) as f64 / rate.max(1.0);
                    format!(
                        " of {t} ({:.0}%), ETA {eta:.0} s",
                        done as f64 * 100.0 / t.max(1) as f64
                    )
                });
                cli::err(format_args!(
                    "{TOOL}: {done} bytes{of}, {:.1} MB/s\n",
                    rate / 1e6
                ));
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
