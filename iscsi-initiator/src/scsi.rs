//! Typed SCSI commands on a [`Session`], built on `iscsi_proto::scsi`. These turn any status
//! but GOOD into [`Error::Scsi`] with decoded sense data; [`Session::execute`] is the raw
//! path.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use iscsi_proto::{
    scsi::{
        self, Command, IoFlags, ReadCapacity10, ReadCapacity16, ReportLuns, ScsiStatus, SenseData,
        SenseKey, StandardInquiry, VpdPage,
    },
    session::{ScsiRequest, TaskError},
    wire::{Lun, Residual, ScsiResponseCode},
};

use crate::{Error, ScsiError, Session, TransferOp, driver::ScsiResult};

/// The largest transfer `read_blocks` and `write_blocks` put in one command.
pub const MAX_IO_BYTES: u32 = 1 << 20;

/// The largest logical block length accepted from READ CAPACITY: 1 MiB.
///
/// SBC-4 does not bound the LOGICAL BLOCK LENGTH IN BYTES field, but real devices use 512 to
/// 64 KiB (with 520- and 528-byte formats for protection information, so a length need not
/// be a multiple of 512). A larger value is far more likely a broken target than a device,
/// and would make every I/O a huge allocation.
pub const MAX_BLOCK_SIZE: u32 = 1 << 20;

/// Size of a logical unit.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Capacity {
    /// Logical block size in bytes.
    pub block_size: u32,
    /// Number of logical blocks.
    pub blocks: u64,
}

impl Capacity {
    /// The capacity READ CAPACITY reported: its LOGICAL BLOCK LENGTH IN BYTES and RETURNED
    /// LOGICAL BLOCK ADDRESS (the last LBA, so the LU has one block more; saturating at
    /// `u64::MAX` blocks).
    ///
    /// # Errors
    ///
    /// [`Error::BadResponse`] when the block length is 0 (every size computed from it
    /// would divide by zero) or above [`MAX_BLOCK_SIZE`].
    pub fn from_read_capacity(block_length: u32, last_lba: u64) -> Result<Self, Error> {
        if block_length == 0 || block_length > MAX_BLOCK_SIZE {
            return Err(Error::BadResponse(format!(
                "READ CAPACITY reported a logical block length of {block_length} bytes \
                 (accepted: 1 to {MAX_BLOCK_SIZE})"
            )));
        }
        Ok(Self {
            block_size: block_length,
            blocks: last_lba.saturating_add(1),
        })
    }

    /// Size in bytes.
    pub fn bytes(&self) -> u64 {
        self.blocks.saturating_mul(u64::from(self.block_size))
    }
}

impl Session {
    /// Runs a built CDB, with `write` as the data for a write, and checks the status.
    ///
    /// # Errors
    ///
    /// [`Error::Scsi`] for any status but GOOD, or the errors of [`Session::execute`].
    pub async fn run(
        &self,
        lun: Lun,
        command: &Command,
        write: Bytes,
    ) -> Result<ScsiResult, Error> {
        let request = ScsiRequest {
            read_length: command.direction.read_len(),
            ..ScsiRequest::write(lun, Bytes::copy_from_slice(command.cdb.as_bytes()), write)
        };
        // Statuses that say the target did not perform the command are re-issued as a new
        // command (new ITT and CmdSN), bounded in count and in time; `execute` (the raw
        // path) keeps returning them.
        let give_up = tokio::time::Instant::now() + self.command_timeout();
        let mut attempts = 0;
        loop {
            let result = check(self.execute(request.clone()).await?);
            let Err(Error::Scsi(ref e)) = result else {
                return result;
            };
            let Some(retry) = reissue(e) else {
                return result;
            };
            attempts += 1;
            if attempts > REISSUE_LIMIT {
                return result;
            }
            tracing::debug!(?retry, sense = ?e.sense, attempts, "re-issuing the command");
            if let Retry::After = retry {
                // BUSY / TASK SET FULL: back off 10 ms, 20 ms, ... up to 1 s (SAM-5: the
                // target may accept the command later).
                let pause =
                    Duration::from_millis(10 << attempts.min(7)).min(Duration::from_secs(1));
                if tokio::time::Instant::now() + pause >= give_up {
                    return result;
                }
                tokio::time::sleep(pause).await;
            }
        }
    }

    /// TEST UNIT READY.
    ///
    /// # Errors
    ///
    /// As [`Session::run`].
    pub async fn test_unit_ready(&self, lun: Lun) -> Result<(), Error> {
        self.run(lun, &scsi::test_unit_ready(), Bytes::new())
            .await
            .map(drop)
    }

    /// Standard INQUIRY.
    ///
    /// # Errors
    ///
    /// As [`Session::run`], or [`Error::BadResponse`] when the data does not decode.
    pub async fn inquiry(&self, lun: Lun) -> Result<StandardInquiry, Error> {
        let r = self
            .run(lun, &scsi::inquiry(None, 255), Bytes::new())
            .await?;
        StandardInquiry::decode(&r.data).map_err(bad)
    }

    /// An INQUIRY VPD page, raw (decode it with the `iscsi_proto::scsi` types).
    ///
    /// # Errors
    ///
    /// As [`Session::run`].
    pub async fn inquiry_vpd(&self, lun: Lun, page: VpdPage) -> Result<Bytes, Error> {
        Ok(self
            .run(lun, &scsi::inquiry(Some(page), 4096), Bytes::new())
            .await?
            .data)
    }

    /// READ CAPACITY(10), then (16) when the LU is too large for (10).
    ///
    /// # Errors
    ///
    /// As [`Session::run`], or [`Error::BadResponse`] when the data does not decode or
    /// reports a block length [`Capacity::from_read_capacity`] refuses (0 or above
    /// [`MAX_BLOCK_SIZE`]).
    pub async fn read_capacity(&self, lun: Lun) -> Result<Capacity, Error> {
        let r = self
            .run(lun, &scsi::read_capacity10(), Bytes::new())
            .await?;
        if let Some(capacity) = capacity10(&r.data)? {
            return Ok(capacity);
        }
        let r = self
            .run(lun, &scsi::read_capacity16(), Bytes::new())
            .await?;
        capacity16(&r.data)
    }

    /// REPORT LUNS.
    ///
    /// # Errors
    ///
    /// As [`Session::run`], or [`Error::BadResponse`].
    pub async fn report_luns(&self) -> Result<ReportLuns, Error> {
        let cmd = scsi::report_luns(16_384).map_err(bad)?;
        let r = self.run(Lun::default(), &cmd, Bytes::new()).await?;
        ReportLuns::decode(&r.data).map_err(bad)
    }

    /// Reads `blocks` blocks from `lba` with READ(16), in commands of at most
    /// [`MAX_IO_BYTES`].
    ///
    /// # Errors
    ///
    /// As [`Session::run`]; [`Error::BadResponse`] when the target returns less data than
    /// asked for; [`Error::Invalid`] for a block size of 0 or a range past the last
    /// 64-bit LBA.
    pub async fn read_blocks(
        &self,
        lun: Lun,
        lba: u64,
        blocks: u32,
        block_size: u32,
    ) -> Result<Bytes, Error> {
        let per_io = io_blocks(block_size)?;
        check_range(lba, u64::from(blocks))?;
        let total = u64::from(blocks) * u64::from(block_size);
        let mut out = BytesMut::new();
        let mut done = 0u32;
        while done < blocks {
            let n = (blocks - done).min(per_io);
            let cmd = scsi::read16(lba + u64::from(done), n, block_size, IoFlags::default())
                .map_err(bad)?;
            let r = self.run(lun, &cmd, Bytes::new()).await?;
            let asked = u64::from(n) * u64::from(block_size);
            if r.data.len() as u64 != asked || r.outcome.residual != Residual::Exact {
                // The session checked that the data matches the residual; a READ whose CDB
                // and expected length agree must have neither.
                return Err(Error::Incomplete {
                    op: TransferOp::Read,
                    requested: total,
                    done: out.len() as u64 + r.data.len() as u64,
                    cause: Box::new(Error::BadResponse(format!(
                        "READ returned {} of {asked} bytes (residual {:?})",
                        r.data.len(),
                        r.outcome.residual
                    ))),
                });
            }
            if n == blocks {
                // The whole read was one command: its data as it came, not copied.
                return Ok(r.data);
            }
            if out.capacity() == 0 {
                out.reserve(usize::try_from(total).unwrap_or(0).min(1 << 30));
            }
            out.extend_from_slice(&r.data);
            done += n;
        }
        Ok(out.freeze())
    }

    /// Writes `data` (a whole number of blocks) at `lba` with WRITE(16), in commands of at
    /// most [`MAX_IO_BYTES`]. Returns only when the target acknowledged every byte.
    ///
    /// # Errors
    ///
    /// As [`Session::run`]; [`Error::Invalid`] when `data` is not whole blocks or reaches
    /// past the last 64-bit LBA.
    pub async fn write_blocks(
        &self,
        lun: Lun,
        lba: u64,
        data: Bytes,
        block_size: u32,
    ) -> Result<(), Error> {
        let per_io_blocks = io_blocks(block_size)?;
        let bs = block_size as usize;
        if data.len() % bs != 0 {
            return Err(Error::Invalid(format!(
                "{} bytes is not a whole number of {block_size}-byte blocks",
                data.len()
            )));
        }
        check_range(lba, (data.len() / bs) as u64)?;
        let per_io = per_io_blocks as usize * bs;
        let mut offset = 0usize;
        while offset < data.len() {
            let chunk = data.slice(offset..(offset + per_io).min(data.len()));
            let blocks = u32::try_from(chunk.len() / bs)
                .map_err(|_| Error::Invalid("too many blocks".into()))?;
            let block = lba + (offset / bs) as u64;
            let cmd = scsi::write16(block, blocks, block_size, IoFlags::default()).map_err(bad)?;
            let incomplete = |taken: usize, cause: Error| Error::Incomplete {
                op: TransferOp::Write,
                requested: data.len() as u64,
                done: (offset + taken) as u64,
                cause: Box::new(cause),
            };
            match self.run(lun, &cmd, chunk.clone()).await {
                Ok(r) if r.outcome.residual == Residual::Exact => {}
                // The CDB and the data agree, so any residual is the target's inconsistency:
                // nothing of this command is known to be written.
                Ok(r) => {
                    return Err(incomplete(
                        0,
                        Error::BadResponse(format!(
                            "WRITE of {} bytes answered GOOD with residual {:?}",
                            chunk.len(),
                            r.outcome.residual
                        )),
                    ));
                }
                Err(Error::Task(
                    e @ TaskError::WriteIncomplete {
                        acknowledged, sent, ..
                    },
                )) => {
                    let taken = acknowledged.min(sent) as usize;
                    return Err(incomplete(taken, Error::Task(e)));
                }
                Err(e) => return Err(e),
            }
            offset += per_io;
        }
        Ok(())
    }

    /// SYNCHRONIZE CACHE(10) for the whole LU.
    ///
    /// # Errors
    ///
    /// As [`Session::run`].
    pub async fn synchronize_cache(&self, lun: Lun) -> Result<(), Error> {
        let cmd = scsi::synchronize_cache10(0, 0, false).map_err(bad)?;
        self.run(lun, &cmd, Bytes::new()).await.map(drop)
    }
}

/// Blocks per command for [`Session::read_blocks`] and [`Session::write_blocks`]: as many
/// as fit [`MAX_IO_BYTES`], at least one.
fn io_blocks(block_size: u32) -> Result<u32, Error> {
    MAX_IO_BYTES
        .checked_div(block_size)
        .map(|n| n.max(1))
        .ok_or_else(|| Error::Invalid("block size 0".into()))
}

/// Refuses `blocks` blocks from `lba` when they run past the last 64-bit LBA.
fn check_range(lba: u64, blocks: u64) -> Result<(), Error> {
    lba.checked_add(blocks).map(drop).ok_or_else(|| {
        Error::Invalid(format!(
            "{blocks} blocks from LBA {lba} run past the last LBA"
        ))
    })
}

/// Decodes READ CAPACITY (10) data; `None` when the LU is too large for it and READ
/// CAPACITY (16) is needed (SBC-4: RETURNED LOGICAL BLOCK ADDRESS 0xffffffff).
fn capacity10(data: &[u8]) -> Result<Option<Capacity>, Error> {
    let rc10 = ReadCapacity10::decode(data).map_err(bad)?;
    if rc10.returned_lba == u32::MAX {
        return Ok(None);
    }
    Capacity::from_read_capacity(rc10.block_length, u64::from(rc10.returned_lba)).map(Some)
}

/// Decodes READ CAPACITY (16) data.
fn capacity16(data: &[u8]) -> Result<Capacity, Error> {
    let rc16 = ReadCapacity16::decode(data).map_err(bad)?;
    Capacity::from_read_capacity(rc16.block_length, rc16.returned_lba)
}

/// How many times [`Session::run`] re-issues a command the target did not perform.
const REISSUE_LIMIT: u32 = 8;

/// How to re-issue a command.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Retry {
    /// At once: UNIT ATTENTION (a past event was reported; the command did not run), or a
    /// transport error the target reported (the command did not run).
    Now,
    /// After a back-off: BUSY, TASK SET FULL.
    After,
}

/// Whether a non-GOOD status means the target did not perform the command, so re-issuing
/// it as a new command is safe: UNIT ATTENTION; BUSY and TASK SET FULL; CHECK CONDITION
/// with ABORTED COMMAND and an iSCSI transport sense code (RFC 7143 §11.4.7.2: 47h/05h
/// protocol service CRC error, 0Ch/0Ch unexpected unsolicited data, 0Ch/0Dh not enough
/// unsolicited data, 11h/13h SNACK rejected; and the rest of 47h, information unit errors).
fn reissue(e: &ScsiError) -> Option<Retry> {
    if e.response != ScsiResponseCode::CommandCompleted {
        return None;
    }
    if e.status.is_retryable() {
        return Some(Retry::After);
    }
    let sense = e
        .sense
        .as_ref()
        .filter(|_| e.status == ScsiStatus::CheckCondition)?;
    match (sense.sense_key, sense.asc, sense.ascq) {
        (SenseKey::UnitAttention, ..) => Some(Retry::Now),
        (SenseKey::AbortedCommand, 0x47, _)
        | (SenseKey::AbortedCommand, 0x0c, 0x0c | 0x0d)
        | (SenseKey::AbortedCommand, 0x11, 0x13) => Some(Retry::Now),
        _ => None,
    }
}

/// Turns a non-GOOD outcome into [`Error::Scsi`].
fn check(result: ScsiResult) -> Result<ScsiResult, Error> {
    let o = &result.outcome;
    if o.response == ScsiResponseCode::CommandCompleted && o.status == ScsiStatus::Good {
        return Ok(result);
    }
    let sense = o.sense.as_deref().and_then(|s| SenseData::decode(s).ok());
    Err(Error::Scsi(ScsiError {
        response: o.response,
        status: o.status,
        sense,
    }))
}

fn bad(e: impl std::fmt::Display) -> Error {
    Error::BadResponse(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc10(last_lba: u32, block_length: u32) -> Vec<u8> {
        [last_lba.to_be_bytes(), block_length.to_be_bytes()].concat()
    }

    fn rc16(last_lba: u64, block_length: u32) -> Vec<u8> {
        let mut data = vec![0u8; 32];
        data[..8].copy_from_slice(&last_lba.to_be_bytes());
        data[8..12].copy_from_slice(&block_length.to_be_bytes());
        data
    }

    #[test]
    fn read_capacity_data_decodes() {
        assert_eq!(
            capacity10(&rc10(16_383, 512)).unwrap(),
            Some(Capacity {
                block_size: 512,
                blocks: 16_384
            })
        );
        // 520-byte blocks (protection information formats) are fine.
        assert_eq!(capacity10(&rc10(0, 520)).unwrap().unwrap().bytes(), 520);
        assert_eq!(capacity10(&rc10(u32::MAX, 0)).unwrap(), None);
        assert_eq!(
            capacity16(&rc16(u64::MAX, 4096)).unwrap(),
            Capacity {
                block_size: 4096,
                blocks: u64::MAX
            }
        );
        assert_eq!(capacity16(&rc16(0, MAX_BLOCK_SIZE)).unwrap().blocks, 1);
    }

    #[test]
    fn read_capacity_refuses_block_length_zero_and_absurd_lengths() {
        for data in [rc10(7, 0), rc10(7, MAX_BLOCK_SIZE + 1), rc10(7, u32::MAX)] {
            let e = capacity10(&data).unwrap_err();
            assert!(
                matches!(&e, Error::BadResponse(m) if m.contains("logical block length")),
                "{e:?}"
            );
        }
        for data in [rc16(1 << 40, 0), rc16(1 << 40, 1 << 21)] {
            let e = capacity16(&data).unwrap_err();
            assert!(
                matches!(&e, Error::BadResponse(m) if m.contains("logical block length")),
                "{e:?}"
            );
        }
        assert!(matches!(
            Capacity::from_read_capacity(0, 100),
            Err(Error::BadResponse(_))
        ));
    }

    #[test]
    fn io_sizes_never_divide_by_zero_or_overflow() {
        assert!(matches!(io_blocks(0), Err(Error::Invalid(_))));
        assert_eq!(io_blocks(512).unwrap(), 2048);
        assert_eq!(io_blocks(u32::MAX).unwrap(), 1);
        assert!(check_range(u64::MAX - 8, 8).is_ok());
        assert!(matches!(
            check_range(u64::MAX - 8, 9),
            Err(Error::Invalid(_))
        ));
    }
}
