//! Logical units, the sessions that reach them, and SCSI pass-through.

use std::{collections::HashSet, sync::atomic::Ordering};

use bytes::Bytes;
use iscsi_initiator::{Error as InitiatorError, Session};
use iscsi_proto::{
    scsi::{self, Command, DataDirection, PeripheralDeviceType, ScsiStatus, VpdPage},
    session::ScsiRequest,
    wire::{Lun, ScsiResponseCode},
};

use crate::{Engine, HbaError, ObjectId, ObjectKind, engine::lock};

/// A logical unit.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LuInfo {
    /// The LUN number for the single-level forms targets use (peripheral or flat
    /// addressing, 0 to 16383); for any other form the eight LUN bytes read as a
    /// big-endian number.
    pub lun: u64,
    /// The eight LUN bytes as REPORT LUNS gave them (SAM-5 §4.7).
    pub lun_bytes: [u8; 8],
    /// T10 vendor identification (standard INQUIRY), trailing spaces removed.
    pub vendor: String,
    /// Product identification.
    pub product: String,
    /// Product revision level.
    pub revision: String,
    /// Peripheral device type (0 for a disk).
    pub device_type: u8,
    /// Logical block size in bytes, for block devices whose READ CAPACITY succeeded.
    pub block_size: Option<u32>,
    /// Number of logical blocks, as `block_size`.
    pub blocks: Option<u64>,
}

/// The outcome of a pass-through command that completed at the target: any SCSI status,
/// CHECK CONDITION included.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PassThrough {
    /// The SCSI status.
    pub status: ScsiStatus,
    /// The data read (at most the allocation length).
    pub data: Bytes,
    /// The sense data, as the target sent it, with CHECK CONDITION.
    pub sense: Option<Bytes>,
}

/// An LU in the table.
#[derive(Clone, Debug)]
pub(crate) struct LuEntry {
    pub(crate) target: u64,
    pub(crate) info: LuInfo,
}

/// Device types READ CAPACITY applies to (SBC and MMC devices).
fn has_capacity(t: PeripheralDeviceType) -> bool {
    [
        PeripheralDeviceType::DirectAccess,
        PeripheralDeviceType::WriteOnce,
        PeripheralDeviceType::CdDvd,
        PeripheralDeviceType::OpticalMemory,
        PeripheralDeviceType::SimplifiedDirectAccess,
        PeripheralDeviceType::HostManagedZoned,
    ]
    .contains(&t)
}

impl Engine {
    /// Logs in to `target` when there is no open session to it (trying its addresses in
    /// order), lists its LUs with REPORT LUNS, and describes each with INQUIRY and, for
    /// block devices, READ CAPACITY. LUNs whose INQUIRY says no LU is there (peripheral
    /// qualifier 3) are left out; so are LUNs whose INQUIRY fails with a SCSI status. LUs
    /// keep their ids while their target and LUN exist; the LU table of the target is
    /// replaced with this list.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown target; [`HbaError::Initiator`] for login,
    /// connection and SCSI failures; [`HbaError::Timeout`] past the operation deadline;
    /// [`HbaError::ShutDown`].
    pub async fn lus(&self, target: ObjectId) -> Result<Vec<(ObjectId, LuInfo)>, HbaError> {
        let tseq = self.target_seq(target)?;
        let infos = self
            .with_deadline(async {
                let session = match self.session(target).await {
                    // Logged out on request: no session, so no LUs.
                    Err(HbaError::LoggedOut(_)) => {
                        self.forget_lus(tseq);
                        return Ok(Vec::new());
                    }
                    other => other?,
                };
                let result = scan(&session).await;
                if let Err(e) = &result {
                    self.forget_session_on(tseq, e);
                }
                result.map_err(HbaError::from)
            })
            .await?;
        let mut appeared = Vec::new();
        let mut changed = Vec::new();
        let mut gone = Vec::new();
        let out = {
            let mut d = lock(&self.inner.discovered);
            if !d.targets.contains_key(&tseq) {
                return Err(HbaError::NotFound(target));
            }
            let mut out = Vec::new();
            let mut listed = HashSet::new();
            for info in infos {
                let id = d.lu_ids.get_or_insert(&(tseq, info.lun_bytes));
                listed.insert(info.lun_bytes);
                let entry = LuEntry {
                    target: tseq,
                    info: info.clone(),
                };
                match d.lus.insert(id.seq, entry) {
                    None => appeared.push(id),
                    Some(old) if old.info != info => changed.push(id),
                    Some(_) => {}
                }
                out.push((id, info));
            }
            d.lus.retain(|seq, lu| {
                let keep = lu.target != tseq || listed.contains(&lu.info.lun_bytes);
                if !keep {
                    gone.push(ObjectId::new(ObjectKind::Lu, *seq));
                }
                keep
            });
            d.lu_ids
                .retain(|(t, bytes)| *t != tseq || listed.contains(bytes));
            out
        };
        for id in gone {
            self.visible(id, false);
        }
        for id in appeared {
            self.visible(id, true);
        }
        for id in changed {
            self.changed(id);
        }
        Ok(out)
    }

    /// Takes target `tseq`'s LUs out of the table.
    pub(crate) fn forget_lus(&self, tseq: u64) {
        let mut gone = Vec::new();
        {
            let mut d = lock(&self.inner.discovered);
            d.lus.retain(|seq, lu| {
                let keep = lu.target != tseq;
                if !keep {
                    gone.push(ObjectId::new(ObjectKind::Lu, *seq));
                }
                keep
            });
            d.lu_ids.retain(|(t, _)| *t != tseq);
        }
        for id in gone {
            self.visible(id, false);
        }
    }

    /// Runs [`Engine::lus`] on every target in the table, one after the other; returns the
    /// targets it failed on with why.
    pub async fn refresh_lus(&self) -> Vec<(ObjectId, HbaError)> {
        let mut failures = Vec::new();
        for (id, _) in self.targets() {
            if let Err(e) = self.lus(id).await {
                failures.push((id, e));
            }
        }
        failures
    }

    /// One LU: its target and description, as the last scan of its target found it.
    pub fn lu(&self, id: ObjectId) -> Option<(ObjectId, LuInfo)> {
        if id.kind != ObjectKind::Lu {
            return None;
        }
        lock(&self.inner.discovered).lus.get(&id.seq).map(|lu| {
            (
                ObjectId::new(ObjectKind::Target, lu.target),
                lu.info.clone(),
            )
        })
    }

    /// Every LU known (the LHBA's view): `(lu, target, description)`, from the last scan
    /// of each target.
    pub fn all_lus(&self) -> Vec<(ObjectId, ObjectId, LuInfo)> {
        lock(&self.inner.discovered)
            .lus
            .iter()
            .map(|(seq, lu)| {
                (
                    ObjectId::new(ObjectKind::Lu, *seq),
                    ObjectId::new(ObjectKind::Target, lu.target),
                    lu.info.clone(),
                )
            })
            .collect()
    }

    /// INQUIRY on a target (LUN 0) or an LU: standard data (`evpd` false, `page` 0) or a
    /// VPD page. `alloc_len` is at most 65535.
    ///
    /// # Errors
    ///
    /// As [`Engine::execute`]; [`HbaError::InvalidArgument`] for a page code without
    /// `evpd` or an allocation length above 65535.
    pub async fn inquiry(
        &self,
        device: ObjectId,
        evpd: bool,
        page: u8,
        alloc_len: u32,
    ) -> Result<PassThrough, HbaError> {
        let len = u16::try_from(alloc_len).map_err(|_| {
            HbaError::InvalidArgument("INQUIRY allocation length above 65535".into())
        })?;
        let command = match (evpd, page) {
            (true, page) => scsi::inquiry(Some(VpdPage::from(page)), len),
            (false, 0) => scsi::inquiry(None, len),
            (false, _) => {
                return Err(HbaError::InvalidArgument(
                    "a page code needs EVPD (SPC-4 §6.6.1)".into(),
                ));
            }
        };
        self.execute(device, &command).await
    }

    /// READ CAPACITY (10) or (16) on a target (LUN 0) or an LU. `alloc_len` bounds the
    /// data returned (READ CAPACITY (16) sends it in the CDB).
    ///
    /// # Errors
    ///
    /// As [`Engine::execute`]; [`HbaError::NotSupported`] for a `cdb_len` other than 10
    /// or 16.
    pub async fn read_capacity(
        &self,
        device: ObjectId,
        cdb_len: u8,
        alloc_len: u32,
    ) -> Result<PassThrough, HbaError> {
        let mut result = match cdb_len {
            10 => self.execute(device, &scsi::read_capacity10()).await?,
            16 => {
                let mut cdb = [0u8; 16];
                cdb.copy_from_slice(scsi::read_capacity16().cdb.as_bytes());
                cdb[10..14].copy_from_slice(&alloc_len.to_be_bytes());
                let command = Command::raw(&cdb, DataDirection::Read(alloc_len))
                    .map_err(|e| HbaError::InvalidArgument(e.to_string()))?;
                self.execute(device, &command).await?
            }
            n => {
                return Err(HbaError::NotSupported(format!(
                    "READ CAPACITY with a {n}-byte CDB"
                )));
            }
        };
        result.data.truncate(alloc_len as usize);
        Ok(result)
    }

    /// REPORT LUNS on a target or an LU, with this SELECT REPORT (0: all LUs).
    ///
    /// # Errors
    ///
    /// As [`Engine::execute`]; [`HbaError::InvalidArgument`] for an allocation length
    /// below 16.
    pub async fn report_luns(
        &self,
        device: ObjectId,
        select_report: u8,
        alloc_len: u32,
    ) -> Result<PassThrough, HbaError> {
        let built =
            scsi::report_luns(alloc_len).map_err(|e| HbaError::InvalidArgument(e.to_string()))?;
        let mut cdb = [0u8; 12];
        cdb.copy_from_slice(built.cdb.as_bytes());
        cdb[2] = select_report;
        let command = Command::raw(&cdb, built.direction)
            .map_err(|e| HbaError::InvalidArgument(e.to_string()))?;
        self.execute(device, &command).await
    }

    /// Sends `command` (no data out) to a target (LUN 0) or an LU and returns its status,
    /// data and sense, logging in first when there is no open session.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an unknown target or LU; [`HbaError::NotSupported`]
    /// for another kind of object or a command that writes; [`HbaError::Initiator`] for
    /// login and transport failures and the command deadline;
    /// [`HbaError::TargetFailure`] when the target answered without a SCSI status;
    /// [`HbaError::Timeout`]; [`HbaError::ShutDown`].
    pub async fn execute(
        &self,
        device: ObjectId,
        command: &Command,
    ) -> Result<PassThrough, HbaError> {
        if command.direction.write_len() > 0 {
            return Err(HbaError::NotSupported(
                "pass-through commands that write".into(),
            ));
        }
        let (target, lun) = self.device(device)?;
        let tseq = target.seq;
        let request = ScsiRequest::read(
            lun,
            Bytes::copy_from_slice(command.cdb.as_bytes()),
            command.direction.read_len(),
        );
        let result = self
            .with_deadline(async {
                let session = self.session(target).await?;
                let result = session.execute(request).await;
                if let Err(e) = &result {
                    self.forget_session_on(tseq, e);
                }
                result.map_err(HbaError::from)
            })
            .await?;
        if device.kind == ObjectKind::Lu {
            lock(&self.inner.sessions)
                .counters
                .lu_command(device.seq, result.data.len() as u64);
        }
        let o = result.outcome;
        if o.response != ScsiResponseCode::CommandCompleted {
            return Err(HbaError::TargetFailure(o.response));
        }
        Ok(PassThrough {
            status: o.status,
            data: result.data,
            sense: o.sense,
        })
    }

    /// Stops the supervisor, logs out of every session and waits, and ends the event
    /// stream; later operations that talk to targets fail with [`HbaError::ShutDown`].
    /// Getters and configuration changes still work.
    pub async fn shutdown(&self) {
        self.inner.shut_down.store(true, Ordering::Release);
        self.inner.stop.send_replace(true);
        self.unexpose_all();
        self.end_all_sessions().await;
        self.inner.events.close();
    }

    /// The target and LUN a pass-through goes to.
    fn device(&self, device: ObjectId) -> Result<(ObjectId, Lun), HbaError> {
        match device.kind {
            ObjectKind::Target => {
                self.target_seq(device)?;
                Ok((device, Lun::default()))
            }
            ObjectKind::Lu => {
                let d = lock(&self.inner.discovered);
                let lu = d.lus.get(&device.seq).ok_or(HbaError::NotFound(device))?;
                Ok((
                    ObjectId::new(ObjectKind::Target, lu.target),
                    Lun(lu.info.lun_bytes),
                ))
            }
            _ => Err(HbaError::NotSupported(format!(
                "SCSI commands to a {:?}",
                device.kind
            ))),
        }
    }

    fn target_seq(&self, target: ObjectId) -> Result<u64, HbaError> {
        if target.kind == ObjectKind::Target
            && lock(&self.inner.discovered)
                .targets
                .contains_key(&target.seq)
        {
            Ok(target.seq)
        } else {
            Err(HbaError::NotFound(target))
        }
    }
}

/// REPORT LUNS, then INQUIRY and READ CAPACITY per LUN.
async fn scan(session: &Session) -> Result<Vec<LuInfo>, InitiatorError> {
    let reported = session.report_luns().await?;
    let mut out = Vec::new();
    for r in reported.luns {
        let lun = Lun(r.0);
        let inquiry = match session.inquiry(lun).await {
            Ok(i) => i,
            Err(InitiatorError::Scsi(e)) => {
                tracing::debug!(lun = ?r.0, error = %e, "INQUIRY failed; LUN left out");
                continue;
            }
            Err(e) => return Err(e),
        };
        if inquiry.peripheral_qualifier == 3 {
            continue;
        }
        let capacity = if has_capacity(inquiry.device_type) {
            match session.read_capacity(lun).await {
                Ok(c) => Some(c),
                Err(InitiatorError::Scsi(e)) => {
                    tracing::debug!(lun = ?r.0, error = %e, "READ CAPACITY failed");
                    None
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        out.push(LuInfo {
            lun: r.index().map_or_else(|| u64::from_be_bytes(r.0), u64::from),
            lun_bytes: r.0,
            vendor: inquiry.vendor,
            product: inquiry.product,
            revision: inquiry.revision,
            device_type: u8::from(inquiry.device_type),
            block_size: capacity.map(|c| c.block_size),
            blocks: capacity.map(|c| c.blocks),
        });
    }
    Ok(out)
}
