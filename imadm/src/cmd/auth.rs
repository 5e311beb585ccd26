//! `auth show`, `auth set`: methods in use, CHAP (LHBA, per target), mutual CHAP.
//!
//! Secrets are never taken on the command line: `--secret-file PATH`, `--secret-env VAR`
//! or a prompt on `/dev/tty` (echo off). They live in wiped buffers and are never printed;
//! the plugin never returns them.

use ima_abi::{AuthMethod, ChapInitiatorAuthParms, Oid};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Ctx, Result};
use crate::cli::{AuthArg, AuthSet, AuthVerb};
use crate::error::Error;
use crate::out::{block, opt};
use crate::view::{OidView, auth_method, chap_name};

/// `auth show` JSON (LHBA).
#[derive(Debug, Serialize)]
pub struct LhbaAuthView {
    /// The LHBA.
    pub lhba: OidView,
    /// Methods the LHBA supports.
    pub supported_methods: Vec<String>,
    /// Methods in use, in preference order.
    pub methods_in_use: Vec<String>,
    /// The CHAP name this initiator proves itself with.
    pub chap_name: Option<String>,
    /// The names targets must prove (mutual CHAP).
    pub mutual_chap_names: Vec<String>,
}

/// `auth show --target` JSON.
#[derive(Debug, Serialize)]
pub struct TargetAuthView {
    /// The target (or static-config entry).
    pub target: String,
    /// Its OID.
    pub oid: OidView,
    /// Its own CHAP name.
    pub chap_name: Option<String>,
    /// Whether its own credentials are used.
    pub chap_enabled: bool,
    /// The name it must prove (mutual CHAP), when set on the target.
    pub mutual_chap_name: Option<String>,
}

fn method(a: AuthArg) -> AuthMethod {
    match a {
        AuthArg::None => AuthMethod::NONE,
        AuthArg::Chap => AuthMethod::CHAP,
    }
}

/// Reads the secret from the chosen source.
fn secret(set: &AuthSet) -> Result<Zeroizing<Vec<u8>>> {
    let mut bytes = if let Some(path) = &set.secret_file {
        Zeroizing::new(
            std::fs::read(path).map_err(|e| Error::io(format!("{}", path.display()), e))?,
        )
    } else if let Some(var) = &set.secret_env {
        let value = std::env::var_os(var)
            .ok_or_else(|| Error::Invalid(format!("environment variable {var} is not set")))?;
        Zeroizing::new(std::os::unix::ffi::OsStringExt::into_vec(value))
    } else {
        crate::ffi::read_secret_from_tty("CHAP secret: ")
            .map_err(|e| Error::io("reading the secret from /dev/tty", e))?
    };
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    if bytes.is_empty() {
        return Err(Error::Invalid("empty CHAP secret".into()));
    }
    Ok(bytes)
}

/// Builds the CHAP block (secret copied into it; the caller's copy is wiped on drop).
pub fn chap_parms(name: &str, secret: &[u8]) -> Result<Zeroizing<ChapWrapper>> {
    let mut p = ChapInitiatorAuthParms::zeroed();
    if name.len() > p.name.len() || secret.len() > p.challenge_secret.len() {
        return Err(Error::Invalid("CHAP name or secret too long".into()));
    }
    p.name[..name.len()].copy_from_slice(name.as_bytes());
    p.name_length = name.len() as u64;
    p.challenge_secret[..secret.len()].copy_from_slice(secret);
    p.challenge_secret_length = secret.len() as u64;
    Ok(Zeroizing::new(ChapWrapper(p)))
}

/// A CHAP parameter block wiped when dropped.
pub struct ChapWrapper(pub ChapInitiatorAuthParms);

impl zeroize::Zeroize for ChapWrapper {
    fn zeroize(&mut self) {
        self.0.challenge_secret.zeroize();
        self.0.challenge_secret_length = 0;
    }
}

/// Runs an auth verb.
pub fn run(ctx: &Ctx, verb: AuthVerb) -> Result<()> {
    match verb {
        AuthVerb::Show { target: None } => show_lhba(ctx),
        AuthVerb::Show {
            target: Some(target),
        } => show_target(ctx, &target),
        AuthVerb::Set(set) => set_auth(ctx, &set),
    }
}

fn show_lhba(ctx: &Ctx) -> Result<()> {
    let lhba = ctx.lhba()?;
    let v = LhbaAuthView {
        lhba: lhba.into(),
        supported_methods: ctx
            .ima
            .supported_auth_methods(lhba)?
            .into_iter()
            .map(auth_method)
            .collect(),
        methods_in_use: ctx
            .ima
            .auth_methods_in_use(lhba)?
            .into_iter()
            .map(auth_method)
            .collect(),
        chap_name: ctx.ima.chap(lhba).ok().as_ref().and_then(chap_name),
        mutual_chap_names: ctx
            .ima
            .lhba_mutual(lhba)
            .unwrap_or_default()
            .iter()
            .filter_map(chap_name)
            .collect(),
    };
    ctx.out.emit(&v, |v| {
        block(&[
            ("Supported methods", v.supported_methods.join(",")),
            ("Methods in use", v.methods_in_use.join(",")),
            ("CHAP name", opt(&v.chap_name)),
            ("Mutual CHAP names", v.mutual_chap_names.join(",")),
        ])
    });
    Ok(())
}

fn show_target(ctx: &Ctx, name: &str) -> Result<()> {
    let oid = ctx.target_or_static(name)?;
    let (local, enabled) = ctx.ima.local_chap(oid)?;
    let mutual = ctx.ima.mutual_chap(oid)?;
    let v = TargetAuthView {
        target: name.to_owned(),
        oid: oid.into(),
        chap_name: chap_name(&local),
        chap_enabled: enabled,
        mutual_chap_name: chap_name(&mutual),
    };
    ctx.out.emit(&v, |v| {
        block(&[
            ("Target", v.target.clone()),
            ("CHAP name", opt(&v.chap_name)),
            ("CHAP enabled", v.chap_enabled.to_string()),
            ("Mutual CHAP name", opt(&v.mutual_chap_name)),
        ])
    });
    Ok(())
}

fn set_auth(ctx: &Ctx, set: &AuthSet) -> Result<()> {
    if set.name.is_none() && set.methods.is_none() && !set.disable {
        return Err(Error::Invalid(
            "give --name (with a secret source), --methods or --disable".into(),
        ));
    }
    if set.name.is_none() && (set.secret_file.is_some() || set.secret_env.is_some()) {
        return Err(Error::Invalid("a secret needs --name".into()));
    }
    let lhba = ctx.lhba()?;
    let target: Option<Oid> = set
        .target
        .as_deref()
        .map(|t| ctx.target_or_static(t))
        .transpose()?;
    if let Some(methods) = &set.methods {
        if set.target.is_some() {
            return Err(Error::Invalid(
                "--methods is the LHBA's (targets use CHAP when their own credentials are enabled)"
                    .into(),
            ));
        }
        let list: Vec<AuthMethod> = methods.iter().copied().map(method).collect();
        ctx.ima.set_auth_methods(lhba, &list)?;
        ctx.out.note("authentication methods set");
    }
    if let Some(name) = &set.name {
        let secret = secret(set)?;
        let parms = chap_parms(name, &secret)?;
        match (target, set.mutual) {
            (None, false) => ctx.ima.set_chap(lhba, &parms.0)?,
            (None, true) => ctx.ima.add_lhba_mutual(lhba, &parms.0)?,
            (Some(t), false) => ctx.ima.set_local_chap(t, &parms.0, true)?,
            (Some(t), true) => ctx.ima.set_mutual_chap(t, &parms.0, true)?,
        };
        ctx.out.note(&format!(
            "{} CHAP credentials set for {}",
            if set.mutual { "mutual" } else { "initiator" },
            set.target.as_deref().unwrap_or("the LHBA")
        ));
    }
    if set.disable {
        let Some(t) = target else {
            return Err(Error::Invalid("--disable needs --target".into()));
        };
        if set.mutual {
            ctx.ima.set_mutual(t, false)?;
        } else {
            let (local, _) = ctx.ima.local_chap(t)?;
            // Secret length 0 keeps the stored secret; only the switch changes.
            if local.name_length > 0 {
                ctx.ima.set_local_chap(t, &local, false)?;
            }
        }
        ctx.out.note("disabled");
    }
    if ctx.out.json {
        match &set.target {
            Some(t) => show_target(ctx, t)?,
            None => show_lhba(ctx)?,
        }
    }
    Ok(())
}
