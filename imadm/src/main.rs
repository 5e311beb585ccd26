//! `imadm`: a command-line IMA client (like illumos' `iscsiadm`, which is an IMA client).
//!
//! Not implemented yet; it exits with an error saying so rather than pretending to work.

fn main() -> std::process::ExitCode {
    eprintln!("imadm: not implemented yet (see the IMA issues in the tracker)");
    std::process::ExitCode::from(2)
}
