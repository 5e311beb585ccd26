//! Finding `libima.so` and `libima_plugin_soft.so`: next to the imadm executable, in its
//! `deps/` directory (where cargo puts the cdylibs of imadm's dependencies), or in `../lib`
//! (where `scripts/install.sh` puts them: `PREFIX/bin/imadm`, `PREFIX/lib/libima.so`).

use std::path::{Path, PathBuf};

use crate::error::LoadError;

/// The IMA library's file name.
pub const LIBIMA: &str = "libima.so";
/// Our plugin's file name.
pub const PLUGIN: &str = "libima_plugin_soft.so";

/// `name` next to the executable, in its `deps/` directory or in `../lib`; when several exist, the newer
/// (cargo leaves an older copy beside the executable when the package was last built on
/// its own, and builds the current one into `deps/` as a dependency of imadm).
pub fn beside_exe(name: &str) -> Result<PathBuf, LoadError> {
    let mut looked = Vec::new();
    let mut found: Option<(std::time::SystemTime, PathBuf)> = None;
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        let installed = dir.parent().map(|prefix| prefix.join("lib").join(name));
        for candidate in [dir.join(name), dir.join("deps").join(name)]
            .into_iter()
            .chain(installed)
        {
            if let Some(meta) = std::fs::metadata(&candidate)
                .ok()
                .filter(std::fs::Metadata::is_file)
            {
                let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                if found.as_ref().is_none_or(|(t, _)| modified > *t) {
                    found = Some((modified, candidate.clone()));
                }
            }
            looked.push(candidate);
        }
    }
    found
        .map(|(_, path)| path)
        .ok_or(LoadError::NotFound { looked })
}

/// The library to load: `explicit` (from `--lib` or `IMA_LIB`) or the one beside imadm.
pub fn library(explicit: Option<&Path>) -> Result<PathBuf, LoadError> {
    match explicit {
        Some(path) => Ok(path.to_path_buf()),
        None => beside_exe(LIBIMA),
    }
}
