//! Atomic replacement of a small state file: the contents are written to a temporary file in
//! the same directory, which is then renamed over the target, so readers see either the old
//! or the new contents, never a partial file.

use std::path::Path;

/// Writes `contents` to `path` atomically, creating missing parent directories. The
/// temporary file is `<path>.tmp<pid>` and is removed again if the rename fails.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)?;
        }
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_creates_directories() {
        let dir = std::env::temp_dir().join(format!("ima-statefile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("a/b/state");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        assert!(write_atomic(Path::new("/proc/ima-cannot-write/state"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
