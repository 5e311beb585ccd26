//! Decodes a stream of iSCSI PDUs from a hex dump and prints one line per PDU.
//!
//! ```text
//! pdu-decode [--header-digest] [--data-digest] [FILE]
//! ```
//!
//! FILE holds the bytes of a TCP stream as hex (whitespace and `#` comments ignored), for
//! example copied from Wireshark's "Follow TCP stream" raw view. Without FILE an embedded
//! capture is decoded. The exit status is non-zero when the stream does not decode.

use std::{fmt::Write as _, process::ExitCode};

use bytes::BytesMut;
use iscsi_proto::{
    framing::{Digests, Frame, Framer, Limits},
    wire::Header,
};

const EMBEDDED: &str = include_str!("data/sample-capture.hex");

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pdu-decode: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut digests = Digests::default();
    let mut file = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--header-digest" => digests.header = true,
            "--data-digest" => digests.data = true,
            "-h" | "--help" => {
                println!("usage: pdu-decode [--header-digest] [--data-digest] [FILE]");
                return Ok(());
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            path => file = Some(path.to_owned()),
        }
    }
    let (source, text) = match &file {
        Some(path) => (
            path.as_str(),
            std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
        ),
        None => ("embedded capture", EMBEDDED.to_owned()),
    };
    let bytes = parse_hex(&text).map_err(|e| format!("{source}: {e}"))?;
    println!("{source}: {} bytes", bytes.len());

    // Accept data segments up to the largest the 24-bit field allows: this is a viewer.
    let limits = Limits {
        max_recv_data_segment_length: 0x00ff_ffff,
        max_send_data_segment_length: 0x00ff_ffff,
    };
    let mut framer = Framer::new(limits);
    framer.set_digests(digests);
    let mut src = BytesMut::from(&bytes[..]);
    let mut count = 0usize;
    loop {
        let offset = bytes.len() - src.len();
        match framer.decode(&mut src) {
            Ok(Some(Frame::Pdu(pdu))) => {
                count += 1;
                println!(
                    "{offset:>8}  {}  data {} B",
                    summary(&pdu.header),
                    pdu.data.len()
                );
            }
            Ok(Some(Frame::DataDigestError {
                header,
                data_segment_length,
                received,
                computed,
            })) => {
                count += 1;
                println!(
                    "{offset:>8}  {}  data {data_segment_length} B  DATA DIGEST MISMATCH (received {received:#010x}, computed {computed:#010x})",
                    summary(&header)
                );
            }
            Ok(None) if src.is_empty() => break,
            Ok(None) => {
                return Err(format!(
                    "{} trailing bytes do not form a whole PDU",
                    src.len()
                ));
            }
            Err(e) => return Err(format!("at byte {offset}: {e}")),
        }
    }
    println!("{count} PDUs");
    Ok(())
}

/// A one-line description of a header.
fn summary(header: &Header) -> String {
    let mut line = format!("{:<18}", format!("{:?}", header.opcode()));
    let _ = write!(line, " itt={:#x}", header.itt().0);
    let _ = write!(line, "  {header:?}");
    line
}

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(|line| line.bytes().filter(|b| !b.is_ascii_whitespace()))
        .collect();
    if digits.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|_| "not hex".to_owned())?;
            u8::from_str_radix(s, 16).map_err(|_| format!("bad hex {s:?}"))
        })
        .collect()
}
