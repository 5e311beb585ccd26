//! Opening plugins (libloading), assigning ownerIds and calling `Initialize`.

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use ima_abi::ImaStatus;

use super::lock::ReentrantLock;
use super::table::EntryPoints;
use super::{Plugin, TerminateFn};
use crate::config::PluginEntry;

/// `IMA_STATUS Initialize(IMA_UINT32 ownerId)`.
type InitializeFn = ima_abi::plugin_api::Initialize;

/// Looks up a symbol and copies the function pointer out of it.
///
/// `name` must end in NUL. The pointer is valid while the library stays loaded; the library
/// unloads a plugin only under its lock, after marking it unloaded (`Plugin::unload`).
pub(crate) fn symbol<T: Copy>(library: &libloading::Library, name: &str) -> Option<T> {
    // SAFETY: `T` is the function-pointer type of the IMA prototype with this exact name
    // (docs/ima-notes.md §2, §3.2). A plugin exporting the name with another signature breaks
    // the plugin ABI, which no loader can check.
    unsafe { library.get::<T>(name.as_bytes()) }
        .ok()
        .map(|s| *s)
}

/// Loads the configured plugins in order. A plugin that fails to open is skipped with a log
/// line and takes no ownerId, so loaded plugins get ownerIds 1..N in file order.
pub(crate) fn load_all(entries: &[PluginEntry]) -> Vec<Plugin> {
    let mut plugins = Vec::with_capacity(entries.len());
    for entry in entries {
        // SAFETY: opening a shared object runs its initialisers; loading the plugins the
        // administrator configured is the purpose of ima.conf, as in every IMA library.
        let library = match unsafe { libloading::Library::new(&entry.path) } {
            Ok(library) => library,
            Err(error) => {
                tracing::warn!(plugin = %entry.name, path = %entry.path.display(), %error, "cannot load plugin, skipped");
                continue;
            }
        };
        let Ok(owner_id) = u32::try_from(plugins.len() + 1) else {
            break;
        };
        let entry_points = EntryPoints::resolve(&library);
        let missing = entry_points.missing();
        tracing::info!(
            plugin = %entry.name,
            owner = owner_id,
            resolved = EntryPoints::COUNT - missing.len(),
            "plugin loaded"
        );
        tracing::debug!(owner = owner_id, ?missing, "entry points not exported");
        let initialize: Option<InitializeFn> = symbol(&library, "Initialize\0");
        let terminate: Option<TerminateFn> = symbol(&library, "Terminate\0");
        if let Some(initialize) = initialize {
            // SAFETY: resolved from the loaded plugin with the prototype of docs/ima-notes.md
            // §3.2; nothing else can be inside the plugin yet.
            let status = ImaStatus::from_plugin(unsafe { initialize(owner_id) }.0);
            if status.is_error() {
                // illumos ignores this status; we keep the plugin too, but say so.
                tracing::warn!(owner = owner_id, %status, "plugin Initialize failed");
            }
        }
        plugins.push(Plugin {
            owner_id,
            name: entry.name.clone(),
            path: entry.path.clone(),
            entry: entry_points,
            terminate,
            lock: ReentrantLock::default(),
            library: Mutex::new(Some(library)),
            unloaded: AtomicBool::new(false),
        });
    }
    plugins
}
