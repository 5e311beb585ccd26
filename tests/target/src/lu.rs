//! RAM-backed logical units, shared by every connection of a target.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::config::LuConfig;

/// A RAM-backed logical unit. Cloning shares the data (an `Arc`).
#[derive(Clone, Debug)]
pub struct LogicalUnit {
    lun: u16,
    block_size: u32,
    blocks: u64,
    serial: String,
    data: Arc<Mutex<Vec<u8>>>,
}

impl LogicalUnit {
    /// Allocates the LU's memory, zero-filled; `None` if `block_size × blocks` does not fit
    /// in this machine's address space.
    pub(crate) fn new(config: &LuConfig) -> Option<Self> {
        let len = u64::from(config.block_size)
            .checked_mul(config.blocks)
            .and_then(|len| usize::try_from(len).ok())?;
        Some(Self {
            lun: config.lun,
            block_size: config.block_size.max(1),
            blocks: config.blocks,
            serial: config.serial.clone(),
            data: Arc::new(Mutex::new(vec![0; len])),
        })
    }

    /// The LUN.
    pub fn lun(&self) -> u16 {
        self.lun
    }

    /// The logical block size in bytes.
    pub fn block_size(&self) -> u32 {
        self.block_size
    }

    /// The number of blocks.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// The unit serial number.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Copies `len` bytes at byte `offset`; `None` if out of range.
    pub fn read(&self, offset: u64, len: usize) -> Option<Vec<u8>> {
        let data = self.lock();
        let start = usize::try_from(offset).ok()?;
        data.get(start..start.checked_add(len)?).map(<[u8]>::to_vec)
    }

    /// Writes `bytes` at byte `offset`; `false` if out of range.
    pub fn write(&self, offset: u64, bytes: &[u8]) -> bool {
        let mut data = self.lock();
        let Ok(start) = usize::try_from(offset) else {
            return false;
        };
        let Some(end) = start.checked_add(bytes.len()) else {
            return false;
        };
        match data.get_mut(start..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// Fills the whole LU with a repeating pattern (test setup).
    pub fn fill(&self, pattern: &[u8]) {
        if pattern.is_empty() {
            return;
        }
        let mut data = self.lock();
        for (dst, src) in data.iter_mut().zip(pattern.iter().cycle()) {
            *dst = *src;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        // A panic while holding the lock leaves plain bytes behind: still usable.
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
