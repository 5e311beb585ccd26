//! What the plugin ABI tests share: the built plugin and its symbols.

use std::path::PathBuf;

/// The built `libima_plugin_soft.so` next to the test executable.
pub(crate) fn plugin_path() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap().to_path_buf();
    [
        deps.join("libima_plugin_soft.so"),
        deps.parent().unwrap().join("libima_plugin_soft.so"),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .expect("libima_plugin_soft.so built next to the test executable")
}

/// The export `name` with the prototype `T`.
pub(crate) fn sym<T: Copy>(lib: &libloading::Library, name: &str) -> T {
    let name = format!("{name}\0");
    // SAFETY: `T` is the plugin_api prototype of this exact name.
    unsafe {
        *lib.get::<T>(name.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}
