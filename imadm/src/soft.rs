//! The vendor commands of our plugin (`ima-plugin-soft/include/ima_plugin_soft.h`), sent
//! with `IMA_PluginIOCtl`: the plugin's own definitions ([`ima_plugin_soft::ioctl`]), so
//! the two ends cannot disagree on a layout.

pub use ima_plugin_soft::ioctl::{
    Addresses, AutoLoginArg as AutoLogin, Count, EXPORT_URI, ExportUri, GET_AUTO_LOGIN, LOGIN,
    LOGOUT, LuArg, RESCAN, Rescan, SESSION_ADDRESSES, SessionArg, TargetArg,
};

/// The plugin's vendor name (`IMA_GetPluginProperties`): the commands are sent only to a
/// plugin that says it is ours.
pub const VENDOR: &str = "iscsi-ima";
