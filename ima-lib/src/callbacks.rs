//! Client callbacks, fanned out from one library thread.
//!
//! Each plugin is given the library's own trampolines (once, when the first client callback
//! of that kind is registered; withdrawn when the last one is deregistered). A trampoline
//! only queues the event, without blocking, so a plugin may call it from any thread, even
//! synchronously inside an API call. The fan-out thread takes a snapshot of the client
//! callbacks and calls them with **no lock held**, so client code may call any IMA function.
//! Events whose OID names no loaded plugin are dropped (as illumos does). If the queue
//! ([`QUEUE_DEPTH`] events) is full the event is dropped with a log line.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ima_abi::{
    IMA_MAX_CALLBACK_PER_PLUGIN, ImaBool, ImaStatus, ObjectPropertyFn, ObjectVisibilityFn, Oid,
};

use crate::error::ImaError;
use crate::library::try_library;
use crate::plugin::Plugin;

/// Events queued at most before new ones are dropped.
pub const QUEUE_DEPTH: usize = 1024;

#[derive(Debug, Clone, Copy)]
enum Event {
    Visibility(ImaBool, Oid),
    Property(Oid),
}

#[derive(Default)]
struct Clients {
    visibility: Vec<ObjectVisibilityFn>,
    property: Vec<ObjectPropertyFn>,
}

/// Registered client callbacks and the fan-out queue.
#[derive(Default)]
pub(crate) struct Callbacks {
    clients: Mutex<Clients>,
    /// Serialises (de)registration, including the calls that hand trampolines to plugins.
    registration: Mutex<()>,
    sender: Mutex<Option<SyncSender<Event>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here is a push/remove/clone that cannot be left half-done.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which kind of callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Object visibility changes.
    Visibility,
    /// Object property changes.
    Property,
}

impl Callbacks {
    /// Registers a visibility callback.
    pub(crate) fn register_visibility(
        &self,
        plugins: &[Plugin],
        f: ObjectVisibilityFn,
    ) -> Result<ImaStatus, ImaError> {
        let _serial = lock(&self.registration);
        let first = {
            let mut clients = lock(&self.clients);
            if clients
                .visibility
                .iter()
                .any(|&g| std::ptr::fn_addr_eq(g, f))
            {
                return Ok(ImaStatus::STATUS_SUCCESS);
            }
            if clients.visibility.len() >= IMA_MAX_CALLBACK_PER_PLUGIN {
                return Err(ImaError::TooManyCallbacks);
            }
            clients.visibility.push(f);
            clients.visibility.len() == 1
        };
        self.ensure_thread()?;
        if first {
            hand_over(plugins, Kind::Visibility, true);
        }
        Ok(ImaStatus::STATUS_SUCCESS)
    }

    /// Registers a property callback.
    pub(crate) fn register_property(
        &self,
        plugins: &[Plugin],
        f: ObjectPropertyFn,
    ) -> Result<ImaStatus, ImaError> {
        let _serial = lock(&self.registration);
        let first = {
            let mut clients = lock(&self.clients);
            if clients.property.iter().any(|&g| std::ptr::fn_addr_eq(g, f)) {
                return Ok(ImaStatus::STATUS_SUCCESS);
            }
            if clients.property.len() >= IMA_MAX_CALLBACK_PER_PLUGIN {
                return Err(ImaError::TooManyCallbacks);
            }
            clients.property.push(f);
            clients.property.len() == 1
        };
        self.ensure_thread()?;
        if first {
            hand_over(plugins, Kind::Property, true);
        }
        Ok(ImaStatus::STATUS_SUCCESS)
    }

    /// Deregisters a visibility callback; an unknown one is `OBJECT_NOT_FOUND`.
    pub(crate) fn deregister_visibility(
        &self,
        plugins: &[Plugin],
        f: ObjectVisibilityFn,
    ) -> Result<ImaStatus, ImaError> {
        let _serial = lock(&self.registration);
        let last = {
            let mut clients = lock(&self.clients);
            let before = clients.visibility.len();
            clients.visibility.retain(|&g| !std::ptr::fn_addr_eq(g, f));
            if clients.visibility.len() == before {
                return Err(ImaError::ObjectNotFound);
            }
            clients.visibility.is_empty()
        };
        if last {
            hand_over(plugins, Kind::Visibility, false);
        }
        Ok(ImaStatus::STATUS_SUCCESS)
    }

    /// Deregisters a property callback; an unknown one is `OBJECT_NOT_FOUND`.
    pub(crate) fn deregister_property(
        &self,
        plugins: &[Plugin],
        f: ObjectPropertyFn,
    ) -> Result<ImaStatus, ImaError> {
        let _serial = lock(&self.registration);
        let last = {
            let mut clients = lock(&self.clients);
            let before = clients.property.len();
            clients.property.retain(|&g| !std::ptr::fn_addr_eq(g, f));
            if clients.property.len() == before {
                return Err(ImaError::ObjectNotFound);
            }
            clients.property.is_empty()
        };
        if last {
            hand_over(plugins, Kind::Property, false);
        }
        Ok(ImaStatus::STATUS_SUCCESS)
    }

    /// At exit: withdraws the trampolines from the plugins and stops the fan-out thread.
    pub(crate) fn shutdown(&self, plugins: &[Plugin]) {
        let (visibility, property) = {
            let clients = lock(&self.clients);
            (!clients.visibility.is_empty(), !clients.property.is_empty())
        };
        if visibility {
            hand_over(plugins, Kind::Visibility, false);
        }
        if property {
            hand_over(plugins, Kind::Property, false);
        }
        lock(&self.sender).take();
    }

    fn ensure_thread(&self) -> Result<(), ImaError> {
        let mut sender = lock(&self.sender);
        if sender.is_some() {
            return Ok(());
        }
        let (tx, rx) = sync_channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("ima-callbacks".into())
            .spawn(move || fan_out(rx))
            .map_err(|_| ImaError::Os("cannot start the callback thread"))?;
        *sender = Some(tx);
        Ok(())
    }

    fn post(&self, event: Event) {
        let sender = lock(&self.sender);
        let Some(sender) = sender.as_ref() else {
            return;
        };
        match sender.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!(?event, "callback queue full, event dropped")
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    fn snapshot(&self) -> (Vec<ObjectVisibilityFn>, Vec<ObjectPropertyFn>) {
        let clients = lock(&self.clients);
        (clients.visibility.clone(), clients.property.clone())
    }
}

/// Gives every plugin (that exports the call) the trampoline, or takes it back.
fn hand_over(plugins: &[Plugin], kind: Kind, register: bool) {
    for plugin in plugins {
        let Ok(session) = plugin.enter() else {
            continue;
        };
        let status = match (kind, register) {
            (Kind::Visibility, true) => session
                .entry("IMA_RegisterForObjectVisibilityChanges", |e| {
                    e.IMA_RegisterForObjectVisibilityChanges
                })
                .map(|f| {
                    // SAFETY: the entry point was resolved from the entered plugin with the
                    // prototype `IMA_STATUS f(IMA_OBJECT_*_FN)`; the trampoline is an
                    // `extern "C"` function of this library with the matching prototype.
                    session.status(unsafe { f(visibility_trampoline) })
                }),
            (Kind::Visibility, false) => session
                .entry("IMA_DeregisterForObjectVisibilityChanges", |e| {
                    e.IMA_DeregisterForObjectVisibilityChanges
                })
                .map(|f| {
                    // SAFETY: the entry point was resolved from the entered plugin with the
                    // prototype `IMA_STATUS f(IMA_OBJECT_*_FN)`; the trampoline is an
                    // `extern "C"` function of this library with the matching prototype.
                    session.status(unsafe { f(visibility_trampoline) })
                }),
            (Kind::Property, true) => session
                .entry("IMA_RegisterForObjectPropertyChanges", |e| {
                    e.IMA_RegisterForObjectPropertyChanges
                })
                .map(|f| {
                    // SAFETY: the entry point was resolved from the entered plugin with the
                    // prototype `IMA_STATUS f(IMA_OBJECT_*_FN)`; the trampoline is an
                    // `extern "C"` function of this library with the matching prototype.
                    session.status(unsafe { f(property_trampoline) })
                }),
            (Kind::Property, false) => session
                .entry("IMA_DeregisterForObjectPropertyChanges", |e| {
                    e.IMA_DeregisterForObjectPropertyChanges
                })
                .map(|f| {
                    // SAFETY: the entry point was resolved from the entered plugin with the
                    // prototype `IMA_STATUS f(IMA_OBJECT_*_FN)`; the trampoline is an
                    // `extern "C"` function of this library with the matching prototype.
                    session.status(unsafe { f(property_trampoline) })
                }),
        };
        match status {
            Ok(status) if status.is_success() => {}
            Ok(status) => {
                tracing::warn!(owner = plugin.owner_id, ?kind, register, %status, "plugin refused the callback")
            }
            Err(error) => {
                tracing::info!(owner = plugin.owner_id, ?kind, %error, "plugin cannot deliver events, skipped")
            }
        }
    }
}

/// The visibility trampoline given to plugins.
extern "C" fn visibility_trampoline(becoming_visible: ImaBool, oid: Oid) {
    let _ = std::panic::catch_unwind(|| {
        if let Some(library) = try_library() {
            library
                .callbacks
                .post(Event::Visibility(becoming_visible, oid));
        }
    });
}

/// The property trampoline given to plugins.
extern "C" fn property_trampoline(oid: Oid) {
    let _ = std::panic::catch_unwind(|| {
        if let Some(library) = try_library() {
            library.callbacks.post(Event::Property(oid));
        }
    });
}

fn fan_out(events: Receiver<Event>) {
    for event in events {
        let Some(library) = try_library() else { return };
        let oid = match event {
            Event::Visibility(_, oid) | Event::Property(oid) => oid,
        };
        if library.plugin(oid.owner_id).is_err() {
            tracing::debug!(?oid, "event for an unknown owner dropped");
            continue;
        }
        let (visibility, property) = library.callbacks.snapshot();
        match event {
            Event::Visibility(visible, oid) => {
                for f in visibility {
                    // SAFETY: `f` is a client-registered `IMA_OBJECT_VISIBILITY_FN`; it is
                    // called with no library lock held, as the API contract requires.
                    unsafe { f(visible, oid) };
                }
            }
            Event::Property(oid) => {
                for f in property {
                    // SAFETY: as above, for `IMA_OBJECT_PROPERTY_FN`.
                    unsafe { f(oid) };
                }
            }
        }
    }
}
