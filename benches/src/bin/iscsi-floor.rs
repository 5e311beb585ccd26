//! `iscsi-floor`: the protocol core alone, on one thread with blocking sockets.
//!
//! Reads at a fixed queue depth from one LU the way libiscsi's `iscsi-perf` does: one
//! thread, one socket, a loop that writes what the session wants sent and then blocks on
//! the socket until the answers arrive. It drives `iscsi-proto`'s sans-IO `Login` and
//! `Session` directly, with none of `iscsi-initiator`'s machinery (no tokio, no driver task,
//! no writer task, no per-command channel, reply or timer). What it costs per I/O is
//! therefore what our protocol code costs; the difference to `iscsi-bench` at the same load
//! is what the async driver adds (docs/performance.md, "QD1").
//!
//! It is a measuring instrument, not a tool: no CHAP, no digests, no recovery, reads
//! only, and any failure ends the run (a socket that blocks longer than
//! `--io-timeout`, 10 s by default, is one).
//!
//!     iscsi-floor [-m IN-FLIGHT] [-b BLOCKS] [-t SECONDS] URL
//!
//! Prints one JSON object (`ios`, `bytes`, `iops`, `mb_per_s`, `cpu_seconds`,
//! `cpu_us_per_io`), the same field names as `iscsi-bench --json`.

use std::{
    io::{IoSlice, Read, Write},
    net::TcpStream,
    process::ExitCode,
    time::{Duration, Instant},
};

use bytes::{Bytes, BytesMut};
use clap::Parser;
use iscsi_benches::procfs::cpu_seconds;
use iscsi_initiator::url::IscsiUrl;
use iscsi_proto::{
    framing::{Frame, Framer, Limits},
    login::{Login, LoginConfig, LoginProgress},
    negotiation::OperationalConfig,
    scsi::{self, IoFlags, ReadCapacity16, ScsiStatus, SenseData, SenseKey},
    session::{Event, ScsiRequest, Session},
    wire::{Isid, Lun},
};
use rand::{RngCore, SeedableRng, rngs::StdRng};
use serde::Serialize;

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 256 * 1024;
/// UNIT ATTENTION answers taken before READ CAPACITY must succeed.
const MAX_UNIT_ATTENTIONS: usize = 4;
/// Login round trips allowed.
const MAX_LOGIN_ROUNDS: usize = 16;

#[derive(Parser)]
#[command(
    name = "iscsi-floor",
    about = "Reads with the protocol core on blocking sockets"
)]
struct Args {
    /// Commands in flight.
    #[arg(short = 'm', default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=128))]
    max: u32,
    /// Logical blocks per read.
    #[arg(short = 'b', default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=2048))]
    blocks: u32,
    /// Seconds to run.
    #[arg(short = 't', default_value_t = 3)]
    seconds: u64,
    /// The longest a socket read or write may block, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    io_timeout: u64,
    /// Accepted for `iscsi-bench`'s command line; the report is always JSON.
    #[arg(long)]
    json: bool,
    /// iscsi://HOST[:PORT]/TARGET/LUN
    url: String,
}

#[derive(Serialize)]
struct Report {
    ios: u64,
    /// Bytes of data read (Data-In segments delivered).
    bytes: u64,
    seconds: f64,
    iops: f64,
    /// 10^6 bytes per second.
    mb_per_s: f64,
    cpu_seconds: f64,
    cpu_us_per_io: f64,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(report) => match serde_json::to_string(&report) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        Err(e) => fail(&e),
    }
}

fn fail(why: &str) -> ExitCode {
    eprintln!("iscsi-floor: {why}");
    ExitCode::FAILURE
}

fn run(a: &Args) -> Result<Report, String> {
    let url = IscsiUrl::parse(&a.url).map_err(|e| e.to_string())?;
    let target = url.target.clone().ok_or("the URL names no target")?;
    let lun = Lun::from_index(url.lun.unwrap_or(0)).ok_or("LUN out of range")?;
    let portal = url.portal();
    let mut sock = TcpStream::connect(format!("{}:{}", portal.host, portal.port))
        .map_err(|e| format!("connect: {e}"))?;
    sock.set_nodelay(true).map_err(|e| e.to_string())?;
    // A target that stops answering ends the run instead of hanging it (set once: no cost
    // per read).
    let io_timeout = Some(Duration::from_secs(a.io_timeout));
    sock.set_read_timeout(io_timeout)
        .and_then(|()| sock.set_write_timeout(io_timeout))
        .map_err(|e| e.to_string())?;
    let mut scratch = vec![0u8; READ_CHUNK];
    let (session, rx) = login(&mut sock, &mut scratch, &target)?;
    let mut c = Conn {
        session,
        sock,
        scratch,
        rx,
        tx: BytesMut::with_capacity(64 * 1024),
        in_flight: 0,
        ios: 0,
        bytes: 0,
    };
    // The LU's size and block length bound the addresses read.
    let cdb = Bytes::copy_from_slice(scsi::read_capacity16().cdb.as_bytes());
    let mut data = None;
    // A target reports UNIT ATTENTION (power on, say) to a new nexus's first commands.
    for _ in 0..MAX_UNIT_ATTENTIONS {
        c.submit(ScsiRequest::read(lun, cdb.clone(), 32))?;
        data = c.complete_one()?;
        if data.is_some() {
            break;
        }
    }
    let data = data.ok_or("READ CAPACITY (16) kept reporting UNIT ATTENTION")?;
    let capacity = ReadCapacity16::decode(&data).map_err(|e| e.to_string())?;
    let (block_size, blocks) = (capacity.block_length, u64::from(a.blocks));
    let span = capacity.returned_lba.saturating_add(1);
    if blocks > span {
        return Err(format!("{blocks} blocks per read, the LU has {span}"));
    }
    let read_length = a
        .blocks
        .checked_mul(block_size)
        .ok_or("read length out of range")?;
    (c.ios, c.bytes) = (0, 0);
    let mut lba = 0u64;
    let cpu_start = cpu_seconds();
    let started = Instant::now();
    let end = started + Duration::from_secs(a.seconds);
    loop {
        let stopping = Instant::now() >= end;
        while !stopping && c.in_flight < a.max && c.session.can_submit() {
            let cdb = scsi::read16(lba, a.blocks, block_size, IoFlags::default())
                .map_err(|e| format!("READ(16): {e:?}"))?;
            lba = (lba + blocks) % (span - blocks + 1);
            let cdb = Bytes::copy_from_slice(cdb.cdb.as_bytes());
            c.submit(ScsiRequest::read(lun, cdb, read_length))?;
        }
        if c.in_flight == 0 {
            if stopping {
                break;
            }
            return Err("the target's CmdSN window admits no command".into());
        }
        c.complete_one()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    Ok(Report {
        ios: c.ios,
        bytes: c.bytes,
        seconds,
        iops: c.ios as f64 / seconds,
        mb_per_s: c.bytes as f64 / seconds / 1e6,
        cpu_seconds: cpu,
        cpu_us_per_io: cpu / c.ios.max(1) as f64 * 1e6,
    })
}

/// The session with its socket and buffers.
struct Conn {
    session: Session,
    sock: TcpStream,
    scratch: Vec<u8>,
    rx: BytesMut,
    tx: BytesMut,
    in_flight: u32,
    ios: u64,
    bytes: u64,
}

impl Conn {
    fn submit(&mut self, request: ScsiRequest) -> Result<(), String> {
        self.session
            .submit(Instant::now(), request)
            .map_err(|e| format!("submit: {e:?}"))?;
        self.in_flight += 1;
        Ok(())
    }

    /// Writes what the session wants sent.
    fn flush(&mut self) -> Result<(), String> {
        send(
            &mut self.session,
            &mut self.sock,
            &mut self.tx,
            Instant::now(),
        )
    }

    /// Sends what is queued, then blocks until one command completes; returns the data
    /// read since the last completion (all of it, for a single command in flight), or
    /// `None` when it ended in UNIT ATTENTION (not counted; the caller issues another).
    /// Any other status than GOOD is an error.
    fn complete_one(&mut self) -> Result<Option<BytesMut>, String> {
        self.flush()?;
        let before = self.in_flight;
        let mut data = BytesMut::new();
        let mut attention = false;
        while self.in_flight == before {
            let n = read_some(&mut self.sock, &mut self.scratch, &mut self.rx)?;
            if n == 0 {
                return Err("the target closed the connection".into());
            }
            self.session.handle_read(Instant::now(), &mut self.rx);
            while let Some(event) = self.session.poll_event() {
                match event {
                    Event::DataIn { data: d, .. } => {
                        self.bytes += d.len() as u64;
                        if self.in_flight == 1 {
                            data.extend_from_slice(&d);
                        }
                    }
                    Event::ScsiComplete { outcome, .. } if outcome.status == ScsiStatus::Good => {
                        self.in_flight -= 1;
                        self.ios += 1;
                    }
                    Event::ScsiComplete { outcome, .. }
                        if outcome
                            .sense
                            .as_deref()
                            .and_then(|s| SenseData::decode(s).ok())
                            .is_some_and(|s| s.sense_key == SenseKey::UnitAttention) =>
                    {
                        self.in_flight -= 1;
                        attention = true;
                    }
                    other => return Err(format!("unexpected: {other:?}")),
                }
            }
            // Answers to the target's pings, say.
            self.flush()?;
        }
        Ok((!attention).then_some(data))
    }
}

/// Encodes what the session wants sent and writes it with `writev`.
fn send(
    session: &mut Session,
    sock: &mut TcpStream,
    tx: &mut BytesMut,
    now: Instant,
) -> Result<(), String> {
    let mut parts: Vec<Bytes> = Vec::new();
    session.transmit_into(now, tx, &mut parts);
    let mut first = 0;
    while first < parts.len() {
        let slices: Vec<IoSlice<'_>> = parts[first..].iter().map(|b| IoSlice::new(b)).collect();
        let mut n = sock
            .write_vectored(&slices)
            .map_err(|e| format!("write: {e}"))?;
        if n == 0 {
            return Err("the socket took no bytes".into());
        }
        while first < parts.len() && n >= parts[first].len() {
            n -= parts[first].len();
            first += 1;
        }
        if n > 0 {
            bytes::Buf::advance(&mut parts[first], n);
        }
    }
    let _ = tx.try_reclaim(64 * 1024);
    Ok(())
}

/// One blocking read, appended to `buf`. It goes through a scratch buffer zeroed once
/// (safe Rust cannot read into uninitialised capacity): one extra copy of what was read,
/// about 0.1 us for a 4 KiB read, where zeroing the spare capacity before every read would
/// cost far more.
fn read_some(
    sock: &mut TcpStream,
    scratch: &mut [u8],
    buf: &mut BytesMut,
) -> Result<usize, String> {
    let n = sock.read(scratch).map_err(|e| format!("read: {e}"))?;
    buf.extend_from_slice(&scratch[..n]);
    Ok(n)
}

/// Logs in with the protocol core's defaults; returns the session and any bytes read
/// past the final Login Response.
fn login(
    sock: &mut TcpStream,
    scratch: &mut [u8],
    target: &str,
) -> Result<(Session, BytesMut), String> {
    let mut rng = StdRng::from_os_rng();
    let op = OperationalConfig::normal("iqn.2026-12.invalid.iscsi-ima:floor", target);
    let mut login = Login::new(LoginConfig::new(op, Isid::random(rng.next_u32(), 1)))
        .map_err(|e| e.to_string())?;
    let mut framer = Framer::new(Limits {
        max_recv_data_segment_length: 1 << 24,
        max_send_data_segment_length: 8192,
    });
    let (mut wire, mut back) = (BytesMut::new(), BytesMut::with_capacity(READ_CHUNK));
    for _ in 0..MAX_LOGIN_ROUNDS {
        while let Some(pdu) = login.poll_transmit() {
            framer.encode(&pdu, &mut wire).map_err(|e| e.to_string())?;
        }
        sock.write_all(&wire).map_err(|e| format!("write: {e}"))?;
        wire.clear();
        loop {
            match framer.decode(&mut back).map_err(|e| e.to_string())? {
                Some(Frame::Pdu(pdu)) => {
                    match login
                        .handle_response(pdu, &mut rng)
                        .map_err(|e| e.to_string())?
                    {
                        LoginProgress::Complete(outcome) => {
                            let session = Session::new(
                                outcome.session_config(),
                                outcome.start,
                                Instant::now(),
                            );
                            return Ok((session, back));
                        }
                        LoginProgress::Continue => break,
                    }
                }
                Some(_) => return Err("unexpected frame during login".into()),
                None => {
                    if read_some(sock, scratch, &mut back)? == 0 {
                        return Err("the target closed the connection during login".into());
                    }
                }
            }
        }
    }
    Err("the login did not finish".into())
}
