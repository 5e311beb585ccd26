//! Gives `libima.so` the SONAME `libima.so.1`.
//!
//! A C program linked with `-lima` records the SONAME, not the file name, as what it needs,
//! so the ABI version travels with the binary: an incompatible library would be
//! `libima.so.2` and could be installed beside this one. `scripts/install.sh` installs the
//! file as `libima.so.1` with the development link `libima.so` next to it (the usual layout
//! of a shared library; `ima.pc` points `-lima` at it).
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libima.so.1");
    println!("cargo:rerun-if-changed=build.rs");
}
