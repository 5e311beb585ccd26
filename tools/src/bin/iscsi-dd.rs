//! `iscsi-dd`: copies between a local file and a LUN, either direction, with progress.
//!
//! ```text
//! iscsi-dd -s SRC -d DST [-b BLOCKS] [-m MAX-IN-FLIGHT] [-i INITIATOR-NAME] [-p]
//! ```
//!
//! SRC and DST are each a file path or an `iscsi://host[:port]/target/lun` URL; at least
//! one is a URL. Reading from a LUN copies the whole LU (or `-b` blocks); writing copies the
//! whole file, which must be a whole number of blocks and fit the LU. `-p` prints progress
//! (on by default on a terminal).

use std::{
    io::{IsTerminal, Read, Seek, SeekFrom, Write},
    process::ExitCode,
    time::Instant,
};

use bytes::Bytes;
use iscsi_initiator::{Error, IscsiUrl, Session, iscsi_proto::wire::Lun};
use iscsi_tools::cli;

const TOOL: &str = "iscsi-dd";

/// Bytes per command.
const CHUNK: u32 = 1 << 20;

fn main() -> ExitCode {
    cli::init_logging();
    let mut name = cli::default_initiator_name(TOOL);
    let (mut src, mut dst, mut blocks, mut progress) =
        (None, None, None, std::io::stderr().is_terminal());
    let mut in_flight = 8usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or_else(|| format!("{arg} needs {what}"));
        let r = match arg.as_str() {
            "-s" | "--src" => value("a file or URL").map(|v| src = Some(v)),
            "-d" | "--dst" => value("a file or URL").map(|v| dst = Some(v)),
            "-b" | "--blocks" => value("a count").and_then(|v| {
                v.parse()
                    .map(|n| blocks = Some(n))
                    .map_err(|_| format!("bad count {v:?}"))
            }),
            "-m" | "--max" => value("a count").and_then(|v| {
                v.parse()
                    .map(|n: usize| in_flight = n.clamp(1, 64))
                    .map_err(|_| format!("bad count {v:?}"))
            }),
            "-i" | "--initiator-name" => value("a name").map(|v| name = v),
            "-p" | "--progress" => {
                progress = true;
                Ok(())
            }
            "-h" | "--help" => {
                return cli::usage(
                    TOOL,
                    "-s SRC -d DST [-b BLOCKS] [-m MAX-IN-FLIGHT] [-p] [-i INITIATOR-NAME]",
                );
            }
            other => Err(format!("unknown argument {other}")),
        };
        if let Err(e) = r {
            return cli::fail(TOOL, &e);
        }
    }
    let (Some(src), Some(dst)) = (src, dst) else {
        return cli::fail(TOOL, "need -s SRC and -d DST");
    };
    cli::run(TOOL, async move {
        match (src.starts_with("iscsi://"), dst.starts_with("iscsi://")) {
            (true, false) => lun_to_file(&name, &src, &dst, blocks, in_flight, progress).await,
            (false, true) => file_to_lun(&name, &src, &dst, in_flight, progress).await,
            (true, true) => {
                Err("copying between two LUNs is not supported; go through a file".into())
            }
            (false, false) => Err("one of SRC and DST must be an iscsi:// URL".into()),
        }
    })
}

async fn open(name: &str, url: &str) -> Result<(Session, Lun, u32, u64), String> {
    let url: IscsiUrl = cli::parse_url(url)?;
    let lun = cli::lun(&url)?;
    let initiator = cli::initiator(name, &url);
    let session = initiator
        .login_url(&url)
        .await
        .map_err(|e| cli::describe(&e))?;
    let cap = session
        .read_capacity(lun)
        .await
        .map_err(|e| cli::describe(&e))?;
    Ok((session, lun, cap.block_size, cap.blocks))
}

async fn lun_to_file(
    name: &str,
    src: &str,
    dst: &str,
    blocks: Option<u64>,
    in_flight: usize,
    progress: bool,
) -> Result<(), cli::Failure> {
    let (session, lun, bs, lu_blocks) = open(name, src).await?;
    let total = blocks.unwrap_or(lu_blocks).min(lu_blocks);
    let mut file = std::fs::File::create(dst).map_err(|e| format!("{dst}: {e}"))?;
    let per = chunk_blocks(bs)?;
    let total_bytes = total.saturating_mul(u64::from(bs));
    let started = Instant::now();
    let mut next = 0u64;
    let mut tasks = std::collections::VecDeque::new();
    let mut written = 0u64;
    while next < total || !tasks.is_empty() {
        while next < total && tasks.len() < in_flight {
            // At most `per`, which fits a u32.
            let n = u32::try_from(per.min(total - next)).unwrap_or(u32::MAX);
            let s = session.clone();
            let lba = next;
            tasks.push_back(tokio::spawn(
                async move { s.read_blocks(lun, lba, n, bs).await },
            ));
            next += u64::from(n);
        }
        let Some(task) = tasks.pop_front() else { break };
        let data = task
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| cli::describe(&e))?;
        file.write_all(&data).map_err(|e| format!("{dst}: {e}"))?;
        written += data.len() as u64;
        if progress {
            report(written, total_bytes, started);
        }
    }
    file.flush().map_err(|e| format!("{dst}: {e}"))?;
    let _ = session.logout().await;
    finish(written, started, progress);
    Ok(())
}

async fn file_to_lun(
    name: &str,
    src: &str,
    dst: &str,
    in_flight: usize,
    progress: bool,
) -> Result<(), cli::Failure> {
    let (session, lun, bs, lu_blocks) = open(name, dst).await?;
    let mut file = std::fs::File::open(src).map_err(|e| format!("{src}: {e}"))?;
    let len = file
        .seek(SeekFrom::End(0))
        .and_then(|l| file.seek(SeekFrom::Start(0)).map(|_| l))
        .map_err(|e| format!("{src}: {e}"))?;
    let file_blocks = whole_blocks(len, bs)
        .ok_or_else(|| format!("{src} is {len} bytes, not a whole number of {bs}-byte blocks"))?;
    if file_blocks > lu_blocks {
        return Err(format!(
            "{src} ({len} bytes) does not fit the LU ({} bytes)",
            lu_blocks.saturating_mul(u64::from(bs))
        )
        .into());
    }
    // Whole blocks per command, so every command but the last is full, whatever the block
    // size (520-byte blocks do not divide a MiB).
    let chunk_bytes = usize::try_from(chunk_blocks(bs)?.saturating_mul(u64::from(bs)))
        .map_err(|_| format!("{bs}-byte blocks are too large for this machine"))?;
    let started = Instant::now();
    let mut lba = 0u64;
    let mut done = 0u64;
    let mut tasks = std::collections::VecDeque::new();
    loop {
        while tasks.len() < in_flight {
            let mut buf = vec![0u8; chunk_bytes];
            let n = read_full(&mut file, &mut buf).map_err(|e| format!("{src}: {e}"))?;
            if n == 0 {
                break;
            }
            buf.truncate(n);
            let s = session.clone();
            let at = lba;
            lba += whole_blocks(n as u64, bs)
                .ok_or_else(|| format!("{src} changed size while being copied"))?;
            tasks.push_back(tokio::spawn(async move {
                let len = buf.len() as u64;
                s.write_blocks(lun, at, Bytes::from(buf), bs)
                    .await
                    .map(|()| len)
            }));
        }
        let Some(task) = tasks.pop_front() else { break };
        done += task.await.map_err(|e| e.to_string())?.map_err(|e| {
            // What the target took, counted from the start of the file without a gap: the
            // commands before this one, and what this one's target acknowledged of it.
            let partial = match &e {
                Error::Incomplete { done, .. } => *done,
                _ => 0,
            };
            format!(
                "{}; the target acknowledged the first {} bytes",
                cli::describe(&e),
                done + partial
            )
        })?;
        if progress {
            report(done, len, started);
        }
    }
    session
        .synchronize_cache(lun)
        .await
        .map_err(|e| cli::describe(&e))?;
    let _ = session.logout().await;
    finish(done, started, progress);
    Ok(())
}

/// Blocks per command: as many as fit [`CHUNK`], at least one.
fn chunk_blocks(block_size: u32) -> Result<u64, String> {
    CHUNK
        .checked_div(block_size)
        .map(|n| u64::from(n.max(1)))
        .ok_or_else(|| "the LU reports a block size of 0".to_owned())
}

/// `bytes` in blocks of `block_size`, or `None` when that is not a whole number (or the
/// block size is 0).
fn whole_blocks(bytes: u64, block_size: u32) -> Option<u64> {
    let bs = u64::from(block_size);
    (bytes.checked_rem(bs)? == 0).then(|| bytes / bs)
}

fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn report(done: u64, total: u64, started: Instant) {
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    cli::err(format_args!(
        "\r{:>6.1}% {} of {}  {:.1} MB/s   ",
        done as f64 * 100.0 / total.max(1) as f64,
        cli::format_size(done),
        cli::format_size(total),
        done as f64 / secs / 1e6
    ));
}

fn finish(bytes: u64, started: Instant, progress: bool) {
    if progress {
        cli::err(format_args!("\n"));
    }
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    cli::err(format_args!(
        "{TOOL}: copied {bytes} bytes in {secs:.2} s ({:.1} MB/s)\n",
        bytes as f64 / secs / 1e6
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_arithmetic_survives_any_block_size() {
        assert!(chunk_blocks(0).is_err());
        assert_eq!(chunk_blocks(512), Ok(2048));
        assert_eq!(chunk_blocks(520), Ok(2016));
        assert_eq!(chunk_blocks(u32::MAX), Ok(1));
        assert_eq!(whole_blocks(4096, 512), Some(8));
        assert_eq!(whole_blocks(4097, 512), None);
        assert_eq!(whole_blocks(4096, 0), None);
        assert_eq!(whole_blocks(0, 0), None);
    }
}
