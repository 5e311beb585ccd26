//! The process-wide library instance: configuration, plugins, shared node, callbacks.
//!
//! It is initialised on the first API call (not in a constructor, so a process that links
//! libima but never calls it loads nothing). An `atexit` handler registered then calls each
//! plugin's `Terminate` and unloads it at process exit or when libima itself is unloaded.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use ima_abi::{ObjectType, Oid};

use crate::callbacks::Callbacks;
use crate::config::{CONFIG_PATH_ENV, Config, DEFAULT_CONFIG_PATH};
use crate::error::ImaError;
use crate::node::{self, SharedNode};
use crate::plugin::{Plugin, loader};
use ima_support::check_type;

static LIBRARY: OnceLock<Library> = OnceLock::new();

/// The loaded library state.
pub(crate) struct Library {
    pub(crate) plugins: Vec<Plugin>,
    node: Mutex<SharedNode>,
    pub(crate) callbacks: Callbacks,
    shut_down: AtomicBool,
}

/// The library, initialised on first use.
pub(crate) fn library() -> &'static Library {
    LIBRARY.get_or_init(|| {
        let library = Library::load();
        // SAFETY: `exit_handler` is an `extern "C" fn()` of this object; `atexit` from a
        // shared object is tied to it and runs at exit or when the object is unloaded.
        if unsafe { libc::atexit(exit_handler) } != 0 {
            tracing::warn!("atexit failed: plugins will not be terminated at exit");
        }
        library
    })
}

/// The library if it was initialised (trampolines, exit).
pub(crate) fn try_library() -> Option<&'static Library> {
    LIBRARY
        .get()
        .filter(|l| !l.shut_down.load(Ordering::Acquire))
}

extern "C" fn exit_handler() {
    let _ = std::panic::catch_unwind(|| {
        if let Some(library) = try_library() {
            library.shutdown();
        }
    });
}

impl Library {
    fn load() -> Self {
        let path = std::env::var_os(CONFIG_PATH_ENV)
            .map_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH), PathBuf::from);
        let config = Config::load(&path).unwrap_or_else(|error| {
            tracing::info!(path = %path.display(), %error, "no IMA configuration, no plugins");
            Config::default()
        });
        for error in &config.errors {
            tracing::warn!(path = %path.display(), %error, "ima.conf line ignored");
        }
        let plugins = loader::load_all(&config.plugins);
        let node = SharedNode::init(&config, node::state_path());
        node::sync_plugins(&plugins, &node.name);
        Self {
            plugins,
            node: Mutex::new(node),
            callbacks: Callbacks::default(),
            shut_down: AtomicBool::new(false),
        }
    }

    /// The plugin with this ownerId.
    pub(crate) fn plugin(&self, owner_id: u32) -> Result<&Plugin, ImaError> {
        owner_id
            .checked_sub(1)
            .and_then(|i| self.plugins.get(i as usize))
            .ok_or(ImaError::UnknownOwner(owner_id))
    }

    /// Validates the OID's type, then finds its owner (docs/ima-notes.md §3.3).
    pub(crate) fn route(&self, oid: Oid, allowed: &[ObjectType]) -> Result<&Plugin, ImaError> {
        check_type(oid.object_type, allowed)?;
        self.plugin(oid.owner_id)
    }

    /// The shared node, locked. Never held while calling a plugin or client code.
    pub(crate) fn node(&self) -> MutexGuard<'_, SharedNode> {
        // The node is replaced whole (`SharedNode::set_*`), never left half-updated.
        self.node.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return;
        }
        self.callbacks.shutdown(&self.plugins);
        for plugin in self.plugins.iter().rev() {
            plugin.unload();
        }
    }
}
