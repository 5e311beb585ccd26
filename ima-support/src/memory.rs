//! Memory handed to C callers: allocated with the C allocator (`calloc`) and tracked, so that
//! `IMA_FreeMemory` can refuse pointers this shared object never returned (or already freed)
//! instead of corrupting the heap as a bare `free()` would.
//!
//! Every allocation is a C allocation, so a caller that releases it with `free()` directly
//! (the illumos library does this for `IMA_GetStaticDiscoveryTargetOidList`,
//! docs/ima-notes.md §3.7) is safe too; the tracker then keeps a stale address, which only
//! means a later bogus `IMA_FreeMemory` of that very address is not recognised as bogus.
//!
//! The tracker is a static of this crate: each shared object linking it (libima.so, each
//! plugin) has its own.

use std::collections::HashSet;
use std::ffi::{c_ulong, c_void};
use std::ptr::NonNull;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use ima_abi::list::{c_free, counted_size, entries_offset};

use crate::error::ArgError;

static LIVE: LazyLock<Mutex<HashSet<usize>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

fn live() -> MutexGuard<'static, HashSet<usize>> {
    // A set of addresses has no invariant a panic could break mid-update.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Allocates `size` zeroed bytes (at least 1) with `calloc` and records the allocation.
/// The caller fills it and hands it out; it is released by [`free`].
pub fn publish_raw(size: usize) -> Result<NonNull<u8>, ArgError> {
    // SAFETY: calloc has no preconditions; a NULL result is handled below.
    let raw = unsafe { libc::calloc(1, size.max(1)) }.cast::<u8>();
    let base = NonNull::new(raw).ok_or(ArgError::OutOfMemory)?;
    live().insert(base.as_ptr() as usize);
    Ok(base)
}

/// Allocates a counted list (`IMA_OID_LIST` layout: count, then entries) holding `items`,
/// at least `min_size` bytes long, and records it.
///
/// `min_size` lets a plugin over-allocate for libraries that read past the list
/// (`IMA_ADDRESS_KEYS`: `max(1, count) * 32` bytes, docs/ima-notes.md §3.7).
pub fn publish_list_sized<L, T: Copy>(items: &[T], min_size: usize) -> Result<*mut L, ArgError> {
    let size = counted_size::<T>(items.len())
        .ok_or(ArgError::OutOfMemory)?
        .max(min_size)
        .max(size_of::<L>());
    let base = publish_raw(size)?;
    // SAFETY: the allocation is at least `counted_size` bytes, malloc alignment (16) covers
    // every IMA type, the count fits at offset 0 and `items.len()` entries of `T` fit from
    // `entries_offset`; source and destination do not overlap.
    unsafe {
        base.as_ptr()
            .cast::<c_ulong>()
            .write(items.len() as c_ulong);
        let dst = base.as_ptr().add(entries_offset::<T>()).cast::<T>();
        std::ptr::copy_nonoverlapping(items.as_ptr(), dst, items.len());
    }
    Ok(base.as_ptr().cast())
}

/// Allocates a counted list for a client and records it. `L` is the C list type (for example
/// `OidList`) with entries of type `T`.
pub fn publish_list<L, T: Copy>(items: &[T]) -> Result<*mut L, ArgError> {
    publish_list_sized::<L, T>(items, 0)
}

/// `IMA_FreeMemory`: frees a pointer previously returned by one of the `publish_*`
/// functions. NULL → [`ArgError::NullArgument`]; anything not live →
/// [`ArgError::UnknownAllocation`] (nothing is freed).
// Safe to call with any pointer: only addresses recorded by `publish_raw` are freed.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn free(ptr: *mut c_void) -> Result<(), ArgError> {
    if ptr.is_null() {
        return Err(ArgError::NullArgument("pMemory"));
    }
    if !live().remove(&(ptr as usize)) {
        return Err(ArgError::UnknownAllocation);
    }
    // SAFETY: the address was recorded by `publish_raw` when `calloc` returned it and has
    // just been removed from the set, so it is live and freed exactly once.
    unsafe { c_free(ptr) };
    Ok(())
}

/// Number of allocations handed out and not yet freed (diagnostics and tests).
pub fn live_count() -> usize {
    live().len()
}

#[cfg(test)]
mod tests {
    use ima_abi::list::counted_slice;
    use ima_abi::{AddressKey, AddressKeys, ObjectType, Oid, OidList};

    use super::*;

    #[test]
    fn free_only_what_was_published() {
        let list = publish_list::<OidList, Oid>(&[Oid::new(ObjectType::LHBA, 1, 1)]).unwrap();
        assert_eq!(free(list.cast()), Ok(()));
        assert_eq!(free(list.cast()), Err(ArgError::UnknownAllocation));
        let mut local = 0u64;
        assert_eq!(
            free((&raw mut local).cast()),
            Err(ArgError::UnknownAllocation)
        );
        assert_eq!(
            free(std::ptr::null_mut()),
            Err(ArgError::NullArgument("pMemory"))
        );
    }

    #[test]
    fn sized_list_is_over_allocated_and_readable() {
        let key = AddressKey {
            ip_address: ima_abi::IpAddress {
                ipv4_address: 1,
                ip_address: [0; 16],
            },
            port_number: 3260,
        };
        let keys = [key; 5];
        let list = publish_list_sized::<AddressKeys, AddressKey>(&keys, 5 * 32).unwrap();
        // SAFETY: freshly published list of 5 keys; at least 160 bytes were zero-allocated.
        unsafe {
            let read: &[AddressKey] = counted_slice(list, 5).unwrap();
            assert_eq!(read.len(), 5);
            assert_eq!(read[4].port_number, 3260);
            // The padding past the last key (8 + 5*24 = 128 .. 160) is readable and zero.
            let bytes = std::slice::from_raw_parts(list.cast::<u8>(), 160);
            assert!(bytes[128..].iter().all(|&b| b == 0));
        }
        free(list.cast()).unwrap();
    }
}
