//! Typed SCSI commands on a [`Session`], built on `iscsi_proto::scsi`. These turn any status
//! but GOOD into [`Error::Scsi`] with decoded sense data; [`Session::execute`] is the raw
//! path.

use bytes::{Bytes, BytesMut};
use iscsi_proto::{
    scsi::{
        self, Command, IoFlags, ReadCapacity10, ReadCapacity16, ReportLuns, ScsiStatus, SenseData,
        SenseKey, StandardInquiry, VpdPage,
    },
    session::ScsiRequest,
    wire::{Lun, ScsiResponseCode},
};

use crate::{Error, ScsiError, Session, driver::ScsiResult};

/// The largest transfer `read_blocks` and `write_blocks` put in one command.
pub const MAX_IO_BYTES: u32 = 1 << 20;

/// Size of a logical unit.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Capacity {
    /// Logical block size in bytes.
    pub block_size: u32,
    /// Number of logical blocks.
    pub blocks: u64,
}

impl Capacity {
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
        // A UNIT ATTENTION (power on, reset, parameters changed) reports a past event and
        // did not run the command; retry a few times, as every initiator does.
        let mut attempts = 0;
        loop {
            let result = check(self.execute(request.clone()).await?);
            match result {
                Err(Error::Scsi(ref e))
                    if is_unit_attention(e) && attempts < UNIT_ATTENTION_RETRIES =>
                {
                    attempts += 1;
                    tracing::debug!(sense = ?e.sense, "unit attention; retrying the command");
                }
                other => return other,
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
    /// As [`Session::run`], or [`Error::BadResponse`].
    pub async fn read_capacity(&self, lun: Lun) -> Result<Capacity, Error> {
        let r = self
            .run(lun, &scsi::read_capacity10(), Bytes::new())
            .await?;
        let rc10 = ReadCapacity10::decode(&r.data).map_err(bad)?;
        if rc10.returned_lba != u32::MAX {
            return Ok(Capacity {
                block_size: rc10.block_length,
                blocks: u64::from(rc10.returned_lba) + 1,
            });
        }
        let r = self
            .run(lun, &scsi::read_capacity16(), Bytes::new())
            .await?;
        let rc16 = ReadCapacity16::decode(&r.data).map_err(bad)?;
        Ok(Capacity {
            block_size: rc16.block_length,
            blocks: rc16.returned_lba.saturating_add(1),
        })
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
    /// asked for.
    pub async fn read_blocks(
        &self,
        lun: Lun,
        lba: u64,
        blocks: u32,
        block_size: u32,
    ) -> Result<Bytes, Error> {
        let per_io = (MAX_IO_BYTES / block_size.max(1)).max(1);
        let total = u64::from(blocks) * u64::from(block_size);
        let mut out = BytesMut::new();
        let mut done = 0u32;
        while done < blocks {
            let n = (blocks - done).min(per_io);
            let cmd = scsi::read16(lba + u64::from(done), n, block_size, IoFlags::default())
                .map_err(bad)?;
            let r = self.run(lun, &cmd, Bytes::new()).await?;
            if r.data.len() as u64 != u64::from(n) * u64::from(block_size) {
                return Err(Error::BadResponse(format!(
                    "short read: {} of {} bytes",
                    r.data.len(),
                    cmd.direction.read_len()
                )));
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
    /// As [`Session::run`]; [`Error::Invalid`] when `data` is not whole blocks.
    pub async fn write_blocks(
        &self,
        lun: Lun,
        lba: u64,
        data: Bytes,
        block_size: u32,
    ) -> Result<(), Error> {
        if block_size == 0 || data.len() % block_size as usize != 0 {
            return Err(Error::Invalid(format!(
                "{} bytes is not a whole number of {block_size}-byte blocks",
                data.len()
            )));
        }
        let per_io = (MAX_IO_BYTES / block_size).max(1) as usize * block_size as usize;
        let mut offset = 0usize;
        while offset < data.len() {
            let chunk = data.slice(offset..(offset + per_io).min(data.len()));
            let blocks = u32::try_from(chunk.len() / block_size as usize)
                .map_err(|_| Error::Invalid("too many blocks".into()))?;
            let block = lba + (offset / block_size as usize) as u64;
            let cmd = scsi::write16(block, blocks, block_size, IoFlags::default()).map_err(bad)?;
            self.run(lun, &cmd, chunk).await?;
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

/// How many UNIT ATTENTION conditions a command is retried through.
const UNIT_ATTENTION_RETRIES: usize = 4;

fn is_unit_attention(e: &ScsiError) -> bool {
    e.status == ScsiStatus::CheckCondition
        && e.sense
            .as_ref()
            .is_some_and(|s| s.sense_key == SenseKey::UnitAttention)
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
