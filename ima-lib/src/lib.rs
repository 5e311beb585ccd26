//! The SNIA iSCSI Management API library, built as `libima.so` (and as an rlib).
//!
//! Applications call the `IMA_*` functions exported by [`exports`]; the library reads its
//! configuration, loads each vendor plugin, routes each call to the plugin that owns the
//! object named in it, aggregates system-wide lists across plugins and fans out events.
//! The C declarations are in `ima-lib/include/ima.h`.
//!
//! # Configuration and environment
//! - Plugins are listed in `/etc/ima.conf` ([`config`] gives the grammar and its bounds);
//!   the environment variable `IMA_CONF` overrides that path.
//! - The shared node's state file is `/var/lib/ima/shared-node`; `IMA_NODE_STATE`
//!   overrides it (policy in [`node`]).
//! - Logging uses `tracing`; the library installs no subscriber.
//!
//! # Plugins
//! Plugins are opened in file order and get ownerIds 1..N (a plugin that fails to open is
//! skipped and takes no ownerId); at most 32 are configured. `Initialize(ownerId)` is called
//! once; every entry point is resolved once and cached; `Terminate()` is called and the
//! plugin unloaded at process exit. Calls into one plugin are serialised (re-entrantly);
//! calls into different plugins and library-local calls run concurrently.
//!
//! # Argument checks and status codes
//! Each export validates its arguments as docs/ima-notes.md §2 lists before routing:
//! NULL pointers and out-of-range enums/booleans → `IMA_ERROR_INVALID_PARAMETER`; an OID type
//! outside `0..=14` → `IMA_ERROR_INVALID_OBJECT_TYPE`; a defined type the call does not accept
//! → `IMA_ERROR_INCORRECT_OBJECT_TYPE`; an ownerId naming no loaded plugin →
//! `IMA_ERROR_OBJECT_NOT_FOUND`. Then the plugin's status is returned unchanged.
//!
//! # Deliberate differences from illumos libima
//! - A plugin lacking an entry point gives `IMA_ERROR_NOT_SUPPORTED` (illumos:
//!   `IMA_ERROR_UNEXPECTED_OS_ERROR`).
//! - System-wide lists (LHBA, PHBA, non-shared node, LNP) call each plugin once; a plugin
//!   lacking the entry point or returning an error is skipped with a log line. The call fails
//!   only if no plugin succeeded and at least one returned an error (that first error).
//! - Every plugin-returned list (including static discovery targets and address keys) is
//!   copied into library memory and the plugin's copy freed with its own `IMA_FreeMemory`.
//! - `IMA_FreeMemory` refuses (INVALID_PARAMETER) pointers it did not hand out or already freed.
//! - Wrong object type is always INCORRECT_OBJECT_TYPE for a defined type (illumos answers
//!   INVALID_OBJECT_TYPE in `IMA_ExposeLu` only), and INVALID_OBJECT_TYPE for undefined ones.
//! - `IMA_GetAssociatedPluginOid` and `IMA_GetObjectType` accept session and connection OIDs;
//!   `IMA_GetObjectType` answers NODE for the shared node.
//! - `IMA_SetNodeAlias` accepts NULL to delete the alias, as the SNIA header documents.
//! - `IMA_AddDiscoveryAddress`/`IMA_AddStaticDiscoveryTarget` accept a NULL OID out-pointer.
//! - The shared node is persisted and pushed to plugins ([`node`]); it reports initiator mode
//!   only.
//! - Client callbacks are registered once per kind with each plugin, delivered from a library
//!   thread with no lock held, and withdrawn at exit ([`callbacks`]). Deregistering an unknown
//!   callback is OBJECT_NOT_FOUND.
//!
//! # Safety
//! Every export is an `unsafe extern "C" fn`: each pointer argument must be NULL or valid for
//! the reads and writes docs/ima-notes.md §2 describes for that call (wide strings
//! NUL-terminated). Nothing unwinds across the ABI: each body runs in one guard that turns a
//! panic into `IMA_ERROR_UNKNOWN_ERROR`.
#![warn(missing_docs)]

pub mod callbacks;
pub mod config;
mod error;
pub mod exports;
mod library;
pub mod node;
mod plugin;

pub use error::ImaError;
