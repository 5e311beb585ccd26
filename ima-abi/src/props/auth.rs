//! Initiator authentication parameters. CHAP names and secrets are byte arrays with explicit
//! lengths, not wide strings.

use crate::impl_zeroed;
use crate::prim::{ImaByte, ImaUint};

/// `IMA_CHAP_INITIATOR_AUTHPARMS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ChapInitiatorAuthParms {
    /// `retries`.
    pub retries: ImaUint,
    /// `name`.
    pub name: [ImaByte; 512],
    /// `nameLength`.
    pub name_length: ImaUint,
    /// `minValueLength`.
    pub min_value_length: ImaUint,
    /// `maxValueLength`.
    pub max_value_length: ImaUint,
    /// `challengeSecret`.
    pub challenge_secret: [ImaByte; 256],
    /// `challengeSecretLength`.
    pub challenge_secret_length: ImaUint,
    /// `reserved`.
    pub reserved: [ImaByte; 512],
}

/// `IMA_SRP_INITIATOR_AUTHPARMS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SrpInitiatorAuthParms {
    /// `userName`.
    pub user_name: [ImaByte; 512],
    /// `userNameLength`.
    pub user_name_length: ImaUint,
    /// `reserved`.
    pub reserved: [ImaByte; 512],
}

/// `IMA_KRB5_INITIATOR_AUTHPARMS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Krb5InitiatorAuthParms {
    /// `clientKey`.
    pub client_key: [ImaByte; 1024],
    /// `clientKeyLength`.
    pub client_key_length: ImaUint,
    /// `reserved`.
    pub reserved: [ImaByte; 2048],
}

/// `IMA_SPKM_INITIATOR_AUTHPARMS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SpkmInitiatorAuthParms {
    /// `privateKey`.
    pub private_key: [ImaByte; 4096],
    /// `privateKeyLength`.
    pub private_key_length: ImaUint,
    /// `publicKey`.
    pub public_key: [ImaByte; 4096],
    /// `publicKeyLength`.
    pub public_key_length: ImaUint,
    /// `reserved`.
    pub reserved: [ImaByte; 4096],
}

/// `IMA_INITIATOR_AUTHPARMS`: union of the four method-specific parameter blocks.
#[repr(C)]
#[derive(Clone, Copy)]
pub union InitiatorAuthParms {
    /// `chapParms`.
    pub chap_parms: ChapInitiatorAuthParms,
    /// `srpParms`.
    pub srp_parms: SrpInitiatorAuthParms,
    /// `kerberosParms`.
    pub kerberos_parms: Krb5InitiatorAuthParms,
    /// `spkmParms`.
    pub spkm_parms: SpkmInitiatorAuthParms,
}

impl_zeroed!(
    ChapInitiatorAuthParms,
    SrpInitiatorAuthParms,
    Krb5InitiatorAuthParms,
    SpkmInitiatorAuthParms,
    InitiatorAuthParms
);
