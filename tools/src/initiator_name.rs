//! One initiator name for every tool.
//!
//! In order: `-i/--initiator-name`; the environment variable [`ENV`]; the
//! `InitiatorName=` line of [`ETC_FILE`] (open-iscsi's, when present); the node name in the
//! IMA HBA's state file (`ISCSI_HBA_STATE`, default `/var/lib/iscsi-ima/hba.json`, read as
//! JSON without linking the HBA engine); else a name generated once and kept in
//! `$XDG_STATE_HOME/iscsi-ima/initiatorname` (`~/.local/state/iscsi-ima/initiatorname`
//! without `XDG_STATE_HOME`).

use std::{
    io,
    path::{Path, PathBuf},
};

/// The environment variable naming the initiator.
pub const ENV: &str = "ISCSI_INITIATOR_NAME";
/// open-iscsi's initiator name file.
pub const ETC_FILE: &str = "/etc/iscsi/initiatorname.iscsi";
/// The IMA HBA state file when `ISCSI_HBA_STATE` is not set (as `iscsi-hba`'s).
pub const HBA_STATE_FILE: &str = "/var/lib/iscsi-ima/hba.json";
/// The environment variable that moves the HBA state file (as `iscsi-hba`'s).
pub const HBA_STATE_ENV: &str = "ISCSI_HBA_STATE";
/// The prefix of a generated name; a random hex suffix follows.
pub const GENERATED_PREFIX: &str = "iqn.2026-12.org.iscsi-ima:tools-";

/// Where the name may come from. [`Sources::process`] is the real machine; tests build
/// their own with temporary paths.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// The value of [`ENV`].
    pub env: Option<String>,
    /// open-iscsi's file ([`ETC_FILE`]).
    pub etc_file: PathBuf,
    /// The HBA state file.
    pub hba_state: PathBuf,
    /// Where a generated name is kept; `None` when neither `XDG_STATE_HOME` nor `HOME` is set.
    pub generated: Option<PathBuf>,
}

impl Sources {
    /// The process's environment and the standard paths.
    pub fn process() -> Self {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        let state_home = var("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|home| Path::new(&home).join(".local/state")));
        Self {
            env: std::env::var(ENV).ok().filter(|v| !v.is_empty()),
            etc_file: PathBuf::from(ETC_FILE),
            hba_state: var(HBA_STATE_ENV)
                .map_or_else(|| PathBuf::from(HBA_STATE_FILE), PathBuf::from),
            generated: state_home.map(|dir| dir.join("iscsi-ima/initiatorname")),
        }
    }
}

/// The initiator name: `cli` when given, else the first of the module's sources.
///
/// # Errors
///
/// When a name must be generated and cannot be kept (no state directory, or it cannot be
/// written).
pub fn resolve(cli: Option<&str>) -> io::Result<String> {
    resolve_from(cli, &Sources::process())
}

/// [`resolve`] with explicit sources.
///
/// # Errors
///
/// As [`resolve`].
pub fn resolve_from(cli: Option<&str>, sources: &Sources) -> io::Result<String> {
    if let Some(name) = cli.filter(|n| !n.is_empty()) {
        return Ok(name.to_owned());
    }
    if let Some(name) = &sources.env {
        return Ok(name.clone());
    }
    if let Some(name) = read_etc(&sources.etc_file) {
        return Ok(name);
    }
    if let Some(name) = read_hba_state(&sources.hba_state) {
        return Ok(name);
    }
    let Some(path) = &sources.generated else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no initiator name: give -i or ISCSI_INITIATOR_NAME (no XDG_STATE_HOME or HOME to \
             keep a generated one in)",
        ));
    };
    if let Some(name) = read_kept(path) {
        return Ok(name);
    }
    generate_and_keep(path)
}

/// The `InitiatorName=` value of an open-iscsi file (comments and blank lines skipped).
fn read_etc(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix("InitiatorName="))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

/// The `node.name` of the HBA state file, if it has one.
fn read_hba_state(path: &Path) -> Option<String> {
    // The state file is small; a huge one is not ours and is not read.
    const MAX_STATE: u64 = 16 << 20;
    if std::fs::metadata(path).ok()?.len() > MAX_STATE {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    doc.get("node")?
        .get("name")?
        .as_str()
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

/// A name kept by an earlier run.
fn read_kept(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let name = text.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Generates a name, writes it to `path` (creating the directory) and returns it. Two runs
/// racing write through a temporary file and a rename; the loser reads the winner's.
fn generate_and_keep(path: &Path) -> io::Result<String> {
    let mut random = [0u8; 6];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| io::Read::read_exact(&mut f, &mut random))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{GENERATED_PREFIX}{suffix}");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, format!("{name}\n"))?;
    // hard_link fails when the file exists: another run kept its name first.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(name),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            read_kept(path).ok_or_else(|| io::Error::other(format!("{} is empty", path.display())))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("iscsi-tools-name-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_order_is_flag_env_etc_hba_generated() {
        let dir = temp("order");
        let etc = dir.join("initiatorname.iscsi");
        let hba = dir.join("hba.json");
        let kept = dir.join("state/iscsi-ima/initiatorname");
        let mut sources = Sources {
            env: Some("iqn.env".into()),
            etc_file: etc.clone(),
            hba_state: hba.clone(),
            generated: Some(kept.clone()),
        };
        std::fs::write(&etc, "## comment\n\nInitiatorName=iqn.etc\n").unwrap();
        std::fs::write(&hba, r#"{"version":1,"node":{"name":"iqn.hba"}}"#).unwrap();

        assert_eq!(resolve_from(Some("iqn.cli"), &sources).unwrap(), "iqn.cli");
        assert_eq!(resolve_from(None, &sources).unwrap(), "iqn.env");
        sources.env = None;
        assert_eq!(resolve_from(None, &sources).unwrap(), "iqn.etc");
        std::fs::remove_file(&etc).unwrap();
        assert_eq!(resolve_from(None, &sources).unwrap(), "iqn.hba");
        std::fs::write(&hba, r#"{"node":{"name":null}}"#).unwrap();
        let generated = resolve_from(None, &sources).unwrap();
        assert!(generated.starts_with(GENERATED_PREFIX), "{generated}");
        // Kept: the next run gets the same name.
        assert_eq!(resolve_from(None, &sources).unwrap(), generated);
        assert_eq!(std::fs::read_to_string(&kept).unwrap().trim(), generated);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unusable_sources_are_skipped() {
        let dir = temp("skip");
        let etc = dir.join("etc");
        let hba = dir.join("hba.json");
        std::fs::write(&etc, "InitiatorName=\n").unwrap();
        std::fs::write(&hba, "not json").unwrap();
        let sources = Sources {
            env: None,
            etc_file: etc,
            hba_state: hba,
            generated: None,
        };
        assert!(resolve_from(None, &sources).is_err());
        assert_eq!(resolve_from(Some("iqn.x"), &sources).unwrap(), "iqn.x");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
