//! The plugin's vendor commands (`IMA_PluginIOCtl`), as published to C programs in
//! `include/ima_plugin_soft.h`: explicit login and logout, the automatic login switches, a
//! rescan that waits, a session's socket addresses, and an exposed LU's NBD URI. The structures here have the
//! header's layout; the sizes are checked exactly on input and as a minimum on output.

use std::ffi::c_void;

use ima_abi::{IMA_FALSE, IMA_TRUE, ImaBool, ImaStatus, ImaUint, IpAddress, ObjectType, Oid};
use ima_support::check_bool;

use crate::backend::{AutoLogin, Backend, ObjectRef};
use crate::error::PluginError;
use crate::exports::{enter, ima_bool, ip_to_c, oid_of};

type Result<T> = std::result::Result<T, PluginError>;

/// `IMA_SOFT_IOCTL_LOGIN`: in [`TargetArg`], out [`SessionArg`].
pub const LOGIN: ImaUint = 0x4953_0001;
/// `IMA_SOFT_IOCTL_LOGOUT`: in [`TargetArg`], out [`Count`].
pub const LOGOUT: ImaUint = 0x4953_0002;
/// `IMA_SOFT_IOCTL_GET_AUTO_LOGIN`: in [`Count`] (0), out [`AutoLoginArg`].
pub const GET_AUTO_LOGIN: ImaUint = 0x4953_0003;
/// `IMA_SOFT_IOCTL_SET_AUTO_LOGIN`: in [`AutoLoginArg`], out [`Count`] (0).
pub const SET_AUTO_LOGIN: ImaUint = 0x4953_0004;
/// `IMA_SOFT_IOCTL_RESCAN`: in [`Count`] (0), out [`Rescan`].
pub const RESCAN: ImaUint = 0x4953_0005;
/// `IMA_SOFT_IOCTL_SESSION_ADDRESSES`: in [`SessionArg`], out [`Addresses`].
pub const SESSION_ADDRESSES: ImaUint = 0x4953_0006;
/// `IMA_SOFT_IOCTL_EXPORT_URI`: in [`LuArg`], out [`ExportUri`].
pub const EXPORT_URI: ImaUint = 0x4953_0007;
/// `IMA_SOFT_URI_LEN`: the URI buffer, NUL included.
pub const URI_LEN: usize = 16384;

/// `IMA_SOFT_LU`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
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
pub struct AutoLoginArg {
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
            local_valid: IMA_FALSE,
            local_address: IpAddress::zeroed(),
            local_port: 0,
            remote_valid: IMA_FALSE,
            remote_address: IpAddress::zeroed(),
            remote_port: 0,
        }
    }
}

// The header's layouts on LP64 (`include/ima_plugin_soft.h`).
const _: () = assert!(size_of::<TargetArg>() == 16);
const _: () = assert!(size_of::<Count>() == 8);
const _: () = assert!(size_of::<AutoLoginArg>() == 8);
const _: () = assert!(size_of::<Rescan>() == 40);
const _: () = assert!(size_of::<Addresses>() == 56);
const _: () = assert!(size_of::<LuArg>() == 16);
const _: () = assert!(size_of::<ExportUri>() == URI_LEN);

impl ExportUri {
    /// An empty (all NUL) buffer.
    pub fn empty() -> Self {
        Self { uri: [0; URI_LEN] }
    }

    /// The URI up to its NUL.
    pub fn text(&self) -> String {
        let end = self.uri.iter().position(|&b| b == 0).unwrap_or(URI_LEN);
        String::from_utf8_lossy(&self.uri[..end]).into_owned()
    }
}

fn invalid(what: &'static str) -> PluginError {
    ima_support::ArgError::InvalidArgument(what).into()
}

/// The input structure, when the buffer is exactly its size.
///
/// # Safety
/// `input` must be readable for `len` bytes.
unsafe fn input<T: Copy>(input: *const c_void, len: ImaUint) -> Result<T> {
    if usize::try_from(len).ok() != Some(size_of::<T>()) {
        return Err(invalid("inputBufferLength"));
    }
    // SAFETY: readable for `len` = size_of::<T>() bytes by the caller's contract; every
    // bit pattern is a valid `T` (integers and OIDs; booleans are checked after).
    Ok(unsafe { input.cast::<T>().read_unaligned() })
}

/// Writes the output structure when the buffer can hold it, and its size.
///
/// # Safety
/// `output` must be writable for `*len` bytes and `len` readable and writable.
unsafe fn output<T: Copy>(output: *mut c_void, len: *mut ImaUint, value: T) -> Result<ImaStatus> {
    // SAFETY: forwarded caller contract.
    let room = unsafe { len.read() };
    let size = size_of::<T>() as ImaUint;
    if room < size {
        return Err(invalid("*pOutputBufferLength"));
    }
    // SAFETY: writable for at least size_of::<T>() bytes, checked above.
    unsafe {
        output.cast::<T>().write_unaligned(value);
        len.write(size);
    }
    Ok(ImaStatus::STATUS_SUCCESS)
}

fn check_zero(count: Count) -> Result<()> {
    if count.value == 0 {
        Ok(())
    } else {
        Err(invalid("IMA_SOFT_COUNT.value"))
    }
}

fn boolean(value: ImaBool, what: &'static str) -> Result<bool> {
    check_bool(value, what)?;
    Ok(value == IMA_TRUE)
}

/// The object a TARGET or SESSION OID in an input names (ours, of that type).
fn object(oid: Oid, kind: ObjectType) -> Result<(ObjectRef, std::sync::Arc<dyn Backend>)> {
    enter(oid, &[kind])
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The caller's buffers, valid for the duration of one [`run`] (its safety contract).
struct Io {
    input: *const c_void,
    input_len: ImaUint,
    output: *mut c_void,
    output_len: *mut ImaUint,
}

impl Io {
    fn read<T: Copy>(&self) -> Result<T> {
        // SAFETY: `Io` is built only by `run`, whose contract makes `input` readable for
        // `input_len` bytes while it runs.
        unsafe { input(self.input, self.input_len) }
    }

    /// Checks that the output buffer can take `size` bytes, before the command runs: a
    /// command refused for its buffer must have done nothing.
    fn fits(&self, size: usize) -> Result<()> {
        // SAFETY: as `read`: `output_len` is readable.
        let room = unsafe { self.output_len.read() };
        if usize::try_from(room).is_ok_and(|room| room >= size) {
            Ok(())
        } else {
            Err(invalid("*pOutputBufferLength"))
        }
    }

    fn write<T: Copy>(&self, value: T) -> Result<ImaStatus> {
        // SAFETY: as `read`: `output` writable for `*output_len` bytes, `output_len`
        // readable and writable.
        unsafe { output(self.output, self.output_len, value) }
    }
}

/// Runs one command.
///
/// # Safety
/// `p_input` readable for `input_len` bytes; `p_output` writable for `*p_output_len` bytes;
/// `p_output_len` readable and writable (all non-NULL, checked by the caller).
pub(crate) unsafe fn run(
    backend: &dyn Backend,
    command: ImaUint,
    p_input: *const c_void,
    input_len: ImaUint,
    p_output: *mut c_void,
    p_output_len: *mut ImaUint,
) -> Result<ImaStatus> {
    let io = Io {
        input: p_input,
        input_len,
        output: p_output,
        output_len: p_output_len,
    };
    let out_size = match command {
        LOGIN => size_of::<SessionArg>(),
        LOGOUT | SET_AUTO_LOGIN => size_of::<Count>(),
        GET_AUTO_LOGIN => size_of::<AutoLoginArg>(),
        RESCAN => size_of::<Rescan>(),
        SESSION_ADDRESSES => size_of::<Addresses>(),
        EXPORT_URI => size_of::<ExportUri>(),
        _ => return Err(PluginError::NotSupported),
    };
    io.fits(out_size)?;
    match command {
        LOGIN => {
            let arg: TargetArg = io.read()?;
            let (target, backend) = object(arg.target_oid, ObjectType::TARGET)?;
            let session = backend.login_target(target)?;
            let out = SessionArg {
                session_oid: oid_of(session)?,
            };
            io.write(out)
        }
        LOGOUT => {
            let arg: TargetArg = io.read()?;
            let (target, backend) = object(arg.target_oid, ObjectType::TARGET)?;
            let closed = backend.logout_target(target)?;
            let out = Count {
                value: i64_of(closed),
            };
            io.write(out)
        }
        GET_AUTO_LOGIN => {
            check_zero(io.read()?)?;
            let a = backend.auto_login()?;
            let out = AutoLoginArg {
                static_targets: ima_bool(a.static_targets),
                send_targets: ima_bool(a.send_targets),
            };
            io.write(out)
        }
        SET_AUTO_LOGIN => {
            let arg: AutoLoginArg = io.read()?;
            let auto = AutoLogin {
                static_targets: boolean(arg.static_targets, "staticTargets")?,
                send_targets: boolean(arg.send_targets, "sendTargets")?,
            };
            backend.set_auto_login(auto)?;
            io.write(Count::default())
        }
        RESCAN => {
            check_zero(io.read()?)?;
            let r = backend.rescan()?;
            let out = Rescan {
                targets: i64_of(r.targets),
                sessions: i64_of(r.sessions),
                logged_in: i64_of(r.logged_in),
                login_failures: i64_of(r.login_failures),
                discovery_failures: i64_of(r.discovery_failures),
            };
            io.write(out)
        }
        SESSION_ADDRESSES => {
            let arg: SessionArg = io.read()?;
            let (session, backend) = object(arg.session_oid, ObjectType::SESSION)?;
            let a = backend.session_addresses(session)?;
            let mut out = Addresses {
                local_valid: IMA_FALSE,
                local_address: IpAddress::zeroed(),
                local_port: 0,
                remote_valid: IMA_FALSE,
                remote_address: IpAddress::zeroed(),
                remote_port: 0,
            };
            if let Some(local) = a.local {
                out.local_valid = IMA_TRUE;
                out.local_address = ip_to_c(local.ip());
                out.local_port = local.port();
            }
            if let Some(remote) = a.remote {
                out.remote_valid = IMA_TRUE;
                out.remote_address = ip_to_c(remote.ip());
                out.remote_port = remote.port();
            }
            io.write(out)
        }
        EXPORT_URI => {
            let arg: LuArg = io.read()?;
            let (lu, backend) = object(arg.lu_oid, ObjectType::LU)?;
            let uri = backend
                .lu_properties(lu)?
                .export_uri
                .ok_or(PluginError::Status(ImaStatus::ERROR_LU_NOT_EXPOSED))?;
            let mut out = ExportUri::empty();
            // Export names are at most 4096 bytes and socket paths 108, so an encoded URI
            // fits; one that would not is refused rather than cut.
            if uri.len() >= URI_LEN {
                return Err(PluginError::Engine(format!("URI of {} bytes", uri.len())));
            }
            out.uri[..uri.len()].copy_from_slice(uri.as_bytes());
            io.write(out)
        }
        _ => Err(PluginError::NotSupported),
    }
}
