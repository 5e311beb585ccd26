//! Event registration (docs/ima-notes.md §2.13, §3.6).
//!
//! The library registers its own trampoline once per kind (and again for each further client
//! function): the plugin keeps one pointer per kind and answers SUCCESS, since an error from
//! any plugin stops an illumos-style library's registration loop. Events are delivered by
//! [`deliver`], from the engine's own event thread, never from inside an API call (§4 item
//! 3); the placeholder backend has none. Deregistration forgets the pointer; it may never be
//! called (§4 item 7), so `Terminate` is the only shutdown signal.

use std::sync::{Mutex, PoisonError};

use ima_abi::{ImaStatus, ObjectPropertyFn, ObjectVisibilityFn};

use super::{ima_bool, oid_of};
use crate::backend::Event;
use crate::error::PluginError;

static VISIBILITY: Mutex<Option<ObjectVisibilityFn>> = Mutex::new(None);
static PROPERTY: Mutex<Option<ObjectPropertyFn>> = Mutex::new(None);

/// The registered visibility trampoline, if any (for the engine's event thread).
pub fn visibility_callback() -> Option<ObjectVisibilityFn> {
    *VISIBILITY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The registered property trampoline, if any (for the engine's event thread).
pub fn property_callback() -> Option<ObjectPropertyFn> {
    *PROPERTY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn store<F>(slot: &Mutex<Option<F>>, value: Option<F>) -> Result<ImaStatus, PluginError> {
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = value;
    Ok(ImaStatus::STATUS_SUCCESS)
}

export! {
    /// Stores the visibility trampoline.
    fn IMA_RegisterForObjectVisibilityChanges(p_client_fn: ObjectVisibilityFn) {
        store(&VISIBILITY, Some(p_client_fn))
    }
}

export! {
    /// Forgets the visibility trampoline.
    fn IMA_DeregisterForObjectVisibilityChanges(p_client_fn: ObjectVisibilityFn) {
        let _ = p_client_fn;
        store(&VISIBILITY, None)
    }
}

export! {
    /// Stores the property trampoline.
    fn IMA_RegisterForObjectPropertyChanges(p_client_fn: ObjectPropertyFn) {
        store(&PROPERTY, Some(p_client_fn))
    }
}

export! {
    /// Forgets the property trampoline.
    fn IMA_DeregisterForObjectPropertyChanges(p_client_fn: ObjectPropertyFn) {
        let _ = p_client_fn;
        store(&PROPERTY, None)
    }
}

/// Calls the registered callback of `event`'s kind, if any, with the object's OID (ownerId
/// stamped). For the event thread only: never call it from an entry point. The slot's lock
/// is released before the callback runs, so a callback may register or deregister.
pub fn deliver(event: Event) {
    match event {
        Event::Visibility(object, visible) => {
            let (Some(callback), Ok(oid)) = (visibility_callback(), oid_of(object)) else {
                return;
            };
            // SAFETY: a function pointer the library registered with this prototype
            // (docs/ima-notes.md §2.13); it stays valid while the library is loaded, which
            // outlives this plugin's event thread (Terminate stops it).
            unsafe { callback(ima_bool(visible), oid) };
        }
        Event::Property(object) => {
            let (Some(callback), Ok(oid)) = (property_callback(), oid_of(object)) else {
                return;
            };
            // SAFETY: as above.
            unsafe { callback(oid) };
        }
    }
}
