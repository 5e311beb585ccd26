//! [`EngineConfig`]: where the state lives and the deadlines of every operation.

use std::{path::PathBuf, time::Duration};

/// The state file used when [`STATE_PATH_ENV`] is not set.
pub const DEFAULT_STATE_PATH: &str = "/var/lib/iscsi-ima/hba.json";

/// The environment variable that overrides [`DEFAULT_STATE_PATH`].
pub const STATE_PATH_ENV: &str = "ISCSI_HBA_STATE";

/// The environment variable that sets [`EngineConfig::rescan_interval`] in seconds (`0`:
/// never rescan on a timer).
pub const RESCAN_INTERVAL_ENV: &str = "ISCSI_HBA_RESCAN_INTERVAL";

/// The prefix of generated node names; the sanitised host name follows.
pub const DEFAULT_NAME_PREFIX: &str = "iqn.2026-12.org.iscsi-ima:";

/// Everything an [`crate::Engine`] is started with.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The state file (JSON). Its directory is created on the first write; a sibling
    /// `<state>.lock` file serialises writers.
    pub state_path: PathBuf,
    /// Prefix of the node name generated when the state has none; the sanitised host name
    /// follows. Default [`DEFAULT_NAME_PREFIX`].
    pub name_prefix: String,
    /// TCP connect deadline of each connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Login deadline of each session (discovery or normal). Default 15 s.
    pub login_timeout: Duration,
    /// Deadline of one SCSI command or text request. Default 30 s.
    pub command_timeout: Duration,
    /// Deadline of a logout. Default 5 s.
    pub logout_timeout: Duration,
    /// Deadline of a whole engine operation that talks to targets (one discovery refresh,
    /// one LU scan, one pass-through command, including a login it needs). Default 60 s.
    pub operation_timeout: Duration,
    /// How long a change waits for another process holding the state lock. Default 5 s.
    pub lock_timeout: Duration,
    /// How often the supervisor ([`crate::Engine::supervise`]) runs discovery again on its
    /// own; `None`: only at start, after a configuration change and when a session ends.
    /// Default 300 s.
    pub rescan_interval: Option<Duration>,
}

impl EngineConfig {
    /// Defaults with this state file.
    pub fn new(state_path: impl Into<PathBuf>) -> Self {
        Self {
            state_path: state_path.into(),
            name_prefix: DEFAULT_NAME_PREFIX.to_owned(),
            connect_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(15),
            command_timeout: Duration::from_secs(30),
            logout_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(60),
            lock_timeout: Duration::from_secs(5),
            rescan_interval: Some(Duration::from_secs(300)),
        }
    }

    /// Defaults with the state file named by [`STATE_PATH_ENV`] when it is set and not
    /// empty, else [`DEFAULT_STATE_PATH`], and the rescan interval of
    /// [`RESCAN_INTERVAL_ENV`] when it is a number of seconds (`0`: none; anything else is
    /// ignored with a warning).
    pub fn from_env() -> Self {
        let path = std::env::var_os(STATE_PATH_ENV)
            .filter(|p| !p.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_STATE_PATH), PathBuf::from);
        let mut config = Self::new(path);
        if let Ok(text) = std::env::var(RESCAN_INTERVAL_ENV) {
            match text.trim().parse::<u64>() {
                Ok(0) => config.rescan_interval = None,
                Ok(secs) => config.rescan_interval = Some(Duration::from_secs(secs)),
                Err(_) => {
                    tracing::warn!(value = %text, "{RESCAN_INTERVAL_ENV} is not a number of seconds; ignored")
                }
            }
        }
        config
    }
}
