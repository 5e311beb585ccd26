//! Every plugin entry point the library may call, resolved once at load and cached.
//!
//! Field names are the exported symbol names; each is `None` when the plugin does not export
//! it. Names and prototypes come from the one list in `ima_abi::plugin_api`; statuses are
//! masked to 32 bits by the caller (`Session::status`).
#![allow(non_snake_case)]

use ima_abi::plugin_api;

use super::loader::symbol;

/// `IMA_STATUS f(IMA_OID_LIST **)`: the four aggregated lists.
pub(crate) type AggregateListFn = plugin_api::IMA_GetLhbaOidList;
/// `IMA_STATUS f(IMA_OID, IMA_OID_LIST **)`: the routed lists.
pub(crate) type RoutedListFn = plugin_api::IMA_GetTargetOidList;

macro_rules! entry_points {
    ($($name:ident($($arg:ty),*);)*) => {
        /// The resolved entry points of one plugin.
        #[derive(Clone, Copy, Default)]
        pub(crate) struct EntryPoints {
            $(pub(crate) $name: Option<plugin_api::$name>,)*
        }

        impl EntryPoints {
            /// Resolves every entry point once.
            pub(crate) fn resolve(library: &libloading::Library) -> Self {
                Self {
                    $($name: symbol(library, concat!(stringify!($name), "\0")),)*
                }
            }

            /// Names of the entry points the plugin does not export.
            pub(crate) fn missing(&self) -> Vec<&'static str> {
                let mut missing = Vec::new();
                $(if self.$name.is_none() { missing.push(stringify!($name)); })*
                missing
            }

            /// Number of entry points looked up.
            pub(crate) const COUNT: usize = plugin_api::NAMES.len();
        }
    };
}

// The one list of entry points and prototypes lives in ima-abi.
ima_abi::for_each_plugin_entry_point!(entry_points);
