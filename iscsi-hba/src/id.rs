//! Object identities: an [`ObjectKind`] and a sequence number, as an IMA OID carries them
//! (the plugin adds its owner id).

use std::{collections::HashMap, fmt, hash::Hash};

/// What an [`ObjectId`] stands for (the IMA object types this engine owns).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum ObjectKind {
    /// The physical HBA: the software initiator itself. Always seq 1.
    Phba,
    /// The logical HBA. Always seq 1.
    Lhba,
    /// The initiator node (name and alias). Always seq 1.
    Node,
    /// A logical network port: one per host network interface.
    Lnp,
    /// A physical network port: one per host network interface.
    Pnp,
    /// A network portal: one IP address of an interface.
    NetworkPortal,
    /// A SendTargets discovery address (persisted).
    DiscoveryAddress,
    /// A statically configured target (persisted).
    StaticTarget,
    /// A target found by discovery.
    Target,
    /// A logical unit of a target.
    Lu,
    /// A session to a target: one login, kept across reinstatements (same ISID).
    Session,
    /// The connection of a session: a new one after each reinstatement.
    Connection,
}

/// The identity of one object: its kind and a sequence number.
///
/// Sequence numbers are stable for the life of the object and never reused within a
/// process. Discovery addresses and static targets keep theirs in the state file, so they
/// are the same after a restart and in every process sharing the file.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct ObjectId {
    /// The kind.
    pub kind: ObjectKind,
    /// The sequence number within the kind, never 0.
    pub seq: u64,
}

impl ObjectId {
    /// The sequence number of the PHBA, the LHBA and the node.
    pub const SINGLETON_SEQ: u64 = 1;
    /// The physical HBA.
    pub const PHBA: Self = Self::new(ObjectKind::Phba, Self::SINGLETON_SEQ);
    /// The logical HBA.
    pub const LHBA: Self = Self::new(ObjectKind::Lhba, Self::SINGLETON_SEQ);
    /// The initiator node.
    pub const NODE: Self = Self::new(ObjectKind::Node, Self::SINGLETON_SEQ);

    /// An id of `kind` with sequence number `seq`.
    pub const fn new(kind: ObjectKind, seq: u64) -> Self {
        Self { kind, seq }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}#{}", self.kind, self.seq)
    }
}

/// Hands out sequence numbers of one kind for in-process objects: each key keeps its
/// number while it is [`SeqMap::get_or_insert`]ed, a key that is removed and comes back
/// gets a new one, and numbers only grow.
#[derive(Debug)]
pub(crate) struct SeqMap<K> {
    kind: ObjectKind,
    next: u64,
    map: HashMap<K, u64>,
}

impl<K: Eq + Hash + Clone> SeqMap<K> {
    pub(crate) fn new(kind: ObjectKind) -> Self {
        Self {
            kind,
            next: 1,
            map: HashMap::new(),
        }
    }

    /// The id of `key`, allocated on first sight.
    pub(crate) fn get_or_insert(&mut self, key: &K) -> ObjectId {
        if let Some(seq) = self.map.get(key) {
            return ObjectId::new(self.kind, *seq);
        }
        let seq = self.next;
        self.next += 1;
        self.map.insert(key.clone(), seq);
        ObjectId::new(self.kind, seq)
    }

    /// Keeps only the keys `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.map.retain(|k, _| keep(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_are_stable_and_never_reused() {
        let mut m = SeqMap::new(ObjectKind::Target);
        let a = m.get_or_insert(&"a");
        let b = m.get_or_insert(&"b");
        assert_eq!(m.get_or_insert(&"a"), a);
        assert_ne!(a, b);
        m.retain(|k| *k != "a");
        let a2 = m.get_or_insert(&"a");
        assert!(a2.seq > b.seq);
        m.retain(|k| *k == "a");
        assert!(m.get_or_insert(&"b").seq > a2.seq);
        assert_eq!(ObjectId::NODE.to_string(), "Node#1");
    }
}
