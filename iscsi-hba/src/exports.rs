//! `IMA_ExposeLu`: an LU served to the operating system as an NBD export (the `iscsi-nbd`
//! server), one Unix socket per exposed LU, optionally a loopback TCP port too.
//!
//! Each NBD command becomes SCSI on the LU's session (docs/nbd.md has the table):
//! READ → READ(16); WRITE → WRITE(16), with the FUA bit when the LU's DPOFUA says it honours
//! it, else followed by SYNCHRONIZE CACHE(16); FLUSH → SYNCHRONIZE CACHE(16) of the whole LU;
//! TRIM → UNMAP when the Logical Block Provisioning VPD page (0xB2) sets LBPU, else not
//! offered; WRITE_ZEROES → WRITE SAME(16) of a zero block (UNMAP bit without NO_HOLE when
//! LBPWS and LBPRZ), or zero-filled WRITE(16) when WRITE SAME is refused; BLOCK_STATUS →
//! GET LBA STATUS(16) when READ CAPACITY(16) sets LBPME, else "all allocated".
//!
//! A request returns to the NBD client only when the target answered every command it
//! became. While the session is lost, requests wait for a new one (bounded by the
//! operation timeout) and are re-issued whole.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    os::unix::fs::{DirBuilderExt, MetadataExt},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, SystemTime},
};

use bytes::{Bytes, BytesMut};
use iscsi_initiator::{Error as InitiatorError, ScsiResult, Session};
use iscsi_nbd::{
    BlockDevice, DeviceError, DeviceFuture, Errno, Export, Extent, Geometry, Listener, MAX_PAYLOAD,
    NbdServer, ServerError,
    wire::{STATE_HOLE, STATE_ZERO},
};
use iscsi_proto::{
    scsi::{
        self, BlockLimits, Command, DataDirection, IoFlags, ModeParameters, PageControl,
        ReadCapacity16, SenseKey, UnmapDescriptor, VpdPage, WriteSameFlags,
    },
    wire::{Lun, Residual},
};

use crate::{Engine, HbaError, ObjectId, engine::lock};

/// The largest data transfer of one SCSI command the export issues.
const MAX_COMMAND_BYTES: u32 = 1 << 20;
/// The pause before re-issuing a request whose session was lost.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);
/// The Logical Block Provisioning VPD page (SBC-4 §6.6.6).
const VPD_LOGICAL_BLOCK_PROVISIONING: u8 = 0xb2;
/// GET LBA STATUS(16): SERVICE ACTION IN(16) opcode and service action.
const SERVICE_ACTION_IN_16: u8 = 0x9e;
const GET_LBA_STATUS: u8 = 0x12;
/// GET LBA STATUS allocation length: header and up to 255 descriptors.
const LBA_STATUS_ALLOC: u32 = 8 + 16 * 255;

/// How to expose an LU.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct ExposeOptions {
    /// The Unix socket's path; default `<runtime dir>/iscsi-ima-nbd/<name>.<pid>.sock` in a
    /// directory only the owner can enter.
    pub socket: Option<PathBuf>,
    /// Also listen on this loopback TCP address (port 0 picks one).
    pub tcp: Option<SocketAddr>,
}

/// An exposed LU.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ExportInfo {
    /// The NBD export name.
    pub name: String,
    /// `nbd+unix:///NAME?socket=PATH`.
    pub uri: String,
    /// The Unix socket.
    pub socket: PathBuf,
    /// `nbd://127.0.0.1:PORT/NAME` when TCP was asked for.
    pub tcp_uri: Option<String>,
    /// When it was exposed.
    pub since: SystemTime,
    /// Clients connected now.
    pub clients: usize,
}

/// An exposed LU in the table.
struct Exposed {
    server: NbdServer,
    info: ExportInfo,
    /// Dropped on unexpose: stops accepting and removes the socket file.
    _listeners: Vec<Listener>,
}

/// The exposed LUs, by LU seq.
#[derive(Default)]
pub(crate) struct ExportTable {
    by_lu: BTreeMap<u64, Exposed>,
}

impl Engine {
    /// Exposes an LU as an NBD export: probes it (READ CAPACITY(16), MODE SENSE, VPD 0xB0
    /// and 0xB2) and listens on its socket. Exposing an exposed LU returns its export.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown LU; [`HbaError::NotSupported`] for an LU
    /// without a capacity or with a block size NBD cannot describe; [`HbaError::Io`] when
    /// the socket cannot be made; the errors of talking to the target.
    pub async fn expose_lu(
        &self,
        lu: ObjectId,
        options: ExposeOptions,
    ) -> Result<ExportInfo, HbaError> {
        if let Some(info) = self.exposed(lu) {
            return Ok(info);
        }
        let (target, info) = self.lu(lu).ok_or(HbaError::NotFound(lu))?;
        let (Some(block_size), Some(blocks)) = (info.block_size, info.blocks) else {
            return Err(HbaError::NotSupported(format!("{lu} has no capacity")));
        };
        let lun = Lun(info.lun_bytes);
        let engine = self.clone();
        let device = self
            .with_deadline(async move {
                let session = engine.session(target).await?;
                LuDevice::probe(engine.clone(), target, lun, &session, block_size, blocks).await
            })
            .await?;
        let name = format!("lu{}", lu.seq);
        let socket = match options.socket {
            Some(path) => path,
            // The process id keeps engines of one user (embedded imadm processes, a
            // daemon) from meeting on the same path.
            None => default_socket_dir()?.join(format!("{name}.{}.sock", std::process::id())),
        };
        let server = NbdServer::new();
        server
            .add_export(Export {
                name: name.clone(),
                description: Some(format!(
                    "{} LUN {} ({} {})",
                    self.target(target).map(|t| t.name).unwrap_or_default(),
                    info.lun,
                    info.vendor,
                    info.product
                )),
                device: Arc::new(device),
            })
            .map_err(|e| HbaError::NotSupported(format!("exposing {lu}: {e}")))?;
        let runtime = tokio::runtime::Handle::current();
        let unix = server
            .listen_unix(&socket, &runtime)
            .map_err(|e| listen_error(&socket, e))?;
        let uri = unix.addr().uri(&name);
        let mut listeners = vec![unix];
        let mut tcp_uri = None;
        if let Some(addr) = options.tcp {
            let tcp = server.listen_tcp(addr, &runtime).map_err(|e| match e {
                ServerError::NotLoopback(a) => {
                    HbaError::InvalidArgument(format!("{a} is not a loopback address"))
                }
                other => listen_error(&socket, other),
            })?;
            tcp_uri = Some(tcp.addr().uri(&name));
            listeners.push(tcp);
        }
        let info = ExportInfo {
            name,
            uri,
            socket,
            tcp_uri,
            since: SystemTime::now(),
            clients: 0,
        };
        tracing::info!(%lu, uri = %info.uri, "LU exposed");
        lock(&self.inner.exports).by_lu.insert(
            lu.seq,
            Exposed {
                server,
                info: info.clone(),
                _listeners: listeners,
            },
        );
        Ok(info)
    }

    /// Stops exposing an LU. With clients connected it is refused unless `force`, which
    /// ends their connections after answering the requests in flight.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] when the LU is not exposed; [`HbaError::InUse`].
    pub fn unexpose_lu(&self, lu: ObjectId, force: bool) -> Result<(), HbaError> {
        let mut table = lock(&self.inner.exports);
        let exposed = table.by_lu.get(&lu.seq).ok_or(HbaError::NotFound(lu))?;
        match exposed.server.remove_export(&exposed.info.name, force) {
            Ok(()) | Err(ServerError::NoSuchExport(_)) => {}
            Err(ServerError::InUse { clients, .. }) => return Err(HbaError::InUse(lu, clients)),
            Err(e) => return Err(HbaError::NotSupported(e.to_string())),
        }
        table.by_lu.remove(&lu.seq);
        tracing::info!(%lu, force, "LU unexposed");
        Ok(())
    }

    /// The export of an exposed LU, with its current client count.
    pub fn exposed(&self, lu: ObjectId) -> Option<ExportInfo> {
        let table = lock(&self.inner.exports);
        table.by_lu.get(&lu.seq).map(with_clients)
    }

    /// Every exposed LU.
    pub fn exposed_lus(&self) -> Vec<(ObjectId, ExportInfo)> {
        let table = lock(&self.inner.exports);
        table
            .by_lu
            .iter()
            .map(|(seq, e)| (ObjectId::new(crate::ObjectKind::Lu, *seq), with_clients(e)))
            .collect()
    }

    /// Ends every export (at shutdown).
    pub(crate) fn unexpose_all(&self) {
        let mut table = lock(&self.inner.exports);
        for exposed in table.by_lu.values() {
            let _ = exposed.server.remove_export(&exposed.info.name, true);
        }
        table.by_lu.clear();
    }
}

fn with_clients(e: &Exposed) -> ExportInfo {
    let mut info = e.info.clone();
    info.clients = e.server.clients(&info.name).unwrap_or(0);
    info
}

fn listen_error(socket: &std::path::Path, e: ServerError) -> HbaError {
    let source = match e {
        ServerError::Listen { source, .. } => source,
        other => std::io::Error::other(other.to_string()),
    };
    HbaError::Io {
        path: socket.to_owned(),
        source,
    }
}

/// `$XDG_RUNTIME_DIR/iscsi-ima-nbd`, or `<temp>/iscsi-ima-nbd-<uid>`: created 0700, and
/// refused when another user owns it.
fn default_socket_dir() -> Result<PathBuf, HbaError> {
    let io = |path: &PathBuf| {
        let path = path.clone();
        move |source| HbaError::Io { path, source }
    };
    let uid = std::fs::metadata("/proc/self")
        .map_err(io(&PathBuf::from("/proc/self")))?
        .uid();
    let dir = match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(runtime) if !runtime.is_empty() => PathBuf::from(runtime).join("iscsi-ima-nbd"),
        _ => std::env::temp_dir().join(format!("iscsi-ima-nbd-{uid}")),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(&dir)(e)),
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(io(&dir))?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(HbaError::Io {
            path: dir,
            source: std::io::Error::other("not a private directory of this user"),
        });
    }
    Ok(dir)
}

/// What the LU said it can do, found at expose time.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
struct Provisioning {
    /// MODE SENSE DPOFUA: WRITE(16) honours FUA.
    dpofua: bool,
    /// MODE SENSE WP.
    write_protected: bool,
    /// READ CAPACITY(16) LBPME: GET LBA STATUS applies.
    lbpme: bool,
    /// LBPRZ: unmapped blocks read as zeroes.
    lbprz: bool,
    /// VPD 0xB2 LBPU: UNMAP is supported.
    lbpu: bool,
    /// VPD 0xB2 LBPWS: WRITE SAME(16) with UNMAP is supported.
    lbpws: bool,
}

/// An LU as a [`BlockDevice`].
pub(crate) struct LuDevice {
    engine: Engine,
    target: ObjectId,
    lun: Lun,
    block_size: u32,
    geometry: Geometry,
    provisioning: Provisioning,
    /// Blocks per READ/WRITE command.
    io_blocks: u32,
    /// Blocks per UNMAP descriptor and descriptors per UNMAP.
    unmap_blocks: u32,
    /// Blocks per WRITE SAME.
    write_same_blocks: u32,
    /// Cleared when the LU refuses WRITE SAME: zeroes are written instead.
    write_same: AtomicBool,
}

impl LuDevice {
    /// Asks the LU what it is and can do.
    async fn probe(
        engine: Engine,
        target: ObjectId,
        lun: Lun,
        session: &Session,
        block_size: u32,
        blocks: u64,
    ) -> Result<Self, HbaError> {
        let mut p = Provisioning::default();
        let mut physical = block_size;
        if let Ok(r) = session
            .run(lun, &scsi::read_capacity16(), Bytes::new())
            .await
        {
            if let Ok(rc) = ReadCapacity16::decode(&r.data) {
                p.lbpme = rc.lbpme;
                p.lbprz = rc.lbprz;
                physical = rc.physical_block_length().unwrap_or(block_size);
            }
        }
        if let Ok(cmd) = scsi::mode_sense6(PageControl::Current, 0x3f, 0, true, 255) {
            if let Ok(r) = session.run(lun, &cmd, Bytes::new()).await {
                if let Ok(mode) = ModeParameters::decode6(&r.data) {
                    p.dpofua = mode.dpofua();
                    p.write_protected = mode.write_protected();
                }
            }
        }
        let limits = match session.inquiry_vpd(lun, VpdPage::BlockLimits).await {
            Ok(data) => BlockLimits::decode(&data).ok(),
            Err(_) => None,
        };
        if let Ok(data) = session
            .inquiry_vpd(lun, VpdPage::from(VPD_LOGICAL_BLOCK_PROVISIONING))
            .await
        {
            // Byte 5: LBPU (bit 7), LBPWS (bit 6); a short page means neither.
            if let Some(&bits) = data.get(5) {
                p.lbpu = bits & 0x80 != 0;
                p.lbpws = bits & 0x40 != 0;
            }
        }
        let limits = limits.unwrap_or_default();
        Self::new(
            engine, target, lun, block_size, blocks, physical, p, &limits,
        )
    }

    /// Builds the device from what the probe found.
    fn new(
        engine: Engine,
        target: ObjectId,
        lun: Lun,
        block_size: u32,
        blocks: u64,
        physical: u32,
        provisioning: Provisioning,
        limits: &BlockLimits,
    ) -> Result<Self, HbaError> {
        if !block_size.is_power_of_two() || block_size > 64 << 10 {
            return Err(HbaError::NotSupported(format!(
                "a logical block size of {block_size} bytes cannot be exported over NBD"
            )));
        }
        let bs = u64::from(block_size);
        let optimal = u64::from(limits.optimal_transfer_length_granularity) * bs;
        let preferred = optimal
            .max(u64::from(physical))
            .max(4096)
            .max(bs)
            .min(u64::from(MAX_PAYLOAD))
            .next_power_of_two();
        // Requests are split into commands of at most `io_blocks`, so the NBD maximum need
        // not follow MAXIMUM TRANSFER LENGTH.
        let max_payload = u64::from(MAX_PAYLOAD).max(preferred);
        // Both are at most MAX_PAYLOAD (u32) by the min above.
        let (preferred, max_payload) = (
            u32::try_from(preferred).unwrap_or(MAX_PAYLOAD),
            u32::try_from(max_payload).unwrap_or(MAX_PAYLOAD),
        );
        let mut io_bytes = MAX_COMMAND_BYTES;
        if limits.max_transfer_length > 0 {
            io_bytes = io_bytes.min(limits.max_transfer_length.saturating_mul(block_size));
        }
        let io_blocks = (io_bytes / block_size).max(1);
        let unmap_blocks = match limits.max_unmap_lba_count {
            0 | u32::MAX => 1 << 22,
            n => n,
        };
        let write_same_blocks = match limits.max_write_same_length {
            0 => (MAX_PAYLOAD / block_size).max(1),
            n => u32::try_from(n).unwrap_or(u32::MAX),
        };
        let geometry = Geometry {
            size: blocks.saturating_mul(bs),
            block_size,
            preferred_block_size: preferred,
            max_payload,
            read_only: provisioning.write_protected,
            flush: true,
            fua: true,
            trim: provisioning.lbpu,
            write_zeroes: true,
            // Nothing is cached here: SYNCHRONIZE CACHE covers every connection's writes.
            multi_conn: true,
        };
        geometry
            .validate()
            .map_err(|e| HbaError::NotSupported(format!("exporting the LU: {e}")))?;
        Ok(Self {
            engine,
            target,
            lun,
            block_size,
            geometry,
            provisioning,
            io_blocks,
            unmap_blocks,
            write_same_blocks,
            write_same: AtomicBool::new(true),
        })
    }

    /// Runs `command` with `data`, on the LU's session; a lost session is replaced (logins
    /// retried while the target is down) and the command re-issued, within the operation
    /// timeout.
    async fn run(&self, command: &Command, data: Bytes) -> Result<ScsiResult, HbaError> {
        let engine = &self.engine;
        engine
            .with_deadline(async {
                loop {
                    let session = match engine.session(self.target).await {
                        Ok(session) => session,
                        // The target is down or refusing logins for now (a restart): keep
                        // trying until the deadline.
                        Err(e @ HbaError::Initiator(_)) => {
                            tracing::debug!(error = %e, "no session under an export; waiting");
                            tokio::time::sleep(RECONNECT_PAUSE).await;
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    match session.run(self.lun, command, data.clone()).await {
                        Err(e) if session_lost(&e) => {
                            tracing::debug!(error = %e, "session lost under an export; waiting");
                            engine.forget_session_on(self.target.seq, &e);
                            tokio::time::sleep(RECONNECT_PAUSE).await;
                        }
                        other => return other.map_err(HbaError::from),
                    }
                }
            })
            .await
    }

    fn lba(&self, offset: u64) -> u64 {
        offset / u64::from(self.block_size)
    }

    async fn sync_cache(&self) -> Result<(), DeviceError> {
        let cmd = scsi::synchronize_cache16(0, 0, false).map_err(invalid)?;
        self.run(&cmd, Bytes::new())
            .await
            .map(drop)
            .map_err(|e| to_device(e, true))
    }

    async fn write_range(&self, offset: u64, data: Bytes, fua: bool) -> Result<(), DeviceError> {
        let bs = self.block_size as usize;
        let per = self.io_blocks as usize * bs;
        let flags = IoFlags {
            dpo: false,
            fua: fua && self.provisioning.dpofua,
        };
        let mut at = 0;
        while at < data.len() {
            let chunk = data.slice(at..(at + per).min(data.len()));
            let blocks = u32::try_from(chunk.len() / bs).map_err(invalid)?;
            let lba = self.lba(offset) + (at / bs) as u64;
            let cmd = scsi::write16(lba, blocks, self.block_size, flags).map_err(invalid)?;
            let r = self
                .run(&cmd, chunk)
                .await
                .map_err(|e| to_device(e, true))?;
            if r.outcome.residual != Residual::Exact {
                return Err(DeviceError::io(format!(
                    "WRITE answered GOOD with residual {:?}",
                    r.outcome.residual
                )));
            }
            at += per;
        }
        if fua && !self.provisioning.dpofua {
            self.sync_cache().await?;
        }
        Ok(())
    }

    async fn zero_range(&self, offset: u64, length: u64, no_hole: bool) -> Result<(), DeviceError> {
        let bs = u64::from(self.block_size);
        let mut lba = self.lba(offset);
        let end = lba + length / bs;
        let unmap = !no_hole && self.provisioning.lbpws && self.provisioning.lbprz;
        while lba < end && self.write_same.load(Ordering::Relaxed) {
            let n = u32::try_from((end - lba).min(u64::from(self.write_same_blocks)))
                .unwrap_or(u32::MAX);
            let flags = WriteSameFlags {
                unmap,
                anchor: false,
                ndob: false,
            };
            let cmd = scsi::write_same16(lba, n, self.block_size, flags).map_err(invalid)?;
            let zero = Bytes::from(vec![0; self.block_size as usize]);
            match self.run(&cmd, zero).await {
                Ok(_) => lba += u64::from(n),
                Err(e) if refused(&e) => {
                    tracing::debug!(error = %e, "WRITE SAME refused; writing zeroes instead");
                    self.write_same.store(false, Ordering::Relaxed);
                }
                Err(e) => return Err(to_device(e, true)),
            }
        }
        let per = u64::from(self.io_blocks) * bs;
        while lba < end {
            let n = ((end - lba) * bs).min(per);
            // n <= per, a u32 byte count.
            let zeroes = BytesMut::zeroed(n as usize).freeze();
            self.write_range(lba * bs, zeroes, false).await?;
            lba += n / bs;
        }
        Ok(())
    }

    async fn lba_status(&self, offset: u64, length: u64) -> Result<Vec<Extent>, DeviceError> {
        if !self.provisioning.lbpme {
            return Ok(vec![Extent { length, flags: 0 }]);
        }
        let lba = self.lba(offset);
        let mut cdb = [0u8; 16];
        cdb[0] = SERVICE_ACTION_IN_16;
        cdb[1] = GET_LBA_STATUS;
        cdb[2..10].copy_from_slice(&lba.to_be_bytes());
        cdb[10..14].copy_from_slice(&LBA_STATUS_ALLOC.to_be_bytes());
        let cmd = Command::raw(&cdb, DataDirection::Read(LBA_STATUS_ALLOC)).map_err(invalid)?;
        let r = self
            .run(&cmd, Bytes::new())
            .await
            .map_err(|e| to_device(e, false))?;
        let hole = STATE_HOLE
            | if self.provisioning.lbprz {
                STATE_ZERO
            } else {
                0
            };
        let extents = parse_lba_status(&r.data, lba, u64::from(self.block_size), hole);
        if extents.is_empty() {
            return Ok(vec![Extent { length, flags: 0 }]);
        }
        Ok(extents)
    }
}

/// Extents from GET LBA STATUS parameter data (SBC-4 §5.8.2): from `lba` on, in bytes;
/// descriptors that do not continue the previous one end the list.
fn parse_lba_status(data: &[u8], lba: u64, block: u64, hole: u32) -> Vec<Extent> {
    let mut out = Vec::new();
    let mut next = lba;
    for d in data.get(8..).unwrap_or_default().chunks_exact(16) {
        let mut start = [0; 8];
        start.copy_from_slice(&d[..8]);
        let start = u64::from_be_bytes(start);
        let count = u64::from(u32::from_be_bytes([d[8], d[9], d[10], d[11]]));
        if start > next || start.saturating_add(count) <= next {
            break;
        }
        let blocks = start + count - next;
        let flags = if d[12] & 0x0f == 0 { 0 } else { hole };
        out.push(Extent {
            length: blocks.saturating_mul(block),
            flags,
        });
        next += blocks;
    }
    out
}

/// Whether the session is gone (not a SCSI answer): worth a new session.
fn session_lost(e: &InitiatorError) -> bool {
    matches!(
        e,
        InitiatorError::SessionClosed
            | InitiatorError::ConnectionLost(_)
            | InitiatorError::Reconnect { .. }
    )
}

/// Whether the LU refused the command itself (ILLEGAL REQUEST: invalid opcode or field).
fn refused(e: &HbaError) -> bool {
    matches!(
        e,
        HbaError::Initiator(InitiatorError::Scsi(s))
            if s.sense.as_ref().is_some_and(|d| d.sense_key == SenseKey::IllegalRequest
                && matches!(d.asc, 0x20 | 0x24))
    )
}

/// The NBD error for a failed command (docs/nbd.md, "Errors").
fn to_device(e: HbaError, write: bool) -> DeviceError {
    let errno = match &e {
        HbaError::Initiator(InitiatorError::Scsi(s)) => match &s.sense {
            Some(d) => match (d.sense_key, d.asc, d.ascq) {
                (SenseKey::IllegalRequest, 0x21, _) if write => Errno::Enospc,
                (SenseKey::IllegalRequest, 0x21 | 0x24 | 0x20, _) => Errno::Einval,
                (SenseKey::DataProtect, 0x27, 0x07) => Errno::Enospc,
                (SenseKey::DataProtect, 0x27, _) => Errno::Eperm,
                _ => Errno::Eio,
            },
            None => Errno::Eio,
        },
        HbaError::ShutDown => Errno::Eshutdown,
        _ => Errno::Eio,
    };
    DeviceError::with_source(errno, e.to_string(), e)
}

fn invalid(e: impl std::fmt::Display) -> DeviceError {
    DeviceError::new(Errno::Einval, e.to_string())
}

impl BlockDevice for LuDevice {
    fn geometry(&self) -> Geometry {
        self.geometry
    }

    fn read(&self, offset: u64, length: u32) -> DeviceFuture<'_, Bytes> {
        Box::pin(async move {
            let bs = self.block_size;
            let total = length / bs;
            let mut out = BytesMut::new();
            let mut done = 0;
            while done < total {
                let n = (total - done).min(self.io_blocks);
                let lba = self.lba(offset) + u64::from(done);
                let cmd = scsi::read16(lba, n, bs, IoFlags::NONE).map_err(invalid)?;
                let r = self
                    .run(&cmd, Bytes::new())
                    .await
                    .map_err(|e| to_device(e, false))?;
                if r.data.len() != (n * bs) as usize || r.outcome.residual != Residual::Exact {
                    return Err(DeviceError::io(format!(
                        "READ returned {} of {} bytes",
                        r.data.len(),
                        n * bs
                    )));
                }
                if n == total {
                    return Ok(r.data);
                }
                if out.capacity() == 0 {
                    out.reserve(length as usize);
                }
                out.extend_from_slice(&r.data);
                done += n;
            }
            Ok(out.freeze())
        })
    }

    fn write(&self, offset: u64, data: Bytes, fua: bool) -> DeviceFuture<'_, ()> {
        Box::pin(self.write_range(offset, data, fua))
    }

    fn flush(&self) -> DeviceFuture<'_, ()> {
        Box::pin(self.sync_cache())
    }

    fn trim(&self, offset: u64, length: u64, fua: bool) -> DeviceFuture<'_, ()> {
        Box::pin(async move {
            if !self.provisioning.lbpu {
                return Ok(());
            }
            let mut lba = self.lba(offset);
            let end = lba + length / u64::from(self.block_size);
            while lba < end {
                let n = u32::try_from((end - lba).min(u64::from(self.unmap_blocks)))
                    .unwrap_or(u32::MAX);
                let (cmd, list) =
                    scsi::unmap(&[UnmapDescriptor { lba, blocks: n }]).map_err(invalid)?;
                self.run(&cmd, list).await.map_err(|e| to_device(e, true))?;
                lba += u64::from(n);
            }
            if fua {
                self.sync_cache().await?;
            }
            Ok(())
        })
    }

    fn write_zeroes(
        &self,
        offset: u64,
        length: u64,
        no_hole: bool,
        fua: bool,
    ) -> DeviceFuture<'_, ()> {
        Box::pin(async move {
            self.zero_range(offset, length, no_hole).await?;
            if fua {
                self.sync_cache().await?;
            }
            Ok(())
        })
    }

    fn block_status(&self, offset: u64, length: u64) -> DeviceFuture<'_, Vec<Extent>> {
        Box::pin(self.lba_status(offset, length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lba_status_descriptors_become_extents() {
        let mut data = vec![0u8; 8];
        for (lba, count, status) in [(10u64, 6u32, 0u8), (16, 4, 1), (30, 1, 0)] {
            data.extend_from_slice(&lba.to_be_bytes());
            data.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(&[status, 0, 0, 0]);
        }
        let extents = parse_lba_status(&data, 12, 512, 3);
        assert_eq!(
            extents,
            vec![
                Extent {
                    length: 4 * 512,
                    flags: 0
                },
                Extent {
                    length: 4 * 512,
                    flags: 3
                }
            ]
        );
        assert!(parse_lba_status(&[1, 2], 0, 512, 3).is_empty());
    }
}
