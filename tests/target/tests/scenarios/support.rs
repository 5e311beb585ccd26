//! A hand-built initiator for driving the test target PDU by PDU: a sans-IO [`Pair`] and a
//! loopback [`TcpClient`].
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use iscsi_proto::{
    framing::{Digests, Frame, Framer, Limits},
    wire::{
        Cid, CmdSn, DataOut, DataSn, Header, Isid, Itt, LoginRequest, LoginResponse, LoginStatus,
        Lun, NopOut, Pdu, ScsiCommand, Stage, StatSn, TaskAttribute, TextRequest, Tsih, Ttt,
    },
};
use iscsi_test_target::{DEFAULT_TARGET_NAME, Target, TargetConfig, TargetConnection};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

pub const INITIATOR: &str = "iqn.2026-01.invalid.ima:initiator";

/// Parses a text data segment.
pub fn pairs(data: &[u8]) -> Vec<(String, String)> {
    data.split(|&b| b == 0)
        .filter(|i| !i.is_empty())
        .map(|i| {
            let s = std::str::from_utf8(i).unwrap();
            let (k, v) = s.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// The value of `key` in `pairs`.
pub fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Encodes `key=value` pairs.
pub fn text(pairs: &[(&str, &str)]) -> Bytes {
    let mut out = Vec::new();
    for (k, v) in pairs {
        out.extend_from_slice(k.as_bytes());
        out.push(b'=');
        out.extend_from_slice(v.as_bytes());
        out.push(0);
    }
    Bytes::from(out)
}

/// A 16-byte CDB from its first bytes.
pub fn cdb(bytes: &[u8]) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[..bytes.len()].copy_from_slice(bytes);
    c
}

pub fn read10(lba: u32, blocks: u16) -> [u8; 16] {
    let l = lba.to_be_bytes();
    let n = blocks.to_be_bytes();
    cdb(&[0x28, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0])
}

pub fn write10(lba: u32, blocks: u16) -> [u8; 16] {
    let mut c = read10(lba, blocks);
    c[0] = 0x2a;
    c
}

/// Initiator-side state: builds PDUs and frames bytes.
pub struct Initiator {
    pub framer: Framer,
    pub cmd_sn: CmdSn,
    pub exp_stat_sn: StatSn,
    pub isid: Isid,
    next_itt: u32,
}

impl Initiator {
    pub fn new() -> Self {
        Self {
            framer: Framer::new(Limits {
                max_recv_data_segment_length: 0x00ff_ffff,
                max_send_data_segment_length: 0x00ff_ffff,
            }),
            cmd_sn: CmdSn::new(1),
            exp_stat_sn: StatSn::new(0),
            isid: Isid::random(0x00ab_cdef, 1),
            next_itt: 1,
        }
    }

    pub fn itt(&mut self) -> Itt {
        let itt = Itt(self.next_itt);
        self.next_itt += 1;
        itt
    }

    pub fn encode(&self, pdu: &Pdu) -> BytesMut {
        let mut out = BytesMut::new();
        self.framer.encode(pdu, &mut out).unwrap();
        out
    }

    /// Decodes every whole PDU in `buf`.
    pub fn decode_all(&mut self, buf: &mut BytesMut) -> Vec<Pdu> {
        let mut pdus = Vec::new();
        while let Some(frame) = self.framer.decode(buf).expect("target sent a bad frame") {
            match frame {
                Frame::Pdu(pdu) => {
                    self.track(&pdu.header);
                    pdus.push(pdu);
                }
                Frame::DataDigestError { header, .. } => panic!("data digest error on {header:?}"),
            }
        }
        pdus
    }

    fn track(&mut self, header: &Header) {
        let stat_sn = match header {
            Header::ScsiResponse(h) => Some(h.stat_sn),
            Header::DataIn(h) => h.status.map(|s| s.stat_sn),
            Header::LoginResponse(h) => Some(h.stat_sn),
            Header::TextResponse(h) => Some(h.stat_sn),
            Header::LogoutResponse(h) => Some(h.stat_sn),
            Header::TaskMgmtResponse(h) => Some(h.stat_sn),
            _ => None,
        };
        if let Some(sn) = stat_sn {
            self.exp_stat_sn = sn.next();
        }
    }

    pub fn login_request(
        &self,
        itt: Itt,
        csg: Stage,
        nsg: Option<Stage>,
        keys: &[(&str, &str)],
    ) -> Pdu {
        let header = LoginRequest {
            continues: false,
            current_stage: csg,
            next_stage: nsg,
            version_max: 0,
            version_min: 0,
            isid: self.isid,
            tsih: Tsih::NEW,
            itt,
            cid: Cid(1),
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
        };
        Pdu::new(header, text(keys))
    }

    /// A SCSI command; non-immediate commands take the next CmdSN.
    pub fn command(
        &mut self,
        cdb: [u8; 16],
        read: bool,
        write: bool,
        edtl: u32,
        immediate: Bytes,
        final_pdu: bool,
    ) -> (Itt, Pdu) {
        let itt = self.itt();
        let header = ScsiCommand {
            immediate: false,
            final_pdu,
            read,
            write,
            task_attribute: TaskAttribute::Simple,
            lun: Lun::default(),
            itt,
            expected_data_transfer_length: edtl,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
            cdb,
        };
        self.cmd_sn = self.cmd_sn.next();
        (itt, Pdu::new(header, immediate))
    }

    pub fn data_out(
        &self,
        itt: Itt,
        ttt: Ttt,
        data_sn: u32,
        offset: u32,
        data: Bytes,
        final_pdu: bool,
    ) -> Pdu {
        Pdu::new(
            DataOut {
                final_pdu,
                lun: Lun::default(),
                itt,
                ttt,
                exp_stat_sn: self.exp_stat_sn,
                data_sn: DataSn::new(data_sn),
                buffer_offset: offset,
            },
            data,
        )
    }

    pub fn text_request(&self, itt: Itt, ttt: Ttt, keys: &[(&str, &str)]) -> Pdu {
        let header = TextRequest {
            immediate: true,
            final_pdu: true,
            continues: false,
            lun: Lun::default(),
            itt,
            ttt,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
        };
        Pdu::new(header, text(keys))
    }

    pub fn ping(&mut self, data: Bytes) -> (Itt, Pdu) {
        let itt = self.itt();
        let header = NopOut {
            immediate: true,
            lun: Lun::default(),
            itt,
            ttt: Ttt::RESERVED,
            cmd_sn: self.cmd_sn,
            exp_stat_sn: self.exp_stat_sn,
        };
        (itt, Pdu::new(header, data))
    }
}

/// The initiator state driving a [`TargetConnection`] directly, with virtual time.
pub struct Pair {
    pub target: Target,
    pub conn: TargetConnection,
    pub init: Initiator,
    pub now: Instant,
    rx: BytesMut,
}

impl Pair {
    pub fn new(config: TargetConfig) -> Self {
        Self::with_target(&Target::new(config).unwrap())
    }

    pub fn with_target(target: &Target) -> Self {
        Self {
            target: target.clone(),
            conn: TargetConnection::new(target),
            init: Initiator::new(),
            now: Instant::now(),
            rx: BytesMut::new(),
        }
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.conn.handle_timeout(self.now);
    }

    pub fn send(&mut self, pdu: &Pdu) {
        let mut bytes = self.init.encode(pdu);
        let _ = self.conn.handle_read(self.now, &mut bytes);
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let mut buf = BytesMut::from(bytes);
        let _ = self.conn.handle_read(self.now, &mut buf);
    }

    /// Raw bytes the target sends now.
    pub fn transmit(&mut self) -> BytesMut {
        let mut out = BytesMut::new();
        self.conn.poll_transmit(self.now, &mut out);
        out
    }

    /// Every PDU the target sends now.
    pub fn recv(&mut self) -> Vec<Pdu> {
        let out = self.transmit();
        self.rx.extend_from_slice(&out);
        let mut rx = std::mem::take(&mut self.rx);
        let pdus = self.init.decode_all(&mut rx);
        self.rx = rx;
        pdus
    }

    /// Sends and returns the reply PDUs.
    pub fn exchange(&mut self, pdu: &Pdu) -> Vec<Pdu> {
        self.send(pdu);
        self.recv()
    }

    /// One Login Request (operational stage straight to full feature phase) with `keys`
    /// added to the names; returns the response and its pairs.
    pub fn login_with(&mut self, keys: &[(&str, &str)]) -> (LoginResponse, Vec<(String, String)>) {
        let mut all = vec![
            ("InitiatorName", INITIATOR),
            ("TargetName", DEFAULT_TARGET_NAME),
        ];
        all.extend_from_slice(keys);
        let itt = self.init.itt();
        let req = self.init.login_request(
            itt,
            Stage::LoginOperationalNegotiation,
            Some(Stage::FullFeaturePhase),
            &all,
        );
        let replies = self.exchange(&req);
        assert_eq!(replies.len(), 1, "{replies:?}");
        let Header::LoginResponse(resp) = replies[0].header else {
            panic!("{replies:?}")
        };
        let answers = pairs(&replies[0].data);
        if resp.status == LoginStatus::Success && resp.next_stage == Some(Stage::FullFeaturePhase) {
            self.init.framer.set_digests(Digests {
                header: value(&answers, "HeaderDigest") == Some("CRC32C"),
                data: value(&answers, "DataDigest") == Some("CRC32C"),
            });
        }
        (resp, answers)
    }

    /// Logs in with RFC default keys; asserts success.
    pub fn login(&mut self) -> LoginResponse {
        let (resp, _) = self.login_with(&[]);
        assert_eq!(resp.status, LoginStatus::Success);
        assert_eq!(resp.next_stage, Some(Stage::FullFeaturePhase));
        resp
    }
}

/// The same initiator over a loopback TCP connection.
pub struct TcpClient {
    pub stream: TcpStream,
    pub init: Initiator,
    rx: BytesMut,
    queued: std::collections::VecDeque<Pdu>,
}

impl TcpClient {
    pub async fn connect(addr: std::net::SocketAddr) -> Self {
        Self {
            stream: TcpStream::connect(addr).await.unwrap(),
            init: Initiator::new(),
            rx: BytesMut::new(),
            queued: Default::default(),
        }
    }

    pub async fn send(&mut self, pdu: &Pdu) {
        let bytes = self.init.encode(pdu);
        self.stream.write_all(&bytes).await.unwrap();
    }

    /// The next PDU, or `None` when the target closed the connection (or after 5 s).
    pub async fn recv(&mut self) -> Option<Pdu> {
        loop {
            if let Some(pdu) = self.queued.pop_front() {
                return Some(pdu);
            }
            let mut rx = std::mem::take(&mut self.rx);
            self.queued.extend(self.init.decode_all(&mut rx));
            self.rx = rx;
            if !self.queued.is_empty() {
                continue;
            }
            let read =
                tokio::time::timeout(Duration::from_secs(5), self.stream.read_buf(&mut self.rx))
                    .await;
            match read {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
                Ok(Ok(_)) => {}
            }
        }
    }

    /// Whether the target closed the connection (EOF or reset) within `within`.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let mut buf = [0u8; 4096];
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => return false,
            }
        }
    }

    pub async fn login(&mut self, keys: &[(&str, &str)]) -> LoginResponse {
        let mut all = vec![
            ("InitiatorName", INITIATOR),
            ("TargetName", DEFAULT_TARGET_NAME),
        ];
        all.extend_from_slice(keys);
        let itt = self.init.itt();
        let req = self.init.login_request(
            itt,
            Stage::LoginOperationalNegotiation,
            Some(Stage::FullFeaturePhase),
            &all,
        );
        self.send(&req).await;
        let reply = self.recv().await.expect("login response");
        let Header::LoginResponse(resp) = reply.header else {
            panic!("{reply:?}")
        };
        let answers = pairs(&reply.data);
        self.init.framer.set_digests(Digests {
            header: value(&answers, "HeaderDigest") == Some("CRC32C"),
            data: value(&answers, "DataDigest") == Some("CRC32C"),
        });
        resp
    }
}

impl TcpClient {
    /// Connects, or fails (for "is the listener gone" checks).
    pub async fn try_connect(addr: std::net::SocketAddr) -> std::io::Result<TcpStream> {
        TcpStream::connect(addr).await
    }
}
