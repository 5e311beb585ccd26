//! [`HbaEvent`]: what changed in the engine's objects, for IMA's visibility and property
//! callbacks.
//!
//! The engine publishes on a broadcast channel and never waits for a subscriber, so no
//! engine lock is ever held while a client's callback runs. A subscriber that falls more
//! than [`EVENT_BACKLOG`] events behind gets `Lagged` and goes on from the oldest kept.

use std::sync::Mutex;

use tokio::sync::broadcast;

use crate::{Engine, ObjectId, engine::lock};

/// Events kept for a slow subscriber.
pub const EVENT_BACKLOG: usize = 4096;

/// Something that happened to an object.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum HbaEvent {
    /// The object appeared (`visible`) or went.
    Visibility {
        /// The object.
        id: ObjectId,
        /// `true` when it appeared.
        visible: bool,
    },
    /// The object's properties changed (a session reinstated or renegotiated, a setting
    /// changed).
    Property(ObjectId),
}

/// The sending side; `None` once the engine is shut down, which ends every subscription.
pub(crate) struct EventHub {
    sender: Mutex<Option<broadcast::Sender<HbaEvent>>>,
}

impl EventHub {
    pub(crate) fn new() -> Self {
        Self {
            sender: Mutex::new(Some(broadcast::channel(EVENT_BACKLOG).0)),
        }
    }

    pub(crate) fn send(&self, event: HbaEvent) {
        if let Some(tx) = lock(&self.sender).as_ref() {
            tracing::debug!(?event, "event");
            // No subscriber is not an error.
            let _ = tx.send(event);
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<HbaEvent> {
        match lock(&self.sender).as_ref() {
            Some(tx) => tx.subscribe(),
            // Shut down: a receiver whose channel is already closed.
            None => broadcast::channel(1).1,
        }
    }

    /// Ends every subscription (after the events already sent are read).
    pub(crate) fn close(&self) {
        lock(&self.sender).take();
    }
}

impl Engine {
    /// Subscribes to the engine's events from now on. The stream ends (`Closed`) when the
    /// engine shuts down.
    pub fn events(&self) -> broadcast::Receiver<HbaEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn visible(&self, id: ObjectId, visible: bool) {
        self.inner.events.send(HbaEvent::Visibility { id, visible });
    }

    pub(crate) fn changed(&self, id: ObjectId) {
        self.inner.events.send(HbaEvent::Property(id));
    }
}
