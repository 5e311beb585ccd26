//! `IMA_OBJECT_TYPE`, `IMA_OID` and `IMA_OID_LIST` (docs/ima-notes.md §1.3, §1.4).

use crate::prim::ImaUint;

/// `IMA_OBJECT_TYPE`.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct ObjectType(pub u32);

impl ObjectType {
    /// `IMA_OBJECT_TYPE_UNKNOWN`.
    pub const UNKNOWN: Self = Self(0);
    /// `IMA_OBJECT_TYPE_PLUGIN`.
    pub const PLUGIN: Self = Self(1);
    /// `IMA_OBJECT_TYPE_NODE`.
    pub const NODE: Self = Self(2);
    /// `IMA_OBJECT_TYPE_LHBA`.
    pub const LHBA: Self = Self(3);
    /// `IMA_OBJECT_TYPE_PHBA`.
    pub const PHBA: Self = Self(4);
    /// `IMA_OBJECT_TYPE_NETWORK_PORTAL`.
    pub const NETWORK_PORTAL: Self = Self(5);
    /// `IMA_OBJECT_TYPE_PORTAL_GROUP`.
    pub const PORTAL_GROUP: Self = Self(6);
    /// `IMA_OBJECT_TYPE_LNP`.
    pub const LNP: Self = Self(7);
    /// `IMA_OBJECT_TYPE_PNP`.
    pub const PNP: Self = Self(8);
    /// `IMA_OBJECT_TYPE_TARGET`.
    pub const TARGET: Self = Self(9);
    /// `IMA_OBJECT_TYPE_LU`.
    pub const LU: Self = Self(10);
    /// `IMA_OBJECT_TYPE_DISCOVERY_ADDRESS`.
    pub const DISCOVERY_ADDRESS: Self = Self(11);
    /// `IMA_OBJECT_TYPE_STATIC_DISCOVERY_TARGET`.
    pub const STATIC_DISCOVERY_TARGET: Self = Self(12);
    /// `IMA_OBJECT_TYPE_CONNECTION`.
    pub const CONNECTION: Self = Self(13);
    /// `IMA_OBJECT_TYPE_SESSION`.
    pub const SESSION: Self = Self(14);

    /// Whether the value is one of the types defined by the API (0..=14).
    pub const fn is_defined(self) -> bool {
        self.0 <= 14
    }
}

/// `IMA_OID`: names an object. 16 bytes, passed by value.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Oid {
    /// `objectType`.
    pub object_type: ObjectType,
    /// `ownerId`: 0 = the library, 1..N = the plugin loaded in that position.
    pub owner_id: u32,
    /// `objectSequenceNumber`, chosen by the owner.
    pub object_sequence_number: i64,
}

impl Oid {
    /// Builds an OID.
    pub const fn new(object_type: ObjectType, owner_id: u32, object_sequence_number: i64) -> Self {
        Self {
            object_type,
            owner_id,
            object_sequence_number,
        }
    }
}

/// `IMA_OID_LIST`: a counted list with a trailing array (`oids[1]` is the "struct hack").
///
/// Never build one on the stack for more than one OID: allocate it with
/// [`crate::list::alloc_counted`] and read it with [`crate::list::counted_slice`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct OidList {
    /// `oidCount`.
    pub oid_count: ImaUint,
    /// `oids[1]`: the first of `oid_count` entries.
    pub oids: [Oid; 1],
}
