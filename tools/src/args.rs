//! The command lines of the tools, one clap parser each, here so that the binaries and
//! `iscsi-tools-gen` (man pages, completions) share them. docs/tools.md lists each flag and
//! how it differs from libiscsi's tool of the same name.

use std::path::PathBuf;

use clap::{CommandFactory, Parser};

use crate::cli::{self, Common};

fn lun_help() -> String {
    format!("{}\n\n{}", cli::LUN_URL_HELP, cli::ENV_HELP)
}

fn portal_help() -> String {
    format!("{}\n\n{}", cli::PORTAL_URL_HELP, cli::ENV_HELP)
}

fn dd_help() -> String {
    format!(
        "SRC and DST are each an iSCSI URL, a file, or - (stdin for SRC, stdout for DST); at \
         least one is a URL. Sizes (--skip, --seek, --count, -b) are in blocks of the LU's \
         block size (both LUs must have the same one).\n\n{}\n\n{}",
        cli::LUN_URL_HELP,
        cli::ENV_HELP
    )
}

/// `iscsi-ls`: lists the targets a portal offers (SendTargets), and with `-s` logs in to
/// each and lists its LUNs.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "iscsi-ls",
    version,
    about = "List the targets of an iSCSI portal; with -s, log in to each and list its LUNs",
    after_help = portal_help()
)]
pub struct LsArgs {
    #[allow(missing_docs)]
    #[command(flatten)]
    pub common: Common,
    /// Show the LUNs of each target (logs in to every target)
    #[arg(short = 's', long = "show-luns")]
    pub show_luns: bool,
    /// Print each target as an iscsi:// URL (not with -s)
    #[arg(long = "url", conflicts_with = "show_luns")]
    pub url_format: bool,
    /// Debug diagnostics (as -vv); --debug=N is accepted, any N > 0 meaning on
    #[arg(short = 'd', long = "debug", num_args = 0..=1, require_equals = true,
          default_missing_value = "1", value_name = "LEVEL")]
    pub debug: Option<u8>,
    /// The portal: iscsi://[<user>[%<password>]@]<host>[:<port>]
    #[arg(value_name = "ISCSI-URL")]
    pub url: String,
}

/// `iscsi-inq`: standard INQUIRY data or a VPD page.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "iscsi-inq",
    version,
    about = "Print the INQUIRY data of a logical unit: standard, or a VPD page with -e 1",
    after_help = lun_help()
)]
pub struct InqArgs {
    #[allow(missing_docs)]
    #[command(flatten)]
    pub common: Common,
    /// EVPD: 1 asks for a VPD page (-c; default 0x00, the supported pages), 0 the standard data
    #[arg(short = 'e', long = "evpd", value_name = "0|1",
          value_parser = clap::value_parser!(u8).range(0..=1), default_value_t = 0)]
    pub evpd: u8,
    /// VPD page code, decimal or 0x hex (needs -e 1)
    #[arg(short = 'c', long = "pagecode", value_name = "PAGE",
          value_parser = cli::parse_u8_any_base)]
    pub page_code: Option<u8>,
    /// Print the iSCSI parameters negotiated at login
    #[arg(long)]
    pub params: bool,
    /// Debug diagnostics (as -vv); --debug=N is accepted, any N > 0 meaning on
    #[arg(short = 'd', long = "debug", num_args = 0..=1, require_equals = true,
          default_missing_value = "1", value_name = "LEVEL")]
    pub debug: Option<u8>,
    /// The logical unit: iscsi://[<user>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>
    #[arg(value_name = "ISCSI-URL")]
    pub url: String,
}

/// `iscsi-readcapacity16`: READ CAPACITY (16), printed as libiscsi's tool prints it.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "iscsi-readcapacity16",
    version,
    about = "Print the READ CAPACITY (16) data of a logical unit",
    after_help = lun_help()
)]
pub struct ReadCapacity16Args {
    #[allow(missing_docs)]
    #[command(flatten)]
    pub common: Common,
    /// Print the size in bytes only
    #[arg(short = 's', long = "size")]
    pub size_only: bool,
    /// Debug diagnostics (as -vv); --debug=N is accepted, any N > 0 meaning on
    #[arg(short = 'd', long = "debug", num_args = 0..=1, require_equals = true,
          default_missing_value = "1", value_name = "LEVEL")]
    pub debug: Option<u8>,
    /// The logical unit: iscsi://[<user>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>
    #[arg(value_name = "ISCSI-URL")]
    pub url: String,
}

/// `on` or `off`, for `iscsi-swp -s`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, clap::ValueEnum)]
pub enum OnOff {
    /// Set software write protect.
    On,
    /// Clear software write protect.
    Off,
}

/// `iscsi-swp`: shows, and with `-s` sets or clears, the SWP bit of the Control mode page.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "iscsi-swp",
    version,
    about = "Show or set the software write protect (SWP) bit of a logical unit",
    after_help = lun_help()
)]
pub struct SwpArgs {
    #[allow(missing_docs)]
    #[command(flatten)]
    pub common: Common,
    /// Turn software write protect on or off (MODE SELECT of the Control mode page)
    #[arg(short = 's', long = "swp", value_name = "on|off", ignore_case = true)]
    pub swp: Option<OnOff>,
    /// Debug diagnostics (as -vv); --debug=N is accepted, any N > 0 meaning on
    #[arg(short = 'd', long = "debug", num_args = 0..=1, require_equals = true,
          default_missing_value = "1", value_name = "LEVEL")]
    pub debug: Option<u8>,
    /// The logical unit: iscsi://[<user>[%<password>]@]<host>[:<port>]/<target-iqn>/<lun>
    #[arg(value_name = "ISCSI-URL")]
    pub url: String,
}

/// `iscsi-dd`: copies blocks between LUs, files, stdin and stdout.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "iscsi-dd",
    version,
    about = "Copy blocks from SRC to DST: LU to LU, LU to file or stdout, file or stdin to LU",
    after_help = dd_help()
)]
pub struct DdArgs {
    #[allow(missing_docs)]
    #[command(flatten)]
    pub common: Common,
    /// Source: an iSCSI URL, a file, or - for stdin
    #[arg(short = 's', long = "src", value_name = "SRC")]
    pub src: String,
    /// Destination: an iSCSI URL, a file, or - for stdout
    #[arg(short = 'd', long = "dst", value_name = "DST")]
    pub dst: String,
    /// Blocks per I/O [default: as many as fit 1 MiB]
    #[arg(short = 'b', long = "blocks", value_name = "BLOCKS",
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub blocks: Option<u32>,
    /// I/Os in flight at a time
    #[arg(short = 'm', long = "max", value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_in_flight: u16,
    /// Blocks to skip at the start of SRC
    #[arg(long, value_name = "BLOCKS", default_value_t = 0)]
    pub skip: u64,
    /// Blocks to skip at the start of DST
    #[arg(long, value_name = "BLOCKS", default_value_t = 0)]
    pub seek: u64,
    /// Blocks to copy [default: to the end of SRC]
    #[arg(long, value_name = "BLOCKS")]
    pub count: Option<u64>,
    /// Show progress on stderr: a bar with rate and ETA on a terminal, else a line every 5 s
    #[arg(short = 'p', long = "progress")]
    pub progress: bool,
    /// Seconds between plain progress lines when stderr is not a terminal
    #[arg(long, value_name = "SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub progress_interval: u64,
    /// Accepted for libiscsi compatibility: READ(16)/WRITE(16) are always used
    #[arg(short = '6', long = "use16")]
    pub use16: bool,
    /// Debug diagnostics (as -vv); -d is DST here, as in libiscsi's iscsi-dd
    #[arg(long = "debug")]
    pub debug: bool,
}

/// Every tool's parser with its binary name, for `iscsi-tools-gen`.
pub fn commands() -> Vec<clap::Command> {
    vec![
        LsArgs::command(),
        InqArgs::command(),
        DdArgs::command(),
        ReadCapacity16Args::command(),
        SwpArgs::command(),
    ]
}

/// The directory `iscsi-tools-gen` writes into by default.
pub fn default_gen_dir() -> PathBuf {
    PathBuf::from("target/iscsi-tools-gen")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parser_is_consistent() {
        for command in commands() {
            command.debug_assert();
        }
    }

    #[test]
    fn libiscsi_style_command_lines() {
        let ls = LsArgs::try_parse_from(["iscsi-ls", "-sv", "--initiator-name=iqn.x", "iscsi://h"])
            .unwrap();
        assert!(ls.show_luns);
        assert_eq!(ls.common.verbose, 1);
        assert_eq!(ls.common.initiator_name.as_deref(), Some("iqn.x"));
        let inq = InqArgs::try_parse_from(["iscsi-inq", "-e", "1", "-c", "0x83", "iscsi://h/t/1"])
            .unwrap();
        assert_eq!((inq.evpd, inq.page_code), (1, Some(0x83)));
        let inq =
            InqArgs::try_parse_from(["iscsi-inq", "--evpd=1", "--pagecode=176", "u"]).unwrap();
        assert_eq!(inq.page_code, Some(0xb0));
        // Out of range is refused, never clamped.
        assert!(InqArgs::try_parse_from(["iscsi-inq", "-e", "2", "u"]).is_err());
        assert!(InqArgs::try_parse_from(["iscsi-inq", "-c", "256", "u"]).is_err());
        assert!(DdArgs::try_parse_from(["iscsi-dd", "-s", "a", "-d", "b", "-m", "65"]).is_err());
        assert!(DdArgs::try_parse_from(["iscsi-dd", "-s", "a", "-d", "b", "-b", "0"]).is_err());
        let dd = DdArgs::try_parse_from(["iscsi-dd", "-ps", "a", "-d", "b", "-b", "200"]).unwrap();
        assert!(dd.progress);
        assert_eq!(dd.blocks, Some(200));
        let swp = SwpArgs::try_parse_from(["iscsi-swp", "-s", "ON", "u"]).unwrap();
        assert_eq!(swp.swp, Some(OnOff::On));
        assert!(SwpArgs::try_parse_from(["iscsi-swp", "-s", "maybe", "u"]).is_err());
        let rc = ReadCapacity16Args::try_parse_from(["iscsi-readcapacity16", "-sd", "u"]).unwrap();
        assert!(rc.size_only);
        assert_eq!(rc.debug, Some(1));
        let rc = ReadCapacity16Args::try_parse_from(["x", "--debug=0", "u"]).unwrap();
        assert_eq!(rc.debug, Some(0));
    }
}
