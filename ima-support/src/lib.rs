//! Helpers shared by the IMA library (`ima-lib`) and IMA plugins (`ima-plugin-soft`).
//!
//! This crate exports **no symbols**: it has no `#[no_mangle]` item. The [`export!`] macro
//! expands in the crate that invokes it, so each shared object defines its own `IMA_*`
//! functions and the library and a plugin never meet at link time. Likewise every static in
//! here (the allocation tracker of [`memory`]) exists once per shared object that links this
//! crate: libima.so and each plugin track their own allocations.
//!
//! - [`guard`]: the one boundary helper every `extern "C"` body runs in (panics caught,
//!   errors mapped through [`IntoStatus`]), and the argument checks;
//! - [`export!`]: `#[unsafe(no_mangle)] pub unsafe extern "C" fn` whose body runs in [`guard`];
//! - [`memory`]: memory handed to C callers, allocated with the C allocator and tracked so
//!   `IMA_FreeMemory` can refuse pointers it never returned;
//! - [`statefile`]: atomic replacement of a small state file (temporary file + rename).
#![warn(missing_docs)]

mod error;
mod guard;
pub mod memory;
pub mod statefile;

pub use error::{ArgError, IntoStatus};
pub use guard::{check_bool, check_range, check_scsi_buffers, check_type, guard, non_null};

/// Re-exports used by the macros of this crate (not part of the API).
#[doc(hidden)]
pub mod __private {
    pub use ima_abi::ImaStatus;
}

/// Defines one exported C function whose body runs inside [`guard`].
///
/// ```ignore
/// ima_support::export! {
///     error = MyError;
///     /// Doc text.
///     fn IMA_Something(oid: Oid, p_out: *mut T) {
///         ima_support::non_null(p_out, "pOut")?;
///         Ok(ImaStatus::STATUS_SUCCESS)
///     }
/// }
/// ```
/// expands to `#[unsafe(no_mangle)] pub unsafe extern "C" fn IMA_Something(..) -> IMA_STATUS`
/// in the invoking crate. The body is a block evaluating to `Result<ImaStatus, MyError>`
/// (`MyError: IntoStatus + Display`, typically `From<ArgError>` so that `?` works on the
/// shared checks). Crates wrap this in a local `export!` that fixes `error = ...`.
#[macro_export]
macro_rules! export {
    (
        error = $err:ty;
        $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block
    ) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Pointer arguments must be NULL or valid as docs/ima-notes.md §2 describes for this
        /// call (see the crate documentation).
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $crate::__private::ImaStatus {
            $crate::guard(
                stringify!($name),
                || -> ::core::result::Result<$crate::__private::ImaStatus, $err> { $body },
            )
        }
    };
}
