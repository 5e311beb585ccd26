//! `iscsi-hbad`: see the library ([`iscsi_hbad`]) and docs/hbad.md.

fn main() -> std::process::ExitCode {
    iscsi_hbad::main()
}
