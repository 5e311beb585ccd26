//! The property, address and parameter structures of docs/ima-notes.md §1.5.
//!
//! Field names are the C names in snake case, in the C order. Every type has a `zeroed()`
//! constructor; the fixed-size arrays are too large for `Default`.

mod address;
mod auth;
mod discovery;
mod ext;
mod hba;
mod library;
mod params;
mod port;
mod target;

pub use address::*;
pub use auth::*;
pub use discovery::*;
pub use ext::*;
pub use hba::*;
pub use library::*;
pub use params::*;
pub use port::*;
pub use target::*;
