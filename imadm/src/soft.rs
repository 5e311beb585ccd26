//! The vendor commands of our plugin (`ima-plugin-soft/include/ima_plugin_soft.h`), sent
//! with `IMA_PluginIOCtl`. The structures have the header's layout.

use ima_abi::{ImaBool, IpAddress, Oid};

/// The plugin's vendor name (`IMA_GetPluginProperties`): the commands below are sent only
/// to a plugin that says it is ours.
pub const VENDOR: &str = "iscsi-ima";

/// `IMA_SOFT_IOCTL_LOGIN`: [`TargetArg`] → [`SessionArg`].
pub const LOGIN: u32 = 0x4953_0001;
/// `IMA_SOFT_IOCTL_LOGOUT`: [`TargetArg`] → [`Count`].
pub const LOGOUT: u32 = 0x4953_0002;
/// `IMA_SOFT_IOCTL_GET_AUTO_LOGIN`: [`Count`] (0) → [`AutoLogin`].
pub const GET_AUTO_LOGIN: u32 = 0x4953_0003;
/// `IMA_SOFT_IOCTL_RESCAN`: [`Count`] (0) → [`Rescan`].
pub const RESCAN: u32 = 0x4953_0005;
/// `IMA_SOFT_IOCTL_SESSION_ADDRESSES`: [`SessionArg`] → [`Addresses`].
pub const SESSION_ADDRESSES: u32 = 0x4953_0006;

/// `IMA_SOFT_IOCTL_EXPORT_URI`: [`LuArg`] → [`ExportUri`].
pub const EXPORT_URI: u32 = 0x4953_0007;
/// `IMA_SOFT_URI_LEN`.
pub const URI_LEN: usize = 16384;

/// `IMA_SOFT_LU`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct LuArg {
    /// `luOid`.
    pub lu_oid: Oid,
}

/// `IMA_SOFT_EXPORT_URI`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExportUri {
    /// `uri`: UTF-8, NUL-terminated.
    pub uri: [u8; URI_LEN],
}

impl ExportUri {
    /// An empty buffer.
    pub fn empty() -> Self {
        Self { uri: [0; URI_LEN] }
    }

    /// The URI up to its NUL.
    pub fn text(&self) -> String {
        let end = self.uri.iter().position(|&b| b == 0).unwrap_or(URI_LEN);
        String::from_utf8_lossy(&self.uri[..end]).into_owned()
    }
}

/// `IMA_SOFT_TARGET`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TargetArg {
    /// `targetOid`.
    pub target_oid: Oid,
}

/// `IMA_SOFT_SESSION`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionArg {
    /// `sessionOid`.
    pub session_oid: Oid,
}

/// `IMA_SOFT_COUNT`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Count {
    /// `value`.
    pub value: i64,
}

/// `IMA_SOFT_AUTO_LOGIN`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AutoLogin {
    /// `staticTargets`.
    pub static_targets: ImaBool,
    /// `sendTargets`.
    pub send_targets: ImaBool,
}

/// `IMA_SOFT_RESCAN`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Rescan {
    /// `targets`.
    pub targets: i64,
    /// `sessions`.
    pub sessions: i64,
    /// `loggedIn`.
    pub logged_in: i64,
    /// `loginFailures`.
    pub login_failures: i64,
    /// `discoveryFailures`.
    pub discovery_failures: i64,
}

/// `IMA_SOFT_ADDRESSES`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Addresses {
    /// `localValid`.
    pub local_valid: ImaBool,
    /// `localAddress`.
    pub local_address: IpAddress,
    /// `localPort`.
    pub local_port: u16,
    /// `remoteValid`.
    pub remote_valid: ImaBool,
    /// `remoteAddress`.
    pub remote_address: IpAddress,
    /// `remotePort`.
    pub remote_port: u16,
}

impl Default for Addresses {
    fn default() -> Self {
        Self {
            local_valid: 0,
            local_address: IpAddress::zeroed(),
            local_port: 0,
            remote_valid: 0,
            remote_address: IpAddress::zeroed(),
            remote_port: 0,
        }
    }
}

const _: () = assert!(size_of::<Rescan>() == 40);
const _: () = assert!(size_of::<Addresses>() == 56);
