//! Counted lists (`IMA_OID_LIST`, `IMA_ADDRESS_KEYS`, …) allocated with the C allocator.
//!
//! Layout of every counted list: an `IMA_UINT` count, then the entries starting at the next
//! offset aligned for the entry type (8 for every IMA list on LP64). At least one entry slot
//! is always allocated, so `sizeof(list)` bytes are readable even for an empty list.

use core::ffi::{c_ulong, c_void};
use core::mem::{align_of, size_of};
use core::ptr::NonNull;

/// Why a counted list could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    /// The list pointer is NULL.
    #[error("list pointer is null")]
    Null,
    /// The count exceeds the caller's limit.
    #[error("list count {count} exceeds the limit {limit}")]
    TooLong {
        /// The count found.
        count: c_ulong,
        /// The limit.
        limit: usize,
    },
}

/// Offset of the first entry of a counted list of `T`.
pub const fn entries_offset<T>() -> usize {
    let header = size_of::<c_ulong>();
    let align = align_of::<T>();
    header.div_ceil(align) * align
}

/// Allocation size of a counted list of `n` entries of `T` (at least one slot), or `None` on
/// overflow.
pub fn counted_size<T>(n: usize) -> Option<usize> {
    n.max(1)
        .checked_mul(size_of::<T>())?
        .checked_add(entries_offset::<T>())
}

/// Allocates a zeroed counted list with `calloc` and copies `items` into it.
///
/// The result is released with [`c_free`] (C `free`). `L` is the C list type (for example
/// [`crate::OidList`]); it must have the counted-list layout with entries of type `T`.
/// Returns `None` if the size overflows or `calloc` fails.
pub fn alloc_counted<L, T: Copy>(items: &[T]) -> Option<NonNull<L>> {
    let size = counted_size::<T>(items.len())?;
    debug_assert!(size >= size_of::<L>());
    // SAFETY: calloc has no preconditions; a NULL result is handled below.
    let raw = unsafe { libc::calloc(1, size.max(size_of::<L>())) }.cast::<u8>();
    let base = NonNull::new(raw)?;
    // SAFETY: the allocation is at least `counted_size` bytes, malloc alignment (16) covers
    // every IMA type, the count fits at offset 0 and `items.len()` entries of `T` fit from
    // `entries_offset`; source and destination do not overlap.
    unsafe {
        base.as_ptr()
            .cast::<c_ulong>()
            .write(items.len() as c_ulong);
        let dst = base.as_ptr().add(entries_offset::<T>()).cast::<T>();
        core::ptr::copy_nonoverlapping(items.as_ptr(), dst, items.len());
    }
    Some(base.cast())
}

/// Reads the entries of a counted list, refusing more than `limit`.
///
/// # Safety
/// A non-NULL `list` must point to a counted list of `T` whose allocation holds the count and
/// at least `count` entries (as produced by [`alloc_counted`] or by a conforming plugin), and
/// must not be freed or written while the returned slice lives.
pub unsafe fn counted_slice<'a, L, T>(list: *const L, limit: usize) -> Result<&'a [T], ListError> {
    if list.is_null() {
        return Err(ListError::Null);
    }
    // SAFETY: non-NULL and, by the caller's contract, starts with an `IMA_UINT` count.
    let count = unsafe { list.cast::<c_ulong>().read() };
    let n = usize::try_from(count)
        .ok()
        .filter(|&n| n <= limit)
        .ok_or(ListError::TooLong { count, limit })?;
    // SAFETY: the caller guarantees `n` entries follow at `entries_offset`, suitably aligned.
    Ok(unsafe {
        core::slice::from_raw_parts(list.cast::<u8>().add(entries_offset::<T>()).cast::<T>(), n)
    })
}

/// Frees memory obtained from the C allocator. NULL is ignored.
///
/// # Safety
/// `ptr` must be NULL or a live allocation from `malloc`/`calloc`/`realloc` not yet freed.
pub unsafe fn c_free<T>(ptr: *mut T) {
    // SAFETY: forwarded caller contract.
    unsafe { libc::free(ptr.cast::<c_void>()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AddressKey, AddressKeys, ObjectType, Oid, OidList};

    #[test]
    fn oid_list_round_trip() {
        let oids = [
            Oid::new(ObjectType::LHBA, 1, 7),
            Oid::new(ObjectType::PHBA, 2, 9),
        ];
        let list = alloc_counted::<OidList, Oid>(&oids).unwrap();
        // SAFETY: freshly allocated list of two OIDs, freed once below.
        unsafe {
            assert_eq!((*list.as_ptr()).oid_count, 2);
            assert_eq!((*list.as_ptr()).oids[0], oids[0]);
            let read: &[Oid] = counted_slice(list.as_ptr(), 10).unwrap();
            assert_eq!(read, &oids);
            assert_eq!(
                counted_slice::<OidList, Oid>(list.as_ptr(), 1),
                Err(ListError::TooLong { count: 2, limit: 1 })
            );
            c_free(list.as_ptr());
        }
    }

    #[test]
    fn empty_list_and_sizes() {
        assert_eq!(entries_offset::<Oid>(), 8);
        assert_eq!(entries_offset::<AddressKey>(), 8);
        assert_eq!(counted_size::<Oid>(0), Some(24));
        assert_eq!(counted_size::<AddressKey>(3), Some(8 + 72));
        assert_eq!(counted_size::<Oid>(usize::MAX), None);
        let list = alloc_counted::<AddressKeys, AddressKey>(&[]).unwrap();
        // SAFETY: freshly allocated empty list, freed once.
        unsafe {
            let read: &[AddressKey] = counted_slice(list.as_ptr(), 0).unwrap();
            assert!(read.is_empty());
            c_free(list.as_ptr());
        }
        // SAFETY: NULL is explicitly allowed.
        let null = unsafe { counted_slice::<OidList, Oid>(core::ptr::null(), 1) };
        assert_eq!(null, Err(ListError::Null));
    }
}
