//! Loaded plugins: the loader, the cached entry-point table and call dispatch.

pub(crate) mod dispatch;
pub(crate) mod loader;
mod lock;
pub(crate) mod table;

use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use ima_abi::ImaStatus;

use self::lock::{ReentrantGuard, ReentrantLock};
use self::table::EntryPoints;
use crate::error::ImaError;

/// `void Terminate(void)`.
pub(crate) type TerminateFn = ima_abi::plugin_api::Terminate;

/// One loaded plugin.
pub(crate) struct Plugin {
    /// ownerId assigned by the library (1..N in configuration order).
    pub(crate) owner_id: u32,
    /// Name from the configuration line.
    pub(crate) name: String,
    /// Path from the configuration line.
    pub(crate) path: PathBuf,
    entry: EntryPoints,
    terminate: Option<TerminateFn>,
    lock: ReentrantLock,
    library: Mutex<Option<libloading::Library>>,
    unloaded: AtomicBool,
}

/// A plugin entered by the current thread: calls into it are serialised while this lives,
/// and its code stays mapped.
pub(crate) struct Session<'a> {
    plugin: &'a Plugin,
    _guard: ReentrantGuard<'a>,
}

impl Plugin {
    /// Whether the plugin exports an entry point (without entering it).
    pub(crate) fn has<F>(&self, pick: impl FnOnce(&EntryPoints) -> Option<F>) -> bool {
        pick(&self.entry).is_some()
    }

    /// Enters the plugin: waits for other threads' calls into it to finish.
    pub(crate) fn enter(&self) -> Result<Session<'_>, ImaError> {
        let guard = self.lock.lock();
        if self.unloaded.load(Ordering::Acquire) {
            return Err(ImaError::PluginUnloaded(self.owner_id));
        }
        Ok(Session {
            plugin: self,
            _guard: guard,
        })
    }

    /// Calls `Terminate` and unloads the plugin, unless another thread is inside it.
    pub(crate) fn unload(&self) {
        let Some(_guard) = self.lock.try_lock() else {
            tracing::warn!(owner = self.owner_id, "plugin busy at exit, left loaded");
            return;
        };
        if self.unloaded.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::debug!(owner = self.owner_id, plugin = %self.name, path = %self.path.display(), "unloading plugin");
        if let Some(terminate) = self.terminate {
            // SAFETY: `Terminate` was resolved from this still-loaded plugin with the
            // prototype `void Terminate(void)` (docs/ima-notes.md §3.2).
            unsafe { terminate() };
        }
        let library = self
            .library
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(library) = library {
            if let Err(error) = library.close() {
                tracing::warn!(owner = self.owner_id, %error, "closing plugin failed");
            }
        }
    }
}

impl Session<'_> {
    /// The plugin entered.
    pub(crate) fn plugin(&self) -> &Plugin {
        self.plugin
    }

    /// An entry point, or [`ImaError::MissingEntryPoint`].
    pub(crate) fn entry<F>(
        &self,
        symbol: &'static str,
        pick: impl FnOnce(&EntryPoints) -> Option<F>,
    ) -> Result<F, ImaError> {
        pick(&self.plugin.entry).ok_or(ImaError::MissingEntryPoint {
            owner: self.plugin.owner_id,
            symbol,
        })
    }

    /// Reads a status the plugin returned.
    pub(crate) fn status(&self, raw: ImaStatus) -> ImaStatus {
        ImaStatus::from_plugin(raw.0)
    }

    /// Releases memory the plugin handed out, with the plugin's own `IMA_FreeMemory`.
    pub(crate) fn free<T>(&self, ptr: *mut T) {
        if ptr.is_null() {
            return;
        }
        match self.plugin.entry.IMA_FreeMemory {
            Some(free) => {
                // SAFETY: `ptr` was returned by this plugin (still loaded while `self` lives)
                // and not freed yet; `IMA_FreeMemory(void *)` is its release function.
                let status = ImaStatus::from_plugin(unsafe { free(ptr.cast::<c_void>()) }.0);
                if status.is_error() {
                    tracing::warn!(owner = self.plugin.owner_id, %status, "plugin IMA_FreeMemory failed");
                }
            }
            None => tracing::warn!(
                owner = self.plugin.owner_id,
                "plugin lacks IMA_FreeMemory, its list is leaked"
            ),
        }
    }
}
