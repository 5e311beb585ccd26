//! The connection driver: one tokio task per session that owns the proto [`Session`] and is
//! the only code calling its `handle_*`/`poll_*` methods.
//!
//! Its loop, after every input: encode what the session wants to send and hand it to the
//! writer task, deliver the session's events to the waiting commands, then wait for the
//! first of: bytes from the socket, a command from a [`crate::Session`] handle (only while
//! the session can take one: the bounded channel plus the CmdSN window are the
//! back-pressure), or the next deadline (keep-alive, logout, command timeouts).
//!
//! Writes go to a separate writer task, so a large write never stops the driver from
//! reading (two peers that both block on writing would deadlock). What is queued for it is
//! bounded by the commands in flight: data segments are slices of the callers' buffers.
//!
//! On a connection failure the driver keeps the unfinished SCSI commands, waits at least
//! DefaultTime2Wait, logs in again with the same ISID and TSIH 0 (session reinstatement),
//! and replays them, backing off up to the reconnect timeout. Commands that cannot be
//! replayed fail with [`Error::ConnectionLost`]; a write is never reported done unless the
//! target acknowledged it.

use std::{
    collections::HashMap,
    io::IoSlice,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::{Buf, Bytes, BytesMut};
use iscsi_proto::{
    session::{
        Event, ScsiOutcome, ScsiRequest, Session as ProtoSession, SessionState, TaskError, TaskId,
    },
    wire::{Lun, TmfFunction, TmfResponse},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::tcp::{OwnedReadHalf, OwnedWriteHalf},
    sync::{mpsc, oneshot},
};
use tracing::{Instrument, debug, info, warn};

use crate::{Error, TimeoutKind, connector::Connector, recv_buf::RecvBuffer};

/// The result of a SCSI command: the status and the data read.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ScsiResult {
    /// Status, sense and residuals.
    pub outcome: ScsiOutcome,
    /// The bytes read (empty for commands that read nothing).
    pub data: Bytes,
}

/// A request from a session handle to the driver.
#[derive(Debug)]
pub(crate) enum Command {
    Scsi {
        request: ScsiRequest,
        timeout: Duration,
        reply: oneshot::Sender<Result<ScsiResult, Error>>,
    },
    Text {
        text: Bytes,
        reply: oneshot::Sender<Result<Bytes, Error>>,
    },
    Ping {
        data: Bytes,
        reply: oneshot::Sender<Result<Bytes, Error>>,
    },
    Tmf {
        function: TmfFunction,
        lun: Lun,
        reply: oneshot::Sender<Result<TmfResponse, Error>>,
    },
    Logout {
        reply: oneshot::Sender<Result<(), Error>>,
    },
}

/// A command waiting for the session.
#[derive(Debug)]
enum Pending {
    Scsi {
        reply: oneshot::Sender<Result<ScsiResult, Error>>,
        data: ReadBuffer,
        deadline: Instant,
    },
    Text(oneshot::Sender<Result<Bytes, Error>>),
    Ping(oneshot::Sender<Result<Bytes, Error>>),
    Tmf(oneshot::Sender<Result<TmfResponse, Error>>),
    Logout(oneshot::Sender<Result<(), Error>>),
    /// A command whose deadline passed: its ABORT TASK is out, its caller already told.
    Abandoned,
}

/// Read data shorter than this is copied out of the receive chunk (see [`ReadBuffer`]).
const COPY_BELOW: usize = 2048;

/// Read data gathered for one command. A read that arrives in one Data-In PDU (the usual
/// case: we declare a 256 KiB MaxRecvDataSegmentLength) is handed over without copying, as
/// a slice of the receive chunk (see `recv_buf`), unless it is shorter than
/// [`COPY_BELOW`]; a second PDU starts a contiguous copy.
#[derive(Debug)]
enum ReadBuffer {
    /// Nothing yet; the expected length, to size a copy.
    Empty(usize),
    /// One chunk so far, and the expected length.
    One(Bytes, usize),
    Many(BytesMut),
}

impl ReadBuffer {
    fn len(&self) -> usize {
        match self {
            Self::Empty(_) => 0,
            Self::One(b, _) => b.len(),
            Self::Many(b) => b.len(),
        }
    }

    fn push(&mut self, data: Bytes) {
        *self = match std::mem::replace(self, Self::Empty(0)) {
            // A short answer (INQUIRY, READ CAPACITY, sense...) is copied, so a caller that
            // keeps it does not pin the whole receive chunk it arrived in.
            Self::Empty(expected) if data.len() < COPY_BELOW => {
                Self::One(Bytes::copy_from_slice(&data), expected)
            }
            Self::Empty(expected) => Self::One(data, expected),
            Self::One(first, expected) => {
                let mut all = BytesMut::with_capacity(expected.max(first.len() + data.len()));
                all.extend_from_slice(&first);
                all.extend_from_slice(&data);
                Self::Many(all)
            }
            Self::Many(mut all) => {
                all.extend_from_slice(&data);
                Self::Many(all)
            }
        };
    }

    fn freeze(self) -> Bytes {
        match self {
            Self::Empty(_) => Bytes::new(),
            Self::One(b, _) => b,
            Self::Many(b) => b.freeze(),
        }
    }
}

/// One logged-in connection.
pub(crate) struct Connection {
    pub(crate) session: ProtoSession,
    pub(crate) reader: OwnedReadHalf,
    /// Taken by the writer task when the connection is driven.
    pub(crate) writer: Option<OwnedWriteHalf>,
    /// Bytes read during login beyond the final Login Response.
    pub(crate) leftover: BytesMut,
}

pub(crate) struct Driver {
    connector: Arc<Connector>,
    commands: mpsc::Receiver<Command>,
    pending: HashMap<TaskId, Pending>,
    /// No pending SCSI command has a deadline before this (None: none has one). It may be
    /// earlier than the true earliest deadline (the command holding it may have finished):
    /// reaching it then costs one scan that sets it right. That keeps the loop free of a
    /// scan over every pending command per PDU.
    next_deadline: Option<Instant>,
    /// Set when every handle is gone or a logout was asked for.
    closing: bool,
}

impl Driver {
    pub(crate) fn new(connector: Arc<Connector>, commands: mpsc::Receiver<Command>) -> Self {
        Self {
            connector,
            commands,
            pending: HashMap::new(),
            next_deadline: None,
            closing: false,
        }
    }

    /// Runs until the session is logged out, every handle is dropped, or reconnecting
    /// fails.
    pub(crate) async fn run(mut self, mut conn: Connection) {
        let span = tracing::info_span!("iscsi", target = %self.connector.target_label(), isid = %conn.session.start().isid);
        async move {
            loop {
                let outcome = self.drive(&mut conn).await;
                match outcome {
                    DriveEnd::Closed => break,
                    DriveEnd::Failed { replay, wait } => {
                        if self.closing {
                            self.fail_all(&Error::SessionClosed);
                            break;
                        }
                        match self.reconnect(wait).await {
                            Some(mut next) => {
                                self.replay(&mut next, replay);
                                conn = next;
                            }
                            None => {
                                for (_, p) in replay {
                                    fail(p, &Error::ConnectionLost("reconnect failed".into()));
                                }
                                self.fail_all(&Error::ConnectionLost("reconnect failed".into()));
                                break;
                            }
                        }
                    }
                }
            }
            // Commands still queued in the channel are answered too.
            self.commands.close();
            while let Some(cmd) = self.commands.recv().await {
                reject(cmd, &Error::SessionClosed);
            }
        }
        .instrument(span)
        .await;
    }

    /// Drives one connection until it fails or the session ends.
    async fn drive(&mut self, conn: &mut Connection) -> DriveEnd {
        let (write_tx, write_rx) = mpsc::unbounded_channel::<Vec<Bytes>>();
        let Some(writer) = conn.writer.take() else {
            // A connection is driven once; a second call has nothing to write with.
            return DriveEnd::Failed {
                replay: Vec::new(),
                wait: Duration::ZERO,
            };
        };
        let mut writer_task = tokio::spawn(write_loop(writer, write_rx));
        let mut recv = RecvBuffer::new(
            std::mem::take(&mut conn.leftover),
            conn.session.config().limits.max_recv_data_segment_length,
        );
        let mut tx_buf = BytesMut::with_capacity(64 * 1024);
        let mut drop_wait = Duration::ZERO;
        // The connection's one timer and the deadline it is armed for (None: disarmed).
        let sleep = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(sleep);
        let mut armed: Option<Instant> = None;
        let now = clock();
        if !recv.bytes().is_empty() {
            conn.session.handle_read(now, recv.bytes());
        }
        let end = loop {
            let now = clock();
            // Outputs, in the order the session documents.
            if !self.transmit(&mut conn.session, &mut tx_buf, &write_tx, now) {
                conn.session.handle_connection_lost(now);
            }
            let mut failed = None;
            while let Some(event) = conn.session.poll_event() {
                match event {
                    Event::ConnectionFailed { reason, .. } => failed = Some(reason),
                    Event::DropAnnounced { time2wait, .. } => drop_wait = time2wait,
                    event @ Event::LoggedOut { time2wait, .. } => {
                        drop_wait = time2wait;
                        self.on_event(event);
                    }
                    other => self.on_event(other),
                }
            }
            if let Some(reason) = failed {
                warn!(?reason, "connection failed");
                let replay = self.collect_unfinished(&mut conn.session);
                let t2w = Duration::from_secs(u64::from(conn.session.config().default_time2wait));
                break DriveEnd::Failed {
                    replay,
                    wait: drop_wait.max(t2w),
                };
            }
            if conn.session.state() == SessionState::LoggedOut {
                info!("logged out");
                let replay = self.collect_unfinished(&mut conn.session);
                if self.closing {
                    for (_, p) in replay {
                        fail(p, &Error::SessionClosed);
                    }
                    break DriveEnd::Closed;
                }
                // The target asked us to log out: come back after Time2Wait.
                break DriveEnd::Failed {
                    replay,
                    wait: drop_wait,
                };
            }
            if self.closing
                && conn.session.outstanding_tasks() == 0
                && conn.session.state() == SessionState::Active
            {
                let _ = conn.session.logout(now);
                continue;
            }
            let deadline = [conn.session.poll_timeout(), self.next_deadline]
                .into_iter()
                .flatten()
                .min();
            // One timer for the whole connection, re-armed only when the deadline moves.
            if deadline != armed {
                if let Some(d) = deadline {
                    sleep.as_mut().reset(d.into());
                }
                armed = deadline;
            }
            let accepting = !self.closing && conn.session.can_submit();
            let mut into = recv.prepare(conn.session.partial_pdu_len());
            tokio::select! {
                read = conn.reader.read_buf(&mut into) => {
                    let now = clock();
                    match read {
                        Ok(0) | Err(_) => conn.session.handle_connection_lost(now),
                        Ok(_) => conn.session.handle_read(now, recv.bytes()),
                    }
                }
                cmd = self.commands.recv(), if accepting => match cmd {
                    Some(cmd) => self.start(&mut conn.session, cmd),
                    None => {
                        debug!("last handle dropped; logging out");
                        self.closing = true;
                    }
                },
                () = &mut sleep, if armed.is_some() => {
                    let now = clock();
                    armed = None;
                    conn.session.handle_timeout(now);
                    if self.next_deadline.is_some_and(|d| d <= now) {
                        self.expire_commands(&mut conn.session, now);
                    }
                }
                _ = &mut writer_task => conn.session.handle_connection_lost(clock()),
            }
        };
        writer_task.abort();
        end
    }

    /// Encodes queued PDUs and hands them to the writer. False if the writer is gone.
    fn transmit(
        &self,
        session: &mut ProtoSession,
        buf: &mut BytesMut,
        write_tx: &mpsc::UnboundedSender<Vec<Bytes>>,
        now: Instant,
    ) -> bool {
        let mut batch = Vec::new();
        while let Some(t) = session.poll_transmit(now, buf) {
            if let Some(split) = t.split {
                batch.push(buf.split().freeze());
                batch.push(split.data);
                // Padding and data digest (at most 7 bytes) go in front of whatever the next
                // call encodes, rather than in a buffer of their own.
                buf.extend_from_slice(split.tail.as_slice());
            }
        }
        if !buf.is_empty() {
            batch.push(buf.split().freeze());
        }
        if buf.capacity() < 16 * 1024 {
            buf.reserve(64 * 1024);
        }
        batch.is_empty() || write_tx.send(batch).is_ok()
    }

    /// Hands a command to the session.
    fn start(&mut self, session: &mut ProtoSession, cmd: Command) {
        let now = clock();
        match cmd {
            Command::Scsi {
                request,
                timeout,
                reply,
            } => {
                let capacity = request.read_length as usize;
                match session.submit(now, request) {
                    Ok(task) => {
                        let data = ReadBuffer::Empty(capacity.min(64 << 20));
                        let deadline = now + timeout;
                        self.note_deadline(deadline);
                        self.pending.insert(
                            task,
                            Pending::Scsi {
                                reply,
                                data,
                                deadline,
                            },
                        );
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Text { text, reply } => match session.text(now, text) {
                Ok(task) => {
                    self.pending.insert(task, Pending::Text(reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Command::Ping { data, reply } => match session.ping(now, data) {
                Ok(task) => {
                    self.pending.insert(task, Pending::Ping(reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Command::Tmf {
                function,
                lun,
                reply,
            } => match session.task_management(now, function, lun) {
                Ok(task) => {
                    self.pending.insert(task, Pending::Tmf(reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Command::Logout { reply } => {
                self.closing = true;
                match session.logout(now) {
                    Ok(task) => {
                        self.pending.insert(task, Pending::Logout(reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
        }
    }

    /// Delivers one session event to the command waiting for it.
    fn on_event(&mut self, event: Event) {
        match event {
            Event::DataIn { task, offset, data } => {
                if let Some(Pending::Scsi { data: buf, .. }) = self.pending.get_mut(&task) {
                    // Offsets arrive in order (the session checks), so this appends.
                    if offset as usize == buf.len() {
                        buf.push(data);
                    }
                }
            }
            Event::ScsiComplete { task, outcome } => {
                if let Some(Pending::Scsi { reply, data, .. }) = self.pending.remove(&task) {
                    let _ = reply.send(Ok(ScsiResult {
                        outcome,
                        data: data.freeze(),
                    }));
                }
            }
            Event::TaskFailed { task, error } => {
                if let Some(p) = self.pending.remove(&task) {
                    let e = match error {
                        TaskError::SessionClosed => Error::SessionClosed,
                        other => Error::Task(other),
                    };
                    fail(p, &e);
                }
            }
            Event::TmfComplete { task, response } => {
                if let Some(Pending::Tmf(reply)) = self.pending.remove(&task) {
                    let _ = reply.send(Ok(response));
                }
            }
            Event::PingComplete { task, data } => {
                if let Some(Pending::Ping(reply)) = self.pending.remove(&task) {
                    let _ = reply.send(Ok(data));
                }
            }
            Event::TextComplete { task, text } => {
                if let Some(Pending::Text(reply)) = self.pending.remove(&task) {
                    let _ = reply.send(Ok(text));
                }
            }
            Event::LoggedOut { .. } => {
                let logouts: Vec<TaskId> = self
                    .pending
                    .iter()
                    .filter(|(_, p)| matches!(p, Pending::Logout(_)))
                    .map(|(t, _)| *t)
                    .collect();
                for t in logouts {
                    if let Some(Pending::Logout(reply)) = self.pending.remove(&t) {
                        let _ = reply.send(Ok(()));
                    }
                }
            }
            Event::ScsiAsyncEvent { lun, sense } => {
                info!(?lun, sense_len = sense.len(), "SCSI asynchronous event");
            }
            Event::LogoutRequested { within } => {
                info!(?within, "target requested logout; will reconnect");
            }
            other => debug!(?other, "event"),
        }
    }

    /// Unfinished SCSI commands of a failed or logged-out connection, with their waiters;
    /// every other waiter fails.
    fn collect_unfinished(&mut self, session: &mut ProtoSession) -> Vec<(ScsiRequest, Pending)> {
        let mut replay = Vec::new();
        for (task, request) in session.take_unfinished() {
            match self.pending.remove(&task) {
                Some(Pending::Abandoned) | None => {}
                Some(mut p) => {
                    if let Pending::Scsi { data, .. } = &mut p {
                        *data = ReadBuffer::Empty(0);
                    }
                    replay.push((request, p));
                }
            }
        }
        let rest: Vec<TaskId> = self.pending.keys().copied().collect();
        for t in rest {
            if let Some(p) = self.pending.remove(&t) {
                fail(p, &Error::ConnectionLost("connection failed".into()));
            }
        }
        replay
    }

    /// Logs in again (same ISID, TSIH 0) with back-off until the reconnect timeout.
    async fn reconnect(&self, wait: Duration) -> Option<Connection> {
        let limit = self.connector.config().reconnect_timeout;
        if limit.is_zero() {
            return None;
        }
        let give_up = clock() + limit;
        let mut delay = wait.max(Duration::from_millis(100));
        loop {
            let remaining = give_up.saturating_duration_since(clock());
            if remaining.is_zero() {
                warn!("giving up reconnecting");
                return None;
            }
            tokio::time::sleep(delay.min(remaining)).await;
            match self.connector.establish_reinstatement().await {
                Ok(conn) => {
                    info!("reconnected (session reinstated)");
                    return Some(conn);
                }
                Err(e) => {
                    warn!(error = %e, "reconnect attempt failed");
                    if matches!(
                        e,
                        Error::Login {
                            reason: crate::LoginFailure::Authentication(_),
                            ..
                        }
                    ) {
                        return None;
                    }
                }
            }
            delay = (delay * 2).clamp(Duration::from_secs(1), Duration::from_secs(30));
        }
    }

    /// Submits the unfinished commands on the new connection, in their original order.
    fn replay(&mut self, conn: &mut Connection, replay: Vec<(ScsiRequest, Pending)>) {
        let now = clock();
        for (request, p) in replay {
            match conn.session.submit(now, request) {
                Ok(task) => {
                    if let Pending::Scsi { deadline, .. } = &p {
                        self.note_deadline(*deadline);
                    }
                    self.pending.insert(task, p);
                }
                Err(e) => fail(p, &e.into()),
            }
        }
    }

    /// Lowers the cached earliest deadline for a newly pending command.
    fn note_deadline(&mut self, deadline: Instant) {
        self.next_deadline = Some(self.next_deadline.map_or(deadline, |d| d.min(deadline)));
    }

    /// Commands past their deadline are aborted at the target and failed with a timeout;
    /// the cached earliest deadline is recomputed from those left.
    fn expire_commands(&mut self, session: &mut ProtoSession, now: Instant) {
        self.next_deadline = self
            .pending
            .values()
            .filter_map(|p| match p {
                Pending::Scsi { deadline, .. } if *deadline > now => Some(*deadline),
                _ => None,
            })
            .min();
        let expired: Vec<TaskId> = self
            .pending
            .iter()
            .filter(|(_, p)| matches!(p, Pending::Scsi { deadline, .. } if *deadline <= now))
            .map(|(t, _)| *t)
            .collect();
        for task in expired {
            if let Some(p) = self.pending.insert(task, Pending::Abandoned) {
                fail(p, &Error::Timeout(TimeoutKind::Command));
            }
            if let Ok(None) | Err(_) = session.abort_task(now, task) {
                self.pending.remove(&task);
            }
        }
    }

    fn fail_all(&mut self, error: &Error) {
        for (_, p) in self.pending.drain() {
            fail(p, error);
        }
    }
}

enum DriveEnd {
    Closed,
    Failed {
        replay: Vec<(ScsiRequest, Pending)>,
        wait: Duration,
    },
}

fn fail(p: Pending, error: &Error) {
    match p {
        Pending::Scsi { reply, .. } => {
            let _ = reply.send(Err(error.clone()));
        }
        Pending::Text(reply) | Pending::Ping(reply) => {
            let _ = reply.send(Err(error.clone()));
        }
        Pending::Tmf(reply) => {
            let _ = reply.send(Err(error.clone()));
        }
        Pending::Logout(reply) => {
            let _ = reply.send(Err(error.clone()));
        }
        Pending::Abandoned => {}
    }
}

fn reject(cmd: Command, error: &Error) {
    match cmd {
        Command::Scsi { reply, .. } => {
            let _ = reply.send(Err(error.clone()));
        }
        Command::Text { reply, .. } | Command::Ping { reply, .. } => {
            let _ = reply.send(Err(error.clone()));
        }
        Command::Tmf { reply, .. } => {
            let _ = reply.send(Err(error.clone()));
        }
        Command::Logout { reply } => {
            let _ = reply.send(Err(error.clone()));
        }
    }
}

/// The protocol clock: tokio's, so `start_paused` tests control it.
fn clock() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Writes batches with vectored writes until the channel closes or the socket fails.
async fn write_loop(mut writer: OwnedWriteHalf, mut rx: mpsc::UnboundedReceiver<Vec<Bytes>>) {
    while let Some(mut batch) = rx.recv().await {
        // Gather whatever else is already queued into the same syscalls.
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
            if batch.len() > 256 {
                break;
            }
        }
        if write_all_vectored(&mut writer, &mut batch).await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}

/// Buffers per `writev` (well under the kernel's IOV_MAX of 1024), gathered on the stack.
const MAX_IOVECS: usize = 64;

async fn write_all_vectored(
    writer: &mut OwnedWriteHalf,
    bufs: &mut [Bytes],
) -> std::io::Result<()> {
    let mut first = 0;
    while first < bufs.len() {
        let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
        let count = (bufs.len() - first).min(MAX_IOVECS);
        for (slot, b) in slices.iter_mut().zip(&bufs[first..first + count]) {
            *slot = IoSlice::new(b);
        }
        let mut n = writer.write_vectored(&slices[..count]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while n > 0 && first < bufs.len() {
            let len = bufs[first].len();
            if n >= len {
                n -= len;
                first += 1;
            } else {
                bufs[first].advance(n);
                n = 0;
            }
        }
        while first < bufs.len() && bufs[first].is_empty() {
            first += 1;
        }
    }
    Ok(())
}
