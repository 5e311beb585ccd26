//! Links the cdylib with `-Bsymbolic`.
//!
//! A library that loads this plugin may export the very same `IMA_*` names (every IMA
//! library does: docs/ima-notes.md §4 item 9). Without `-Bsymbolic` a reference from inside
//! this object to one of its own exported symbols may be bound by the dynamic linker to the
//! first definition in the global scope, i.e. the library's function, which would then be
//! called with plugin-internal expectations. The plugin's code never calls its own exports
//! (all logic lives in internal functions), and `-Bsymbolic` makes sure that any remaining
//! self-reference (a function address taken for `dladdr`, a compile-time signature check)
//! binds to this object's own definition.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic");
    println!("cargo:rerun-if-changed=build.rs");
}
