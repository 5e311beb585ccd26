//! `/etc/ima.conf`: which plugins to load, plus this library's two node directives.
//!
//! # Grammar (docs/ima-notes.md §3.1, with bounds)
//!
//! One entry per line: `<plugin name><TAB or SPACE><plugin path>`.
//! - A line is split at its first TAB or, if it has none, at its first space; spaces and
//!   TABs after the separator are skipped and the rest of the line is the path.
//! - Lines that are empty, start with `#`, or hold only whitespace are skipped.
//! - Differences from illumos libima, all deliberate: a trailing `\r` and trailing
//!   spaces/TABs are stripped from the path (and trailing blanks from a name); lines longer than [`MAX_LINE_BYTES`], names longer
//!   than [`MAX_NAME_BYTES`] and paths longer than [`MAX_PATH_BYTES`] are rejected (illumos
//!   overflows its buffers); at most [`IMA_MAX_NUM_PLUGINS`] plugin lines are accepted; at
//!   most [`MAX_CONFIG_BYTES`] of the file are read, and of a larger file only the whole
//!   lines within them are used.
//! - A name starting with `@` is a directive of this library, not a plugin:
//!   `@node-name <iSCSI name>` and `@node-alias <alias>` configure the shared node
//!   (see `crate::node`). A library that does not know them (illumos) tries to load the value
//!   as a plugin path, fails, and skips the line, so the file stays portable.
//!
//! Every rejected line is reported as a [`ConfigError`] with its line number and logged; it
//! never stops the other lines from loading.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use ima_abi::IMA_MAX_NUM_PLUGINS;

/// Default configuration path.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/ima.conf";
/// Environment variable that overrides [`DEFAULT_CONFIG_PATH`].
pub const CONFIG_PATH_ENV: &str = "IMA_CONF";
/// Longest accepted line, newline excluded (illumos reads with a 512-byte buffer).
pub const MAX_LINE_BYTES: usize = 511;
/// Longest plugin name (illumos stores it in 64 bytes with its NUL).
pub const MAX_NAME_BYTES: usize = 63;
/// Longest plugin path (illumos stores it in 256 bytes with its NUL).
pub const MAX_PATH_BYTES: usize = 255;
/// Bytes of the file read at most; the rest is ignored with an error.
pub const MAX_CONFIG_BYTES: usize = 64 * 1024;
/// Longest shared-node name (`IMA_NODE_NAME_LEN` - 1).
pub const MAX_NODE_NAME_CHARS: usize = 223;
/// Longest shared-node alias (`IMA_NODE_ALIAS_LEN` - 1).
pub const MAX_NODE_ALIAS_CHARS: usize = 255;

/// A rejected configuration line (1-based line numbers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The line exceeds [`MAX_LINE_BYTES`].
    #[error("line {line}: longer than {MAX_LINE_BYTES} bytes")]
    LineTooLong {
        /// Line number.
        line: usize,
    },
    /// No TAB or space separates a name from a path.
    #[error("line {line}: no separator between name and path")]
    MissingSeparator {
        /// Line number.
        line: usize,
    },
    /// The name before the separator is empty.
    #[error("line {line}: empty plugin name")]
    EmptyName {
        /// Line number.
        line: usize,
    },
    /// Nothing follows the separator.
    #[error("line {line}: empty plugin path")]
    EmptyPath {
        /// Line number.
        line: usize,
    },
    /// The plugin name is not UTF-8 (it is shown to clients as a wide string).
    #[error("line {line}: plugin name is not UTF-8")]
    NameNotUtf8 {
        /// Line number.
        line: usize,
    },
    /// The name exceeds [`MAX_NAME_BYTES`].
    #[error("line {line}: plugin name of {len} bytes exceeds {MAX_NAME_BYTES}")]
    NameTooLong {
        /// Line number.
        line: usize,
        /// Its length.
        len: usize,
    },
    /// The path exceeds [`MAX_PATH_BYTES`].
    #[error("line {line}: plugin path of {len} bytes exceeds {MAX_PATH_BYTES}")]
    PathTooLong {
        /// Line number.
        line: usize,
        /// Its length.
        len: usize,
    },
    /// [`IMA_MAX_NUM_PLUGINS`] plugin lines were already accepted.
    #[error("line {line}: more than {IMA_MAX_NUM_PLUGINS} plugins configured")]
    TooManyPlugins {
        /// Line number.
        line: usize,
    },
    /// A `@` directive this library does not know, or a bad directive value.
    #[error("line {line}: invalid directive")]
    BadDirective {
        /// Line number.
        line: usize,
    },
    /// The file is larger than [`MAX_CONFIG_BYTES`]; the rest, and the line the limit cuts,
    /// were ignored.
    #[error("file larger than {MAX_CONFIG_BYTES} bytes, the rest is ignored")]
    FileTooLarge,
}

/// One plugin line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginEntry {
    /// The plugin's name (vendor's reversed domain by convention).
    pub name: String,
    /// Path of the shared object.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
}

/// The parsed configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Accepted plugin lines in file order.
    pub plugins: Vec<PluginEntry>,
    /// `@node-name`, if configured.
    pub node_name: Option<String>,
    /// `@node-alias`, if configured.
    pub node_alias: Option<String>,
    /// Rejected lines.
    pub errors: Vec<ConfigError>,
}

impl Config {
    /// Reads and parses a configuration file (the whole lines within its first
    /// [`MAX_CONFIG_BYTES`]).
    ///
    /// # Errors
    /// Only I/O errors opening or reading the file; bad lines are in [`Config::errors`].
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)?
            .take(MAX_CONFIG_BYTES as u64 + 1)
            .read_to_end(&mut bytes)?;
        let too_large = bytes.len() > MAX_CONFIG_BYTES;
        if too_large {
            // Never parse the line the limit cuts: `/usr/lib/libfoo.so.1` cut to
            // `/usr/lib/libfoo.so` would be loaded. The extra byte read tells whether the
            // limit falls just before a newline, i.e. whether the last line is whole.
            let end = bytes.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            bytes.truncate(end);
        }
        let mut config = Self::parse(&bytes);
        if too_large {
            config.errors.push(ConfigError::FileTooLarge);
        }
        Ok(config)
    }

    /// Parses configuration text.
    pub fn decode(text: &[u8]) -> Self {
        Self::parse(text)
    }

    fn parse(text: &[u8]) -> Self {
        let mut config = Self::default();
        for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
            let line = index + 1;
            if let Err(error) = config.parse_line(raw, line) {
                config.errors.push(error);
            }
        }
        config
    }

    fn parse_line(&mut self, raw: &[u8], line: usize) -> Result<(), ConfigError> {
        if raw.len() > MAX_LINE_BYTES {
            return Err(ConfigError::LineTooLong { line });
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.first().is_none_or(|&b| b == b'#') || raw.iter().all(|b| is_blank(*b)) {
            return Ok(());
        }
        let split = raw
            .iter()
            .position(|&b| b == b'\t')
            .or_else(|| raw.iter().position(|&b| b == b' '))
            .ok_or(ConfigError::MissingSeparator { line })?;
        let name = &raw[..split];
        let name = &name[..name
            .iter()
            .rposition(|b| !is_blank(*b))
            .map_or(0, |i| i + 1)];
        let rest = &raw[split + 1..];
        let start = rest
            .iter()
            .position(|b| !is_blank(*b))
            .unwrap_or(rest.len());
        let end = rest
            .iter()
            .rposition(|b| !is_blank(*b))
            .map_or(start, |i| i + 1);
        let value = &rest[start..end.max(start)];
        if name.is_empty() {
            return Err(ConfigError::EmptyName { line });
        }
        if value.is_empty() {
            return Err(ConfigError::EmptyPath { line });
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(ConfigError::NameTooLong {
                line,
                len: name.len(),
            });
        }
        if let Some(directive) = name.strip_prefix(b"@") {
            return self.directive(directive, value, line);
        }
        if value.len() > MAX_PATH_BYTES {
            return Err(ConfigError::PathTooLong {
                line,
                len: value.len(),
            });
        }
        if self.plugins.len() >= IMA_MAX_NUM_PLUGINS {
            return Err(ConfigError::TooManyPlugins { line });
        }
        self.plugins.push(PluginEntry {
            // Found by the ima_conf fuzzer: a lossy conversion grows each invalid byte to
            // three, past MAX_NAME_BYTES; such a name is refused instead.
            name: std::str::from_utf8(name)
                .map_err(|_| ConfigError::NameNotUtf8 { line })?
                .to_owned(),
            path: PathBuf::from(OsStr::from_bytes(value)),
            line,
        });
        Ok(())
    }

    fn directive(
        &mut self,
        directive: &[u8],
        value: &[u8],
        line: usize,
    ) -> Result<(), ConfigError> {
        let bad = ConfigError::BadDirective { line };
        let value = std::str::from_utf8(value).map_err(|_| bad.clone())?;
        let chars = value.chars().count();
        match directive {
            b"node-name" if chars <= MAX_NODE_NAME_CHARS => self.node_name = Some(value.to_owned()),
            b"node-alias" if chars <= MAX_NODE_ALIAS_CHARS => {
                self.node_alias = Some(value.to_owned());
            }
            _ => return Err(bad),
        }
        Ok(())
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Fuzz entry (`fuzz/fuzz_targets/ima_conf.rs`), also run over the seed corpus by a unit
/// test. Property: whatever the bytes, the result stays within the grammar's bounds: at most
/// [`IMA_MAX_NUM_PLUGINS`] plugins, names and paths within their limits and non-empty,
/// plugin line numbers within the file, and every rejected line is reported.
#[doc(hidden)]
pub fn fuzz_decode(data: &[u8]) {
    let config = Config::decode(data);
    let lines = data.split(|&b| b == b'\n').count();
    assert!(config.plugins.len() <= IMA_MAX_NUM_PLUGINS);
    for p in &config.plugins {
        assert!(
            !p.name.is_empty() && p.name.len() <= MAX_NAME_BYTES,
            "{p:?}"
        );
        let path = p.path.as_os_str().len();
        assert!(path > 0 && path <= MAX_PATH_BYTES, "{p:?}");
        assert!(p.line >= 1 && p.line <= lines, "{p:?}");
    }
    assert!(config.errors.len() <= lines + 1);
}

#[cfg(test)]
mod fuzz_corpus {
    /// Replays `fuzz/corpus/ima_conf/*` through the fuzz entry.
    #[test]
    fn corpus_replay() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/ima_conf");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("corpus").flatten() {
            super::fuzz_decode(&std::fs::read(entry.path()).expect("read"));
            n += 1;
        }
        assert!(n > 0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn non_utf8_plugin_name_is_refused() {
        let text = b"Soft\xff\xfe\xfd /usr/lib/x.so\ngood /usr/lib/y.so\n";
        let config = Config::decode(text);
        assert_eq!(config.plugins.len(), 1);
        assert_eq!(config.plugins[0].name, "good");
        assert_eq!(config.errors, vec![ConfigError::NameNotUtf8 { line: 1 }]);
    }

    use super::*;

    #[test]
    fn illumos_default_file() {
        let text = b"#\n# comment\ncom.sun.ima\t/usr/lib/libsun_ima.so.1\ncom.sun.ima64 \t /usr/lib/64/libsun_ima.so.1 \r\n\n";
        let config = Config::decode(text);
        assert_eq!(config.errors, vec![]);
        assert_eq!(config.plugins.len(), 2);
        assert_eq!(config.plugins[0].name, "com.sun.ima");
        assert_eq!(
            config.plugins[0].path,
            Path::new("/usr/lib/libsun_ima.so.1")
        );
        assert_eq!(config.plugins[0].line, 3);
        assert_eq!(config.plugins[1].name, "com.sun.ima64");
        assert_eq!(
            config.plugins[1].path,
            Path::new("/usr/lib/64/libsun_ima.so.1")
        );
    }

    #[test]
    fn tab_wins_over_space_and_path_keeps_inner_spaces() {
        let config = Config::decode(b"a b\t/opt/my plugins/x.so\n");
        assert_eq!(config.plugins[0].name, "a b");
        assert_eq!(config.plugins[0].path, Path::new("/opt/my plugins/x.so"));
    }

    #[test]
    fn malformed_lines() {
        let long_line = [b"x ".as_slice(), &[b'p'; MAX_LINE_BYTES]].concat();
        let long_name = [&[b'n'; MAX_NAME_BYTES + 1][..], b" /p"].concat();
        let long_path = [b"n ".as_slice(), &[b'p'; MAX_PATH_BYTES + 1]].concat();
        let text = [
            b"noseparator".as_slice(),
            b" /leading/space",
            b"name   ",
            &long_line,
            &long_name,
            &long_path,
            b"@bogus x",
            b"@node-name iqn.2025-01.invalid.test:node",
            b"@node-alias my alias",
            b"   ",
            b"ok /ok.so",
        ]
        .join(&b'\n');
        let config = Config::decode(&text);
        assert_eq!(
            config.errors,
            vec![
                ConfigError::MissingSeparator { line: 1 },
                ConfigError::EmptyName { line: 2 },
                ConfigError::EmptyPath { line: 3 },
                ConfigError::LineTooLong { line: 4 },
                ConfigError::NameTooLong { line: 5, len: 64 },
                ConfigError::PathTooLong { line: 6, len: 256 },
                ConfigError::BadDirective { line: 7 },
            ]
        );
        assert_eq!(
            config.node_name.as_deref(),
            Some("iqn.2025-01.invalid.test:node")
        );
        assert_eq!(config.node_alias.as_deref(), Some("my alias"));
        assert_eq!(config.plugins.len(), 1);
        assert_eq!(config.plugins[0].line, 11);
    }

    #[test]
    fn limits_exactly_at_bounds_are_accepted() {
        let name = vec![b'n'; MAX_NAME_BYTES];
        let path = vec![b'p'; MAX_PATH_BYTES];
        let text = [name.as_slice(), b"\t", &path].concat();
        let config = Config::decode(&text);
        assert_eq!(config.errors, vec![]);
        assert_eq!(config.plugins[0].path.as_os_str().len(), MAX_PATH_BYTES);
    }

    #[test]
    fn plugin_count_limit() {
        let text: String = (0..IMA_MAX_NUM_PLUGINS + 2)
            .map(|i| format!("p{i} /lib{i}.so\n"))
            .collect();
        let config = Config::decode(text.as_bytes());
        assert_eq!(config.plugins.len(), IMA_MAX_NUM_PLUGINS);
        assert_eq!(
            config.errors,
            vec![
                ConfigError::TooManyPlugins {
                    line: IMA_MAX_NUM_PLUGINS + 1
                },
                ConfigError::TooManyPlugins {
                    line: IMA_MAX_NUM_PLUGINS + 2
                },
            ]
        );
    }

    #[test]
    fn oversized_file_is_truncated() {
        let dir = std::env::temp_dir().join(format!("ima-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ima.conf");
        let mut text = b"first /first.so\n".to_vec();
        text.resize(MAX_CONFIG_BYTES + 100, b'#');
        std::fs::write(&path, &text).unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.plugins.len(), 1);
        assert!(config.errors.contains(&ConfigError::FileTooLarge));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file of more than [`MAX_CONFIG_BYTES`] whose line `cut /usr/lib/libfoo.so.1` has
    /// `keep` of its bytes (newline included) within the limit, followed by one more plugin.
    fn oversized_with_line_cut_after(keep: usize) -> Vec<u8> {
        let line = b"cut /usr/lib/libfoo.so.1\n";
        let mut text = b"first /first.so\n".to_vec();
        // Short comment lines up to where `line` must start.
        while text.len() + keep < MAX_CONFIG_BYTES {
            let chunk = (MAX_CONFIG_BYTES - keep - text.len()).min(64);
            text.extend(std::iter::repeat_n(b'#', chunk - 1));
            text.push(b'\n');
        }
        assert_eq!(text.len() + keep, MAX_CONFIG_BYTES);
        text.extend_from_slice(line);
        text.extend_from_slice(b"after /after.so\n");
        text
    }

    fn load_text(name: &str, text: &[u8]) -> Config {
        let dir = std::env::temp_dir().join(format!("ima-config-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ima.conf");
        std::fs::write(&path, text).unwrap();
        let config = Config::load(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        config
    }

    #[test]
    fn oversized_file_drops_the_line_cut_by_the_limit() {
        let keep = b"cut /usr/lib/libfoo.so".len();
        let text = oversized_with_line_cut_after(keep);
        assert!(text[..MAX_CONFIG_BYTES].ends_with(b"cut /usr/lib/libfoo.so"));
        let config = load_text("cut", &text);
        let names: Vec<&str> = config.plugins.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["first"], "the cut line is not an entry: {config:?}");
        assert_eq!(config.errors, vec![ConfigError::FileTooLarge]);
    }

    #[test]
    fn oversized_file_keeps_a_line_ending_at_the_limit() {
        // The limit falls just before the line's newline: the line is whole.
        let keep = b"cut /usr/lib/libfoo.so.1".len();
        let config = load_text("whole", &oversized_with_line_cut_after(keep));
        let paths: Vec<&Path> = config.plugins.iter().map(|p| p.path.as_path()).collect();
        assert_eq!(
            paths,
            [Path::new("/first.so"), Path::new("/usr/lib/libfoo.so.1")]
        );
        assert_eq!(config.errors, vec![ConfigError::FileTooLarge]);
    }
}
