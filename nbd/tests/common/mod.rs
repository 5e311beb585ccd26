//! Shared by the crate's integration tests: an in-memory [`BlockDevice`], a server on its own
//! runtime, and a raw-socket NBD client for what real clients will not send.

#![allow(dead_code, unreachable_pub)]

use std::{
    io::{Read, Write},
    os::unix::net::UnixStream,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use iscsi_nbd::{
    BlockDevice, DeviceFuture, Export, Extent, Geometry, Listener, NbdServer,
    wire::{STATE_HOLE, STATE_ZERO},
};

/// An in-memory device that remembers which blocks hold data and counts what it was asked.
pub struct MemDevice {
    pub geometry: Geometry,
    data: Mutex<Vec<u8>>,
    allocated: Mutex<Vec<bool>>,
    pub flushes: AtomicU64,
    pub fua_writes: AtomicU64,
    pub trims: AtomicU64,
    pub zeroes: AtomicU64,
    /// Milliseconds every read and write waits first.
    pub delay_ms: AtomicU64,
}

impl MemDevice {
    pub fn new(size: u64, block_size: u32) -> Arc<Self> {
        let blocks = (size / u64::from(block_size)) as usize;
        Arc::new(Self {
            geometry: Geometry {
                size,
                block_size,
                preferred_block_size: 4096.max(block_size),
                max_payload: 32 << 20,
                read_only: false,
                flush: true,
                fua: true,
                trim: true,
                write_zeroes: true,
                multi_conn: true,
            },
            data: Mutex::new(vec![0; size as usize]),
            allocated: Mutex::new(vec![false; blocks]),
            flushes: AtomicU64::new(0),
            fua_writes: AtomicU64::new(0),
            trims: AtomicU64::new(0),
            zeroes: AtomicU64::new(0),
            delay_ms: AtomicU64::new(0),
        })
    }

    pub fn contents(&self) -> Vec<u8> {
        self.data.lock().unwrap().clone()
    }

    fn block(&self) -> u64 {
        u64::from(self.geometry.block_size)
    }

    fn mark(&self, offset: u64, length: u64, on: bool) {
        let mut allocated = self.allocated.lock().unwrap();
        for b in offset / self.block()..(offset + length) / self.block() {
            allocated[b as usize] = on;
        }
    }

    async fn delay(&self) {
        let ms = self.delay_ms.load(Ordering::SeqCst);
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
}

impl BlockDevice for MemDevice {
    fn geometry(&self) -> Geometry {
        self.geometry
    }

    fn read(&self, offset: u64, length: u32) -> DeviceFuture<'_, Bytes> {
        Box::pin(async move {
            self.delay().await;
            let data = self.data.lock().unwrap();
            Ok(Bytes::copy_from_slice(
                &data[offset as usize..offset as usize + length as usize],
            ))
        })
    }

    fn write(&self, offset: u64, bytes: Bytes, fua: bool) -> DeviceFuture<'_, ()> {
        Box::pin(async move {
            self.delay().await;
            self.data.lock().unwrap()[offset as usize..offset as usize + bytes.len()]
                .copy_from_slice(&bytes);
            self.mark(offset, bytes.len() as u64, true);
            if fua {
                self.fua_writes.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
    }

    fn flush(&self) -> DeviceFuture<'_, ()> {
        Box::pin(async move {
            self.flushes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }

    fn trim(&self, offset: u64, length: u64, _fua: bool) -> DeviceFuture<'_, ()> {
        Box::pin(async move {
            self.trims.fetch_add(1, Ordering::SeqCst);
            self.data.lock().unwrap()[offset as usize..(offset + length) as usize].fill(0);
            self.mark(offset, length, false);
            Ok(())
        })
    }

    fn write_zeroes(
        &self,
        offset: u64,
        length: u64,
        no_hole: bool,
        _fua: bool,
    ) -> DeviceFuture<'_, ()> {
        Box::pin(async move {
            self.zeroes.fetch_add(1, Ordering::SeqCst);
            self.data.lock().unwrap()[offset as usize..(offset + length) as usize].fill(0);
            self.mark(offset, length, no_hole);
            Ok(())
        })
    }

    fn block_status(&self, offset: u64, length: u64) -> DeviceFuture<'_, Vec<Extent>> {
        Box::pin(async move {
            let allocated = self.allocated.lock().unwrap();
            let mut out: Vec<Extent> = Vec::new();
            for b in offset / self.block()..(offset + length) / self.block() {
                let flags = if allocated[b as usize] {
                    0
                } else {
                    STATE_HOLE | STATE_ZERO
                };
                match out.last_mut() {
                    Some(e) if e.flags == flags => e.length += self.block(),
                    _ => out.push(Extent {
                        length: self.block(),
                        flags,
                    }),
                }
            }
            Ok(out)
        })
    }
}

/// A server with one export of `device` on a Unix socket in a fresh directory.
pub struct Fixture {
    pub runtime: tokio::runtime::Runtime,
    pub server: NbdServer,
    pub listener: Option<Listener>,
    pub dir: PathBuf,
    pub socket: PathBuf,
    pub uri: String,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl Fixture {
    pub fn new(name: &str, device: Arc<MemDevice>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = std::env::temp_dir().join(format!(
            "iscsi-nbd-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("nbd.sock");
        let server = NbdServer::new();
        server
            .add_export(Export {
                name: name.into(),
                description: Some("test export".into()),
                device,
            })
            .unwrap();
        let listener = server.listen_unix(&socket, runtime.handle()).unwrap();
        let uri = listener.addr().uri(name);
        Self {
            runtime,
            server,
            listener: Some(listener),
            dir,
            socket,
            uri,
        }
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.listener.take();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a client tool; panics with its output when it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program}: {e} (install libnbd-bin and qemu-utils; scripts/test.sh does)")
        });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Deterministic pseudo-random bytes.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
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

/// A raw NBD client over a blocking Unix socket.
pub struct RawClient {
    pub stream: UnixStream,
}

pub const IHAVEOPT: u64 = 0x4948_4156_454f_5054;

/// One option reply: option, type, data.
pub type OptReply = (u32, u32, Vec<u8>);

impl RawClient {
    /// Connects and exchanges the greeting (fixed newstyle, no zeroes).
    pub fn connect(path: &Path) -> Self {
        let stream = UnixStream::connect(path).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut client = Self { stream };
        let greeting = client.read_n(18);
        assert_eq!(&greeting[..8], b"NBDMAGIC");
        assert_eq!(&greeting[8..16], b"IHAVEOPT");
        client.stream.write_all(&3u32.to_be_bytes()).unwrap();
        client
    }

    pub fn read_n(&mut self, n: usize) -> Vec<u8> {
        let mut buf = vec![0; n];
        self.stream.read_exact(&mut buf).unwrap();
        buf
    }

    pub fn send_option(&mut self, option: u32, data: &[u8]) {
        let mut out = Vec::new();
        out.extend_from_slice(&IHAVEOPT.to_be_bytes());
        out.extend_from_slice(&option.to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(data);
        self.stream.write_all(&out).unwrap();
    }

    pub fn read_option_reply(&mut self) -> OptReply {
        let head = self.read_n(20);
        assert_eq!(&head[..8], &0x0003_e889_0455_65a9u64.to_be_bytes());
        let option = u32::from_be_bytes(head[8..12].try_into().unwrap());
        let kind = u32::from_be_bytes(head[12..16].try_into().unwrap());
        let len = u32::from_be_bytes(head[16..20].try_into().unwrap());
        (option, kind, self.read_n(len as usize))
    }

    /// Replies up to and including the ACK or an error.
    pub fn replies_until_final(&mut self) -> Vec<OptReply> {
        let mut all = Vec::new();
        loop {
            let reply = self.read_option_reply();
            let last = reply.1 == 1 || reply.1 & 0x8000_0000 != 0;
            all.push(reply);
            if last {
                return all;
            }
        }
    }

    /// STRUCTURED_REPLY (if `structured`), SET_META_CONTEXT base:allocation, then GO.
    pub fn go(&mut self, name: &str, structured: bool) -> Vec<OptReply> {
        if structured {
            self.send_option(8, &[]);
            assert_eq!(self.replies_until_final().last().unwrap().1, 1);
            let mut meta = Vec::new();
            meta.extend_from_slice(&(name.len() as u32).to_be_bytes());
            meta.extend_from_slice(name.as_bytes());
            meta.extend_from_slice(&1u32.to_be_bytes());
            meta.extend_from_slice(&15u32.to_be_bytes());
            meta.extend_from_slice(b"base:allocation");
            self.send_option(10, &meta);
            let replies = self.replies_until_final();
            assert_eq!(replies.last().unwrap().1, 1, "{replies:?}");
        }
        let mut go = Vec::new();
        go.extend_from_slice(&(name.len() as u32).to_be_bytes());
        go.extend_from_slice(name.as_bytes());
        go.extend_from_slice(&1u16.to_be_bytes());
        go.extend_from_slice(&3u16.to_be_bytes());
        self.send_option(7, &go);
        let replies = self.replies_until_final();
        assert_eq!(replies.last().unwrap().1, 1, "{replies:?}");
        replies
    }

    pub fn request(&mut self, flags: u16, command: u16, cookie: u64, offset: u64, length: u32) {
        let mut out = Vec::new();
        out.extend_from_slice(&0x2560_9513u32.to_be_bytes());
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&command.to_be_bytes());
        out.extend_from_slice(&cookie.to_be_bytes());
        out.extend_from_slice(&offset.to_be_bytes());
        out.extend_from_slice(&length.to_be_bytes());
        self.stream.write_all(&out).unwrap();
    }

    pub fn write(&mut self, flags: u16, cookie: u64, offset: u64, data: &[u8]) {
        self.request(flags, 1, cookie, offset, data.len() as u32);
        self.stream.write_all(data).unwrap();
    }

    /// A simple reply: (error, cookie).
    pub fn simple_reply(&mut self) -> (u32, u64) {
        let head = self.read_n(16);
        assert_eq!(
            &head[..4],
            &0x6744_6698u32.to_be_bytes(),
            "not a simple reply"
        );
        (
            u32::from_be_bytes(head[4..8].try_into().unwrap()),
            u64::from_be_bytes(head[8..16].try_into().unwrap()),
        )
    }

    /// A structured chunk: (flags, type, cookie, payload).
    pub fn chunk(&mut self) -> (u16, u16, u64, Vec<u8>) {
        let head = self.read_n(20);
        assert_eq!(&head[..4], &0x668e_33efu32.to_be_bytes(), "not a chunk");
        let len = u32::from_be_bytes(head[16..20].try_into().unwrap());
        (
            u16::from_be_bytes(head[4..6].try_into().unwrap()),
            u16::from_be_bytes(head[6..8].try_into().unwrap()),
            u64::from_be_bytes(head[8..16].try_into().unwrap()),
            self.read_n(len as usize),
        )
    }

    /// Whether the server closed the connection (reads EOF within the timeout).
    pub fn closed_by_server(&mut self) -> bool {
        let mut byte = [0; 1];
        matches!(self.stream.read(&mut byte), Ok(0))
    }
}
