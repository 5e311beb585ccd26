//! Memory handed to clients: allocated with the C allocator and tracked, so that
//! `IMA_FreeMemory` can refuse pointers this library never returned (or already freed)
//! instead of corrupting the heap as a bare `free()` would.

use std::collections::HashSet;
use std::ptr::NonNull;
use std::sync::{LazyLock, Mutex, PoisonError};

use ima_abi::list::{alloc_counted, c_free};

use crate::error::ImaError;

static LIVE: LazyLock<Mutex<HashSet<usize>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

fn live() -> std::sync::MutexGuard<'static, HashSet<usize>> {
    // A set of addresses has no invariant a panic could break mid-update.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Allocates a counted list for a client and records it.
pub(crate) fn publish_list<L, T: Copy>(items: &[T]) -> Result<*mut L, ImaError> {
    let list: NonNull<L> = alloc_counted::<L, T>(items).ok_or(ImaError::OutOfMemory)?;
    live().insert(list.as_ptr() as usize);
    Ok(list.as_ptr())
}

/// `IMA_FreeMemory`: frees a pointer previously returned by [`publish_list`].
pub(crate) fn free(ptr: *mut std::ffi::c_void) -> Result<(), ImaError> {
    if ptr.is_null() {
        return Err(ImaError::NullArgument("pMemory"));
    }
    if !live().remove(&(ptr as usize)) {
        return Err(ImaError::UnknownAllocation);
    }
    // SAFETY: the address was recorded by `publish_list` when `calloc` returned it and has
    // just been removed from the set, so it is live and freed exactly once.
    unsafe { c_free(ptr) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use ima_abi::{ObjectType, Oid, OidList};

    use super::*;

    #[test]
    fn free_only_what_was_published() {
        let list = publish_list::<OidList, Oid>(&[Oid::new(ObjectType::LHBA, 1, 1)]).unwrap();
        assert_eq!(free(list.cast()), Ok(()));
        assert_eq!(free(list.cast()), Err(ImaError::UnknownAllocation));
        let mut local = 0u64;
        assert_eq!(
            free((&raw mut local).cast()),
            Err(ImaError::UnknownAllocation)
        );
        assert_eq!(
            free(std::ptr::null_mut()),
            Err(ImaError::NullArgument("pMemory"))
        );
    }
}
