//! A re-entrant lock serialising calls into one plugin.
//!
//! illumos libima never enters one plugin's entry points concurrently (docs/ima-notes.md
//! §3.8), and plugins written for it may rely on that. We keep the guarantee per plugin, but
//! re-entrant: a plugin that calls back into the library on the same thread does not
//! deadlock. Client callbacks never run under this lock (see `crate::callbacks`).

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, ThreadId};

/// Re-entrant mutual exclusion without data.
#[derive(Debug, Default)]
pub(crate) struct ReentrantLock {
    state: Mutex<Owner>,
    released: Condvar,
}

#[derive(Debug, Default)]
struct Owner {
    thread: Option<ThreadId>,
    depth: usize,
}

/// Held while the current thread owns the lock.
#[derive(Debug)]
pub(crate) struct ReentrantGuard<'a> {
    lock: &'a ReentrantLock,
}

impl ReentrantLock {
    /// Blocks until the current thread owns the lock.
    pub(crate) fn lock(&self) -> ReentrantGuard<'_> {
        let me = thread::current().id();
        let mut owner = self.owner();
        loop {
            match owner.thread {
                None => {
                    owner.thread = Some(me);
                    owner.depth = 1;
                    break;
                }
                Some(thread) if thread == me => {
                    owner.depth += 1;
                    break;
                }
                Some(_) => {
                    owner = self
                        .released
                        .wait(owner)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
        ReentrantGuard { lock: self }
    }

    /// Takes the lock only if no other thread holds it.
    pub(crate) fn try_lock(&self) -> Option<ReentrantGuard<'_>> {
        let me = thread::current().id();
        let mut owner = self.owner();
        match owner.thread {
            Some(thread) if thread != me => None,
            _ => {
                owner.thread = Some(me);
                owner.depth += 1;
                Some(ReentrantGuard { lock: self })
            }
        }
    }

    fn owner(&self) -> MutexGuard<'_, Owner> {
        // The state is two plain fields updated atomically under the mutex; a panic while it
        // is held cannot leave it half-written, so a poisoned mutex is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ReentrantGuard<'_> {
    fn drop(&mut self) {
        let mut owner = self.lock.owner();
        owner.depth = owner.depth.saturating_sub(1);
        if owner.depth == 0 {
            owner.thread = None;
            self.lock.released.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn reentrant_and_exclusive() {
        let lock = Arc::new(ReentrantLock::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
                thread::spawn(move || {
                    for _ in 0..200 {
                        let _outer = lock.lock();
                        let _inner = lock.lock();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let held = lock.lock();
        let other = Arc::clone(&lock);
        assert!(
            thread::spawn(move || other.try_lock().is_none())
                .join()
                .unwrap()
        );
        drop(held);
        assert!(lock.try_lock().is_some());
    }
}
