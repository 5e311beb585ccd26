//! Client callback registration (docs/ima-notes.md §2.13; design in [`crate::callbacks`]).

use ima_abi::{ObjectPropertyFn, ObjectVisibilityFn};

use crate::error::ImaError;
use crate::library::library;

export! {
    /// Registers a visibility callback (at most 64; a duplicate is accepted once). NULL →
    /// INVALID_PARAMETER.
    fn IMA_RegisterForObjectVisibilityChanges(p_client_fn: Option<ObjectVisibilityFn>) {
        let f = p_client_fn.ok_or(ImaError::NullArgument("pClientFn"))?;
        let library = library();
        library.callbacks.register_visibility(&library.plugins, f)
    }
}

export! {
    /// Deregisters a visibility callback. NULL → INVALID_PARAMETER; unknown → OBJECT_NOT_FOUND.
    fn IMA_DeregisterForObjectVisibilityChanges(p_client_fn: Option<ObjectVisibilityFn>) {
        let f = p_client_fn.ok_or(ImaError::NullArgument("pClientFn"))?;
        let library = library();
        library.callbacks.deregister_visibility(&library.plugins, f)
    }
}

export! {
    /// Registers a property callback (at most 64; a duplicate is accepted once). NULL →
    /// INVALID_PARAMETER.
    fn IMA_RegisterForObjectPropertyChanges(p_client_fn: Option<ObjectPropertyFn>) {
        let f = p_client_fn.ok_or(ImaError::NullArgument("pClientFn"))?;
        let library = library();
        library.callbacks.register_property(&library.plugins, f)
    }
}

export! {
    /// Deregisters a property callback. NULL → INVALID_PARAMETER; unknown → OBJECT_NOT_FOUND.
    fn IMA_DeregisterForObjectPropertyChanges(p_client_fn: Option<ObjectPropertyFn>) {
        let f = p_client_fn.ok_or(ImaError::NullArgument("pClientFn"))?;
        let library = library();
        library.callbacks.deregister_property(&library.plugins, f)
    }
}
