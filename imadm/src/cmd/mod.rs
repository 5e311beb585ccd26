//! The commands, by area, over [`Ctx`]: the loaded library and the output settings.

pub mod auth;
pub mod discovery;
pub mod events;
pub mod hba;
pub mod library;
pub mod lu;
pub mod node;
pub mod params;
pub mod session;
pub mod stats;
pub mod target;

use ima_abi::Oid;

use crate::cli::{
    AddObject, AddressVerb, Command, ListObject, ModifyObject, NodeVerb, StaticVerb, TargetVerb,
};
use crate::error::Error;
use crate::ffi::Ima;
use crate::out::Out;
use crate::soft;
use crate::view::wide;

type Result<T> = std::result::Result<T, Error>;

/// What every command works with.
pub struct Ctx {
    /// The IMA library.
    pub ima: Ima,
    /// The output settings.
    pub out: Out,
}

impl Ctx {
    /// The first LHBA (our plugin has one).
    pub fn lhba(&self) -> Result<Oid> {
        self.ima
            .lhbas()?
            .first()
            .copied()
            .ok_or_else(|| Error::NotFound("no LHBA: is a plugin listed in ima.conf?".into()))
    }

    /// The target discovery finds with this name.
    pub fn target(&self, name: &str) -> Result<Oid> {
        let lhba = self.lhba()?;
        for oid in self.ima.targets(lhba)? {
            let p = self.ima.target_properties(oid)?;
            if wide(&p.name) == name {
                return Ok(oid);
            }
        }
        Err(Error::NotFound(format!("no target named {name}")))
    }

    /// The target, or else the static-config entry with this name (authentication
    /// settings may be given before discovery finds the target).
    pub fn target_or_static(&self, name: &str) -> Result<Oid> {
        match self.target(name) {
            Err(Error::NotFound(msg)) => {
                let lhba = self.lhba()?;
                for oid in self.ima.static_targets(lhba)? {
                    let p = self.ima.static_target_properties(oid)?;
                    if wide(&p.static_target.target_name) == name {
                        return Ok(oid);
                    }
                }
                Err(Error::NotFound(msg))
            }
            other => other,
        }
    }

    /// The LU `lun` of a target, or the target itself (LUN 0 for pass-through).
    pub fn lu_or_target(&self, target: &str, lun: Option<u64>) -> Result<Oid> {
        let t = self.target(target)?;
        match lun {
            None => Ok(t),
            Some(lun) => self.ima.lu_oid(t, lun).map_err(|e| {
                if e.status == ima_abi::ImaStatus::ERROR_OBJECT_NOT_FOUND {
                    Error::NotFound(format!("{target} has no LUN {lun}"))
                } else {
                    e.into()
                }
            }),
        }
    }

    /// The plugin owning `oid`, when it is ours (vendor IOCtls are ours only).
    pub fn soft_plugin(&self, oid: Oid) -> Result<Option<Oid>> {
        let plugin = self.ima.associated_plugin(oid)?;
        let props = self.ima.plugin_properties(plugin)?;
        Ok((wide(&props.vendor) == soft::VENDOR).then_some(plugin))
    }

    /// Like [`Ctx::soft_plugin`], but a plugin that is not ours is an error.
    pub fn require_soft_plugin(&self, oid: Oid) -> Result<Oid> {
        self.soft_plugin(oid)?
            .ok_or(Error::Ima(crate::error::ImaError {
                call: "IMA_PluginIOCtl",
                status: ima_abi::ImaStatus::ERROR_NOT_SUPPORTED,
            }))
    }

    /// Vendor IOCtl RESCAN through the LHBA's plugin.
    pub fn rescan(&self) -> Result<soft::Rescan> {
        let plugin = self.require_soft_plugin(self.lhba()?)?;
        Ok(self.ima.ioctl(
            plugin,
            soft::RESCAN,
            &soft::Count::default(),
            soft::Rescan::default(),
        )?)
    }
}

/// Runs one command.
pub fn run(ctx: &Ctx, command: Command) -> Result<()> {
    use crate::cli::{DiscoveryVerb as D, HbaVerb as H, ShowVerb};
    match command {
        Command::Library {
            verb: ShowVerb::Show,
        } => library::show(ctx),
        Command::Plugin {
            verb: ShowVerb::Show,
        } => library::plugins(ctx),
        Command::Node {
            verb: NodeVerb::Show,
        } => node::show(ctx),
        Command::Node {
            verb: NodeVerb::Set(set),
        } => node::set(ctx, &set),
        Command::Hba { verb: H::List } => hba::list(ctx),
        Command::Hba { verb: H::Show } => hba::show(ctx),
        Command::Hba { verb: H::Rescan } => hba::rescan(ctx),
        Command::Discovery { verb: D::Show } => discovery::show(ctx),
        Command::Discovery {
            verb: D::Enable { method, server },
        } => discovery::switch(ctx, method, true, server.as_deref()),
        Command::Discovery {
            verb: D::Disable { method },
        } => discovery::switch(ctx, method, false, None),
        Command::Discovery {
            verb: D::Isns { server },
        } => discovery::isns(ctx, &server),
        Command::Discovery {
            verb: D::Sendtargets { portal },
        } => discovery::send_targets(ctx, &portal),
        Command::DiscoveryAddress {
            verb: AddressVerb::Add { addresses },
        }
        | Command::Add {
            object: AddObject::DiscoveryAddress { addresses },
        } => discovery::add_addresses(ctx, &addresses),
        Command::DiscoveryAddress {
            verb: AddressVerb::Remove { addresses },
        }
        | Command::Remove {
            object: AddObject::DiscoveryAddress { addresses },
        } => discovery::remove_addresses(ctx, &addresses),
        Command::DiscoveryAddress {
            verb: AddressVerb::List,
        }
        | Command::List {
            object: ListObject::DiscoveryAddress,
        } => discovery::list_addresses(ctx),
        Command::StaticConfig {
            verb: StaticVerb::Add { targets },
        }
        | Command::Add {
            object: AddObject::StaticConfig { targets },
        } => discovery::add_static(ctx, &targets),
        Command::StaticConfig {
            verb: StaticVerb::Remove { targets },
        }
        | Command::Remove {
            object: AddObject::StaticConfig { targets },
        } => discovery::remove_static(ctx, &targets),
        Command::StaticConfig {
            verb: StaticVerb::List,
        }
        | Command::List {
            object: ListObject::StaticConfig,
        } => discovery::list_static(ctx),
        Command::Target {
            verb: TargetVerb::List(args),
        }
        | Command::List {
            object: ListObject::Target(args),
        } => target::list(ctx, &args),
        Command::Target {
            verb: TargetVerb::Show { target },
        } => target::show(ctx, &target),
        Command::TargetParam { verb } => params::target_param(ctx, verb),
        Command::List {
            object: ListObject::TargetParam { target },
        } => params::target_param(ctx, crate::cli::TargetParamVerb::Show { target }),
        Command::Param { verb } => params::lhba_param(ctx, verb),
        Command::Auth { verb } => auth::run(ctx, verb),
        Command::Lu { verb } => lu::run(ctx, verb),
        Command::Session { verb } => session::run(ctx, verb),
        Command::Stats(args) => stats::show(ctx, args.target.as_deref()),
        Command::Events { verb } => events::run(ctx, verb),
        Command::List {
            object: ListObject::InitiatorNode,
        } => node::show(ctx),
        Command::List {
            object: ListObject::Discovery,
        } => discovery::show(ctx),
        Command::Modify {
            object: ModifyObject::InitiatorNode(set),
        } => node::set(ctx, &set),
        Command::Modify {
            object:
                ModifyObject::Discovery {
                    static_,
                    sendtargets,
                },
        } => discovery::modify(ctx, static_, sendtargets),
        Command::Demo => Err(Error::Invalid("demo is run by main".into())),
    }
}
