//! The command line (clap derive): `imadm OBJECT VERB ...`, plus the `iscsiadm`-style
//! `VERB OBJECT` forms (`list target -S -v`, `add discovery-address`, ...).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::params::Setting;

/// Every command, for `imadm --help` (the per-command help has the details).
const COMMANDS: &str = "\
Commands (OBJECT VERB; `imadm OBJECT VERB --help` for details):
  library show                         the IMA library and its plugins
  plugin show                          the plugins (properties, owner id)
  node show | node set [-N NAME] [-A ALIAS]
  hba list | hba show | hba rescan     PHBA, LHBA, ports, portals; rescan = vendor IOCtl RESCAN
  discovery show | discovery enable|disable static|sendtargets|isns [--server HOST[:port]]
  discovery sendtargets IP[:port]      SendTargets answer as `IP:port,tpgt IQN` lines
  discovery isns HOST[:port]           an iSNS server's targets as `IP:port,tpgt IQN` lines
  discovery-address add|remove IP[:port]... | discovery-address list
  static-config add|remove IQN,IP[:port] | static-config list
  target list [-S] [-v] [IQN] | target show IQN
  target-param show IQN | set IQN KEY=VALUE... | reset IQN [KEY...]
  param show | param set KEY=VALUE...  LHBA defaults of the login parameters and digests
  auth show [--target IQN] | auth set [--target IQN] [--mutual] [--name NAME]
       [--secret-file PATH | --secret-env VAR] [--methods chap,none] [--disable]
  lu list [IQN] | lu inquiry IQN [LUN] [--page P] | lu capacity IQN [LUN] [--cdb 10|16]
  lu report-luns IQN                   (--hex dumps the raw bytes)
  session list [IQN] | session show IQN | session login IQN | session logout IQN
  stats [IQN]                          device, error and port statistics
  events watch [--count N] [--timeout SECS]
  demo                                 the whole stack against an in-process CHAP target

iscsiadm forms (aliases of the above):
  list target [-S] [-v] [IQN] | list discovery-address | list static-config
  list initiator-node | list discovery | list target-param IQN
  add discovery-address IP[:port]... | add static-config IQN,IP[:port]
  remove discovery-address IP[:port]... | remove static-config IQN,IP[:port]
  modify initiator-node -N NAME | -A ALIAS
  modify discovery --static enable|disable | --sendtargets enable|disable

Finding the library: --lib PATH, else IMA_LIB, else libima.so next to this executable
(or in its deps/ directory, or in ../lib when installed). --conf PATH sets IMA_CONF (the
plugin list) for the library.
Secrets are never taken on the command line: --secret-file, --secret-env or a prompt on
/dev/tty.

Exit codes:
  0  success
  1  any other failure (library not loadable, I/O, unexpected IMA status, SCSI status)
  2  usage error or invalid argument (also IMA_ERROR_INVALID_PARAMETER, NAME_TOO_LONG)
  3  not found (IMA_ERROR_OBJECT_NOT_FOUND, or no such target, LU, address or session)
  4  not supported (IMA_ERROR_NOT_SUPPORTED)
  5  login rejected (IMA_ERROR_LOGIN_REJECTED)
  6  timeout (IMA_ERROR_TARGET_TIMEOUT, IMA_ERROR_SYNC_TIMEOUT)";

/// Manage iSCSI initiators through the SNIA IMA API.
#[derive(Debug, Parser)]
#[command(name = "imadm", version, about, after_help = COMMANDS)]
pub struct Cli {
    /// The IMA library to load (default: libima.so next to imadm, in its deps/ or in ../lib).
    #[arg(long, global = true, env = "IMA_LIB", value_name = "PATH")]
    pub lib: Option<PathBuf>,
    /// The ima.conf the library reads (sets IMA_CONF).
    #[arg(long, global = true, value_name = "PATH")]
    pub conf: Option<PathBuf>,
    /// Print JSON (stable snake_case field names; see docs/imadm.md).
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output on standard error (-v info, -vv debug).
    #[arg(long = "log", global = true, action = clap::ArgAction::Count)]
    pub log: u8,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The IMA library and its plugins.
    Library {
        /// show
        #[command(subcommand)]
        verb: ShowVerb,
    },
    /// The loaded plugins.
    Plugin {
        /// show
        #[command(subcommand)]
        verb: ShowVerb,
    },
    /// The initiator node: name and alias.
    #[command(visible_alias = "initiator-node")]
    Node {
        /// show | set
        #[command(subcommand)]
        verb: NodeVerb,
    },
    /// Physical and logical HBAs, network ports and portals.
    Hba {
        /// list | show | rescan
        #[command(subcommand)]
        verb: HbaVerb,
    },
    /// Discovery methods, and a SendTargets query.
    Discovery {
        /// show | enable | disable | sendtargets
        #[command(subcommand)]
        verb: DiscoveryVerb,
    },
    /// SendTargets discovery addresses.
    DiscoveryAddress {
        /// add | remove | list
        #[command(subcommand)]
        verb: AddressVerb,
    },
    /// Statically configured targets.
    StaticConfig {
        /// add | remove | list
        #[command(subcommand)]
        verb: StaticVerb,
    },
    /// Discovered targets.
    Target {
        /// list | show
        #[command(subcommand)]
        verb: TargetVerb,
    },
    /// A target's login parameters (overrides of the LHBA's).
    TargetParam {
        /// show | set | reset
        #[command(subcommand)]
        verb: TargetParamVerb,
    },
    /// The LHBA's login parameters (defaults of every target).
    Param {
        /// show | set
        #[command(subcommand)]
        verb: ParamVerb,
    },
    /// Authentication: CHAP, mutual CHAP, per target.
    Auth {
        /// show | set
        #[command(subcommand)]
        verb: AuthVerb,
    },
    /// Logical units and SCSI pass-through.
    #[command(visible_alias = "logical-unit")]
    Lu {
        /// list | inquiry | capacity | report-luns
        #[command(subcommand)]
        verb: LuVerb,
    },
    /// Sessions and connections; explicit login and logout.
    Session {
        /// list | show | login | logout
        #[command(subcommand)]
        verb: SessionVerb,
    },
    /// Device statistics of targets and LUs, target error statistics, port statistics.
    Stats(StatsArgs),
    /// Object visibility and property events.
    Events {
        /// watch
        #[command(subcommand)]
        verb: EventsVerb,
    },
    /// Runs the whole stack against an in-process CHAP target on loopback.
    Demo,
    /// iscsiadm form: list OBJECT.
    List {
        /// What to list.
        #[command(subcommand)]
        object: ListObject,
    },
    /// iscsiadm form: add OBJECT.
    Add {
        /// What to add.
        #[command(subcommand)]
        object: AddObject,
    },
    /// iscsiadm form: remove OBJECT.
    Remove {
        /// What to remove.
        #[command(subcommand)]
        object: AddObject,
    },
    /// iscsiadm form: modify OBJECT.
    Modify {
        /// What to modify.
        #[command(subcommand)]
        object: ModifyObject,
    },
}

/// `show`.
#[derive(Debug, Subcommand)]
pub enum ShowVerb {
    /// Show the properties.
    #[command(visible_alias = "list")]
    Show,
}

/// Node verbs.
#[derive(Debug, Subcommand)]
pub enum NodeVerb {
    /// Name, alias, modes.
    #[command(visible_alias = "list")]
    Show,
    /// Set the name and/or the alias.
    #[command(visible_alias = "modify")]
    Set(NodeSet),
}

/// Node name and alias.
#[derive(Debug, Args)]
pub struct NodeSet {
    /// The iSCSI name.
    #[arg(short = 'N', long = "node-name", alias = "name", value_name = "NAME")]
    pub name: Option<String>,
    /// The alias.
    #[arg(
        short = 'A',
        long = "node-alias",
        alias = "alias",
        value_name = "ALIAS"
    )]
    pub alias: Option<String>,
}

/// HBA verbs.
#[derive(Debug, Subcommand)]
pub enum HbaVerb {
    /// One line per PHBA and LHBA.
    List,
    /// PHBAs, LHBAs, network ports and portals in detail.
    Show,
    /// Runs discovery and the automatic logins now and waits (vendor IOCtl RESCAN).
    Rescan,
}

/// A discovery method.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Method {
    /// Static configuration.
    Static,
    /// SendTargets.
    #[value(alias = "send-targets")]
    Sendtargets,
    /// iSNS (RFC 4171).
    Isns,
}

/// enable / disable.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OnOff {
    /// On.
    Enable,
    /// Off.
    Disable,
}

/// Discovery verbs.
#[derive(Debug, Subcommand)]
pub enum DiscoveryVerb {
    /// Which methods are enabled, and the automatic login switches.
    #[command(visible_alias = "list")]
    Show,
    /// Enable a method.
    Enable {
        /// The method.
        method: Method,
        /// iSNS only: the server, HOST[:port] (default port 3205); without it the server
        /// configured before.
        #[arg(long)]
        server: Option<String>,
    },
    /// Disable a method.
    Disable {
        /// The method.
        method: Method,
    },
    /// Asks a portal for its targets (SendTargets=All) and prints open-iscsi's
    /// `IP:port,tpgt IQN` lines. Uses the initiator directly: no IMA call returns portal
    /// group tags.
    Sendtargets {
        /// The portal, IP[:port] (default port 3260).
        portal: String,
    },
    /// Asks an iSNS server for the targets visible to our node (DevAttrQry) and prints
    /// open-iscsi's `IP:port,tpgt IQN` lines, one per portal group.
    Isns {
        /// The server, HOST[:port] (default port 3205).
        server: String,
    },
}

/// Discovery address verbs.
#[derive(Debug, Subcommand)]
pub enum AddressVerb {
    /// Add SendTargets addresses.
    Add {
        /// IP[:port] (default port 3260).
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Remove SendTargets addresses.
    Remove {
        /// IP[:port] (default port 3260).
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// List them.
    List,
}

/// Static configuration verbs.
#[derive(Debug, Subcommand)]
pub enum StaticVerb {
    /// Add a static target.
    Add {
        /// IQN,IP[:port].
        #[arg(required = true)]
        targets: Vec<String>,
    },
    /// Remove a static target.
    Remove {
        /// IQN,IP[:port].
        #[arg(required = true)]
        targets: Vec<String>,
    },
    /// List them.
    List,
}

/// `list target` options.
#[derive(Debug, Args, Default)]
pub struct TargetList {
    /// Also list each target's LUs (with INQUIRY and capacity).
    #[arg(short = 'S', long = "lus")]
    pub lus: bool,
    /// Also show portals, sessions and connections.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Only this target.
    pub target: Option<String>,
}

/// Target verbs.
#[derive(Debug, Subcommand)]
pub enum TargetVerb {
    /// The targets discovery finds.
    List(TargetList),
    /// One target: portals, LUs, login parameters, sessions.
    Show {
        /// The target's name.
        target: String,
    },
}

/// Target parameter verbs.
#[derive(Debug, Subcommand)]
pub enum TargetParamVerb {
    /// The values the next login to the target offers, beside the LHBA's.
    #[command(visible_alias = "list")]
    Show {
        /// The target's name.
        target: String,
    },
    /// Override parameters for the target (KEY=VALUE; HeaderDigest=CRC32C,None).
    #[command(visible_alias = "modify")]
    Set {
        /// The target's name.
        target: String,
        /// KEY=VALUE pairs.
        #[arg(required = true)]
        settings: Vec<Setting>,
    },
    /// Sets parameters back to the LHBA's current values (all settable ones by default).
    Reset {
        /// The target's name.
        target: String,
        /// The keys to reset.
        keys: Vec<String>,
    },
}

/// LHBA parameter verbs.
#[derive(Debug, Subcommand)]
pub enum ParamVerb {
    /// Default, current, min, max and settable of every login parameter.
    #[command(visible_alias = "list")]
    Show,
    /// Set LHBA defaults (KEY=VALUE; HeaderDigest=CRC32C,None).
    #[command(visible_alias = "modify")]
    Set {
        /// KEY=VALUE pairs.
        #[arg(required = true)]
        settings: Vec<Setting>,
    },
}

/// An authentication method.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AuthArg {
    /// No authentication.
    None,
    /// CHAP.
    Chap,
}

/// Authentication verbs.
#[derive(Debug, Subcommand)]
pub enum AuthVerb {
    /// Methods, CHAP names (never secrets), mutual CHAP.
    #[command(visible_alias = "list")]
    Show {
        /// A target's own settings.
        #[arg(long)]
        target: Option<String>,
    },
    /// Set methods or credentials.
    #[command(visible_alias = "modify")]
    Set(AuthSet),
}

/// `auth set`.
#[derive(Debug, Args)]
pub struct AuthSet {
    /// A target (or static-config target) name: its own credentials.
    #[arg(long)]
    pub target: Option<String>,
    /// The credentials the target must prove (mutual CHAP).
    #[arg(long)]
    pub mutual: bool,
    /// The CHAP name; the secret is then read from --secret-file, --secret-env or
    /// /dev/tty.
    #[arg(long)]
    pub name: Option<String>,
    /// Read the secret from this file (one trailing newline removed).
    #[arg(long, value_name = "PATH", conflicts_with = "secret_env")]
    pub secret_file: Option<PathBuf>,
    /// Read the secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// The LHBA's methods in use, in preference order.
    #[arg(long, value_delimiter = ',')]
    pub methods: Option<Vec<AuthArg>>,
    /// With --target: stop using its own credentials (or, with --mutual, mutual CHAP).
    #[arg(long, conflicts_with = "name", requires = "target")]
    pub disable: bool,
}

/// The output format of pass-through data.
#[derive(Debug, Args)]
pub struct Raw {
    /// Dump the raw bytes (and sense) in hex instead of decoding.
    #[arg(long)]
    pub hex: bool,
}

/// LU verbs.
#[derive(Debug, Subcommand)]
pub enum LuVerb {
    /// LUs of one target or all (with INQUIRY and capacity).
    List {
        /// Only this target.
        target: Option<String>,
    },
    /// INQUIRY (standard, or a VPD page).
    Inquiry {
        /// The target's name.
        target: String,
        /// The LUN (default: the target itself, LUN 0).
        lun: Option<u64>,
        /// A VPD page (0x00, 0x80, 0x83, ...).
        #[arg(long, value_parser = parse_u8)]
        page: Option<u8>,
        /// Raw output.
        #[command(flatten)]
        raw: Raw,
    },
    /// READ CAPACITY.
    Capacity {
        /// The target's name.
        target: String,
        /// The LUN (default: the target itself, LUN 0).
        lun: Option<u64>,
        /// CDB length, 10 or 16.
        #[arg(long, default_value_t = 16)]
        cdb: u8,
        /// Raw output.
        #[command(flatten)]
        raw: Raw,
    },
    /// Exposes an LU to the OS as an NBD export (IMA_ExposeLu) and prints its URI. In
    /// embedded mode the export ends with this process; through iscsi-hbad it stays.
    Expose {
        /// The target's name.
        target: String,
        /// The LUN.
        lun: u64,
    },
    /// Stops exposing an LU (IMA_UnexposeLu); refused (LU_IN_USE) while NBD clients are
    /// connected.
    Unexpose {
        /// The target's name.
        target: String,
        /// The LUN.
        lun: u64,
    },
    /// REPORT LUNS.
    ReportLuns {
        /// The target's name.
        target: String,
        /// Raw output.
        #[command(flatten)]
        raw: Raw,
    },
}

/// Session verbs.
#[derive(Debug, Subcommand)]
pub enum SessionVerb {
    /// Every session, or a target's.
    List {
        /// Only this target.
        target: Option<String>,
    },
    /// A target's session: negotiated values, connections, addresses.
    Show {
        /// The target's name.
        target: String,
    },
    /// Logs in and keeps the target logged in (vendor IOCtl LOGIN).
    Login {
        /// The target's name.
        target: String,
    },
    /// Logs out and holds the target out while the plugin is loaded (vendor IOCtl LOGOUT).
    Logout {
        /// The target's name.
        target: String,
    },
}

/// `stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Only this target.
    pub target: Option<String>,
}

/// Event verbs.
#[derive(Debug, Subcommand)]
pub enum EventsVerb {
    /// Prints one line (or JSON object) per event until Ctrl-C, --count or --timeout.
    Watch {
        /// Stop after this many events.
        #[arg(long)]
        count: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECS")]
        timeout: Option<f64>,
    },
}

/// iscsiadm `list` objects.
#[derive(Debug, Subcommand)]
pub enum ListObject {
    /// = target list.
    Target(TargetList),
    /// = discovery-address list.
    DiscoveryAddress,
    /// = static-config list.
    StaticConfig,
    /// = node show.
    InitiatorNode,
    /// = discovery show.
    Discovery,
    /// = target-param show.
    TargetParam {
        /// The target's name.
        target: String,
    },
}

/// iscsiadm `add` / `remove` objects.
#[derive(Debug, Subcommand)]
pub enum AddObject {
    /// = discovery-address add/remove.
    DiscoveryAddress {
        /// IP[:port].
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// = static-config add/remove.
    StaticConfig {
        /// IQN,IP[:port].
        #[arg(required = true)]
        targets: Vec<String>,
    },
}

/// iscsiadm `modify` objects.
#[derive(Debug, Subcommand)]
pub enum ModifyObject {
    /// = node set.
    InitiatorNode(NodeSet),
    /// Enable or disable discovery methods.
    Discovery {
        /// Static configuration.
        #[arg(short = 's', long = "static")]
        static_: Option<OnOff>,
        /// SendTargets.
        #[arg(short = 't', long = "sendtargets")]
        sendtargets: Option<OnOff>,
    },
}

fn parse_u8(s: &str) -> Result<u8, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u8::from_str_radix(h, 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("{s:?} is not a byte (0..=255 or 0x00..=0xff)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn iscsiadm_forms_parse() {
        let cli = Cli::try_parse_from(["imadm", "list", "target", "-S", "-v"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::List {
                object: ListObject::Target(TargetList {
                    lus: true,
                    verbose: true,
                    ..
                })
            }
        ));
        Cli::try_parse_from(["imadm", "modify", "initiator-node", "-N", "iqn.x"]).unwrap();
        Cli::try_parse_from(["imadm", "modify", "discovery", "--static", "enable"]).unwrap();
        Cli::try_parse_from(["imadm", "add", "static-config", "iqn.x,1.2.3.4:3260"]).unwrap();
        assert!(Cli::try_parse_from(["imadm", "auth", "set", "--disable"]).is_err());
        assert_eq!(parse_u8("0x83"), Ok(0x83));
    }
}
