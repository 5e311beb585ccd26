//! `param show|set` (the LHBA's defaults) and `target-param show|set|reset` (a target's
//! overrides).
//!
//! `target-param reset` sets a key on the target back to the LHBA's **current** value:
//! IMA has no call that removes a target's override, so the target keeps an override equal
//! to today's LHBA value (a later LHBA change does not reach it). Fixed keys (settable
//! FALSE) are skipped.

use ima_abi::{DigestType, Oid};
use serde::Serialize;

use super::{Ctx, Result};
use crate::cli::{ParamVerb, TargetParamVerb};
use crate::error::Error;
use crate::out::{opt, table};
use crate::params::{Param, Setting};
use crate::view::{digest, yes};

/// A parameter value: a number, a boolean, or a digest list (`"CRC32C,None"`).
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(untagged)]
pub enum Value {
    /// A number.
    Number(u64),
    /// A boolean.
    Bool(bool),
    /// A digest list.
    Text(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Bool(true) => f.write_str("Yes"),
            Self::Bool(false) => f.write_str("No"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// One parameter.
#[derive(Debug, Serialize, Clone)]
pub struct ParamView {
    /// RFC 7143 key name.
    pub name: &'static str,
    /// What the next login offers (`None` when not valid).
    pub current: Option<Value>,
    /// Default.
    pub default: Option<Value>,
    /// Minimum (numbers).
    pub minimum: Option<u32>,
    /// Maximum (numbers).
    pub maximum: Option<u32>,
    /// Increment (numbers).
    pub increment: Option<u32>,
    /// Whether it can be changed.
    pub settable: bool,
}

fn digests_text(list: &[DigestType]) -> Value {
    Value::Text(
        list.iter()
            .map(|d| digest(*d))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Reads every parameter of the LHBA or a target.
pub fn param_views(ctx: &Ctx, oid: Oid) -> Result<Vec<ParamView>> {
    let mut out = Vec::new();
    for p in Param::ALL {
        if p.is_bool() {
            let v = ctx.ima.bool_value(p, oid)?;
            out.push(ParamView {
                name: p.name(),
                current: yes(v.current_value_valid).then(|| Value::Bool(yes(v.current_value))),
                default: Some(Value::Bool(yes(v.default_value))),
                minimum: None,
                maximum: None,
                increment: None,
                settable: yes(v.settable),
            });
        } else {
            let v = ctx.ima.min_max(p, oid)?;
            out.push(ParamView {
                name: p.name(),
                current: yes(v.current_value_valid)
                    .then(|| Value::Number(u64::from(v.current_value))),
                default: Some(Value::Number(u64::from(v.default_value))),
                minimum: Some(v.minimum_value),
                maximum: Some(v.maximum_value),
                increment: Some(v.increment_value),
                settable: yes(v.settable),
            });
        }
    }
    for (name, header) in [("HeaderDigest", true), ("DataDigest", false)] {
        out.push(ParamView {
            name,
            current: Some(digests_text(&ctx.ima.digests(oid, header)?)),
            default: Some(Value::Text("None".into())),
            minimum: None,
            maximum: None,
            increment: None,
            settable: true,
        });
    }
    Ok(out)
}

/// The parameter table.
pub fn params_table(params: &[ParamView]) -> String {
    let rows: Vec<Vec<String>> = params
        .iter()
        .map(|p| {
            vec![
                p.name.to_owned(),
                opt(&p.current),
                opt(&p.default),
                opt(&p.minimum),
                opt(&p.maximum),
                if p.settable { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    table(
        &["PARAMETER", "CURRENT", "DEFAULT", "MIN", "MAX", "SETTABLE"],
        &rows,
    )
}

/// Applies settings to the LHBA or a target.
fn apply(ctx: &Ctx, oid: Oid, settings: &[Setting]) -> Result<()> {
    for s in settings {
        match s {
            Setting::Number(p, n) => ctx.ima.set_min_max(*p, oid, *n)?,
            Setting::Bool(p, b) => ctx.ima.set_bool_value(*p, oid, *b)?,
            Setting::Digests(header, list) => ctx.ima.set_digests(oid, *header, list)?,
        };
    }
    Ok(())
}

/// `target-param show` JSON: the target's values beside the LHBA's.
#[derive(Debug, Serialize)]
pub struct TargetParamView {
    /// The target.
    pub target: String,
    /// Its parameters; `lhba_current` is the LHBA's value.
    pub parameters: Vec<TargetParam>,
}

/// One parameter of a target.
#[derive(Debug, Serialize)]
pub struct TargetParam {
    /// The target's parameter.
    #[serde(flatten)]
    pub param: ParamView,
    /// The LHBA's current value.
    pub lhba_current: Option<Value>,
}

fn target_param_view(ctx: &Ctx, name: &str, oid: Oid) -> Result<TargetParamView> {
    let lhba = param_views(ctx, ctx.lhba()?)?;
    let target = param_views(ctx, oid)?;
    Ok(TargetParamView {
        target: name.to_owned(),
        parameters: target
            .into_iter()
            .zip(lhba)
            .map(|(param, l)| TargetParam {
                param,
                lhba_current: l.current,
            })
            .collect(),
    })
}

/// Runs a `target-param` verb.
pub fn target_param(ctx: &Ctx, verb: TargetParamVerb) -> Result<()> {
    let (name, settings) = match verb {
        TargetParamVerb::Show { target } => (target, None),
        TargetParamVerb::Set { target, settings } => (target, Some(settings)),
        TargetParamVerb::Reset { target, keys } => {
            let oid = ctx.target(&target)?;
            let lhba = ctx.lhba()?;
            let wanted: Vec<String> = keys.iter().map(|k| k.to_ascii_lowercase()).collect();
            for k in &wanted {
                let known = Param::ALL.iter().any(|p| p.name().eq_ignore_ascii_case(k))
                    || k == "headerdigest"
                    || k == "datadigest";
                if !known {
                    return Err(Error::Invalid(format!("unknown login parameter {k:?}")));
                }
            }
            let picked =
                |name: &str| wanted.is_empty() || wanted.contains(&name.to_ascii_lowercase());
            let mut settings = Vec::new();
            for p in Param::ALL.into_iter().filter(|p| picked(p.name())) {
                if p.is_bool() {
                    let v = ctx.ima.bool_value(p, lhba)?;
                    if yes(v.settable) {
                        settings.push(Setting::Bool(p, yes(v.current_value)));
                    }
                } else {
                    let v = ctx.ima.min_max(p, lhba)?;
                    if yes(v.settable) {
                        settings.push(Setting::Number(p, u64::from(v.current_value)));
                    }
                }
            }
            for (key, header) in [("HeaderDigest", true), ("DataDigest", false)] {
                if picked(key) {
                    settings.push(Setting::Digests(header, ctx.ima.digests(lhba, header)?));
                }
            }
            // FirstBurstLength must not exceed MaxBurstLength at any step: set
            // MaxBurstLength first.
            settings.sort_by_key(|s| !matches!(s, Setting::Number(Param::MaxBurstLength, _)));
            apply(ctx, oid, &settings)?;
            ctx.out
                .note(&format!("{target}: reset to the LHBA's values"));
            (target, None)
        }
    };
    let oid = ctx.target(&name)?;
    if let Some(settings) = settings {
        apply(ctx, oid, &settings)?;
        ctx.out.note(&format!("{name}: parameters set"));
    }
    let v = target_param_view(ctx, &name, oid)?;
    ctx.out.emit(&v, |v| {
        let rows: Vec<Vec<String>> = v
            .parameters
            .iter()
            .map(|p| {
                vec![
                    p.param.name.to_owned(),
                    opt(&p.param.current),
                    opt(&p.lhba_current),
                    if p.param.settable { "yes" } else { "no" }.to_owned(),
                ]
            })
            .collect();
        format!("Target: {}\n", v.target)
            + &table(&["PARAMETER", "TARGET", "LHBA", "SETTABLE"], &rows)
    });
    Ok(())
}

/// Runs a `param` verb.
pub fn lhba_param(ctx: &Ctx, verb: ParamVerb) -> Result<()> {
    let lhba = ctx.lhba()?;
    if let ParamVerb::Set { settings } = verb {
        apply(ctx, lhba, &settings)?;
        ctx.out.note("LHBA parameters set");
    }
    let v = param_views(ctx, lhba)?;
    ctx.out.emit(&v, |v| params_table(v));
    Ok(())
}
