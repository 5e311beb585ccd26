//! Copying what plugins return into library memory.
//!
//! Every list a plugin returns is read with a bound, copied into a list allocated by this
//! library (so clients only ever free library memory) and released with the plugin's own
//! `IMA_FreeMemory`, while the plugin is still entered.

use ima_abi::list::{ListError, counted_slice};

use super::Session;
use crate::error::ImaError;

/// Most entries accepted in one plugin-returned list.
pub(crate) const MAX_LIST_ENTRIES: usize = 1 << 16;

/// Copies a counted list returned by the plugin and frees the plugin's copy.
///
/// # Safety
/// `list` must be NULL or a counted list of `T` the plugin of `session` just returned through
/// its out-parameter (docs/ima-notes.md §1.4 layout), not yet freed.
pub(crate) unsafe fn take_list<L, T: Copy>(
    session: &Session<'_>,
    list: *mut L,
    limit: usize,
) -> Result<Vec<T>, ImaError> {
    let owner = session.plugin().owner_id;
    // SAFETY: forwarded caller contract; the count is checked against the bound before any
    // entry is read.
    let copied = unsafe { counted_slice::<L, T>(list, limit) }.map(<[T]>::to_vec);
    session.free(list);
    copied.map_err(|error| match error {
        ListError::Null => ImaError::PluginMisbehaved {
            owner,
            what: "returned a NULL list",
        },
        _ => ImaError::PluginMisbehaved {
            owner,
            what: "returned an oversized list",
        },
    })
}
