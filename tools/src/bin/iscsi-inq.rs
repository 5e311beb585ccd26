//! `iscsi-inq`: prints the standard INQUIRY data of a LUN, or with `-e 1 [-c PAGE]` a VPD
//! page (0x00, 0x80, 0x83, 0xB0, 0xB1 and 0xB2 decoded, others in hex). See docs/tools.md.

use std::process::ExitCode;

use clap::Parser;
use iscsi_initiator::{
    Session,
    iscsi_proto::{negotiation::NegotiatedParams, scsi::VpdPage, wire::Lun},
};
use iscsi_tools::{
    args::InqArgs,
    cli::{self, Failure, Status},
    scsi_text::{Inquiry, Vpd},
};
use serde::Serialize;

const TOOL: &str = "iscsi-inq";

/// `--json` output.
#[derive(Serialize)]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    standard: Option<Inquiry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpd: Option<Vpd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<Params>,
}

/// The negotiated login parameters (`--params`).
#[derive(Serialize)]
struct Params {
    header_digest: String,
    data_digest: String,
    initiator_max_recv_data_segment_length: u32,
    target_max_recv_data_segment_length: u32,
    max_burst_length: u32,
    first_burst_length: u32,
    initial_r2t: bool,
    immediate_data: bool,
    max_outstanding_r2t: u16,
    data_pdu_in_order: bool,
    data_sequence_in_order: bool,
    default_time2wait: u16,
    default_time2retain: u16,
    error_recovery_level: u8,
    max_connections: u16,
    target_alias: Option<String>,
    target_portal_group_tag: Option<u16>,
}

impl From<&NegotiatedParams> for Params {
    fn from(p: &NegotiatedParams) -> Self {
        Self {
            header_digest: format!("{:?}", p.header_digest),
            data_digest: format!("{:?}", p.data_digest),
            initiator_max_recv_data_segment_length: p.initiator_max_recv_data_segment_length,
            target_max_recv_data_segment_length: p.target_max_recv_data_segment_length,
            max_burst_length: p.max_burst_length,
            first_burst_length: p.first_burst_length,
            initial_r2t: p.initial_r2t,
            immediate_data: p.immediate_data,
            max_outstanding_r2t: p.max_outstanding_r2t,
            data_pdu_in_order: p.data_pdu_in_order,
            data_sequence_in_order: p.data_sequence_in_order,
            default_time2wait: p.default_time2wait,
            default_time2retain: p.default_time2retain,
            error_recovery_level: p.error_recovery_level,
            max_connections: p.max_connections,
            target_alias: p.target_alias.clone(),
            target_portal_group_tag: p.target_portal_group_tag,
        }
    }
}

impl Params {
    fn lines(&self) -> Vec<String> {
        let yn = |b: bool| if b { "Yes" } else { "No" };
        vec![
            format!("HeaderDigest:{}", self.header_digest),
            format!("DataDigest:{}", self.data_digest),
            format!(
                "MaxRecvDataSegmentLength (initiator):{}",
                self.initiator_max_recv_data_segment_length
            ),
            format!(
                "MaxRecvDataSegmentLength (target):{}",
                self.target_max_recv_data_segment_length
            ),
            format!("MaxBurstLength:{}", self.max_burst_length),
            format!("FirstBurstLength:{}", self.first_burst_length),
            format!("InitialR2T:{}", yn(self.initial_r2t)),
            format!("ImmediateData:{}", yn(self.immediate_data)),
            format!("MaxOutstandingR2T:{}", self.max_outstanding_r2t),
            format!("DataPDUInOrder:{}", yn(self.data_pdu_in_order)),
            format!("DataSequenceInOrder:{}", yn(self.data_sequence_in_order)),
            format!("DefaultTime2Wait:{}", self.default_time2wait),
            format!("DefaultTime2Retain:{}", self.default_time2retain),
            format!("ErrorRecoveryLevel:{}", self.error_recovery_level),
            format!("MaxConnections:{}", self.max_connections),
            format!("TargetAlias:{}", self.target_alias.as_deref().unwrap_or("")),
            format!(
                "TargetPortalGroupTag:{}",
                self.target_portal_group_tag
                    .map_or_else(String::new, |t| t.to_string())
            ),
        ]
    }
}

fn main() -> ExitCode {
    let args = InqArgs::parse();
    args.common.init_logging(args.debug.is_some_and(|d| d > 0));
    cli::run(TOOL, inquire(args))
}

async fn inquire(args: InqArgs) -> Result<(), Failure> {
    // libiscsi's iscsi-inq asks for a page only with EVPD set.
    let page = match (args.evpd, args.page_code) {
        (1, code) => Some(code.unwrap_or(0)),
        (_, None) => None,
        (_, Some(code)) => {
            return Err(Failure::new(
                Status::InvalidArgs,
                format!("-c {code:#04x} needs -e 1 (a VPD page is an EVPD INQUIRY)"),
            ));
        }
    };
    let name = args.common.initiator_name()?;
    let mut url = args.common.url(&args.url)?;
    let lun = cli::lun(&url)?;
    let session = cli::login(&name, &mut url).await?;
    let result = show(&session, lun, page, &args).await;
    let _ = session.logout().await;
    result
}

async fn show(
    session: &Session,
    lun: Lun,
    page: Option<u8>,
    args: &InqArgs,
) -> Result<(), Failure> {
    let mut output = Output {
        standard: None,
        vpd: None,
        params: args
            .params
            .then(|| Params::from(&session.snapshot().params)),
    };
    match page {
        None => {
            let inq = session.inquiry(lun).await?;
            // SPC: peripheral qualifier 011b means no device can exist at this LUN.
            if inq.peripheral_qualifier == 3 {
                return Err(Failure::new(
                    Status::NoObjects,
                    "no such LUN (peripheral qualifier 3: not connected)",
                ));
            }
            output.standard = Some(Inquiry::from(&inq));
        }
        Some(code) => {
            let raw = session
                .inquiry_vpd(lun, VpdPage::from(code))
                .await
                .map_err(|e| Failure::context(format!("VPD page {code:#04x}"), &e))?;
            let vpd = Vpd::decode(code, &raw)
                .map_err(|e| format!("cannot decode page {code:#04x}: {e}"))?;
            output.vpd = Some(vpd);
        }
    }
    if args.common.json {
        return cli::out_json(&output);
    }
    let lines = output
        .params
        .iter()
        .flat_map(Params::lines)
        .chain(output.standard.iter().flat_map(Inquiry::lines))
        .chain(output.vpd.iter().flat_map(Vpd::lines));
    for line in lines {
        cli::out(format_args!("{line}"))?;
    }
    Ok(())
}
