//! CHAP algorithms (`CHAP_A` values) and the validated preference list we offer.
//!
//! The numbers come from the IANA "PPP Authentication Algorithms" registry: 5 is CHAP with
//! MD5 (RFC 1994), 6 SHA-1, 7 SHA-256, 8 SHA3-256. RFC 7143 §12.1.3 requires only 5.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use sha3::Sha3_256;

use super::{AuthError, Secret};

/// A CHAP hash algorithm, identified on the wire by its `CHAP_A` number.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum ChapAlgorithm {
    /// `CHAP_A=5`: MD5 (RFC 1994), the one every iSCSI implementation must support.
    Md5,
    /// `CHAP_A=6`: SHA-1.
    Sha1,
    /// `CHAP_A=7`: SHA-256. (tgt wrongly maps 7 to SHA-1; offer 5 only to tgt.)
    Sha256,
    /// `CHAP_A=8`: SHA3-256.
    Sha3_256,
}

impl ChapAlgorithm {
    /// Every supported algorithm, strongest first.
    pub const ALL: [Self; 4] = [Self::Sha3_256, Self::Sha256, Self::Sha1, Self::Md5];

    /// The algorithm with `CHAP_A` number `code`, if we support it.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            5 => Some(Self::Md5),
            6 => Some(Self::Sha1),
            7 => Some(Self::Sha256),
            8 => Some(Self::Sha3_256),
            _ => None,
        }
    }

    /// The `CHAP_A` number.
    pub fn code(self) -> u8 {
        match self {
            Self::Md5 => 5,
            Self::Sha1 => 6,
            Self::Sha256 => 7,
            Self::Sha3_256 => 8,
        }
    }

    /// The length of a response (the digest) in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 | Self::Sha3_256 => 32,
        }
    }

    /// A short name for logs and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha3_256 => "SHA3-256",
        }
    }

    /// The CHAP response: the hash of the identifier octet, then the secret, then the
    /// challenge (RFC 1994 §4.1, used unchanged by RFC 7143 §12.1.3).
    ///
    /// The result is [`ChapAlgorithm::digest_len`] bytes long.
    pub fn compute(self, identifier: u8, secret: &Secret, challenge: &[u8]) -> Vec<u8> {
        fn hash<D: Digest>(identifier: u8, secret: &[u8], challenge: &[u8]) -> Vec<u8> {
            D::new()
                .chain_update([identifier])
                .chain_update(secret)
                .chain_update(challenge)
                .finalize()
                .to_vec()
        }
        let secret = secret.expose();
        match self {
            Self::Md5 => hash::<Md5>(identifier, secret, challenge),
            Self::Sha1 => hash::<Sha1>(identifier, secret, challenge),
            Self::Sha256 => hash::<Sha256>(identifier, secret, challenge),
            Self::Sha3_256 => hash::<Sha3_256>(identifier, secret, challenge),
        }
    }
}

/// The algorithms we offer in `CHAP_A`, in preference order.
///
/// A list is never empty, has no duplicates and always contains MD5 (RFC 7143 §12.1.3: the
/// initiator's offer must include 5). The default is MD5 alone, which every target accepts;
/// offering several values breaks some targets that read `CHAP_A` as a single value (see
/// [`ChapInitiator::fallback_md5_only`](super::ChapInitiator::fallback_md5_only)).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AlgorithmList(Vec<ChapAlgorithm>);

impl AlgorithmList {
    /// A list in preference order (most preferred first).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] if the list is empty, repeats an algorithm or lacks MD5.
    pub fn new(algorithms: impl IntoIterator<Item = ChapAlgorithm>) -> Result<Self, AuthError> {
        let mut list = Vec::with_capacity(ChapAlgorithm::ALL.len());
        for algorithm in algorithms {
            if list.contains(&algorithm) {
                return Err(AuthError::InvalidConfig("CHAP algorithm listed twice"));
            }
            list.push(algorithm);
        }
        if list.is_empty() {
            return Err(AuthError::InvalidConfig("empty CHAP algorithm list"));
        }
        // RFC 7143 §12.1.3: MD5 (5) is mandatory and always offered.
        if !list.contains(&ChapAlgorithm::Md5) {
            return Err(AuthError::InvalidConfig(
                "CHAP algorithm list lacks MD5 (5)",
            ));
        }
        Ok(Self(list))
    }

    /// MD5 alone: the default, and the retry offer for targets that refuse a list.
    pub fn md5_only() -> Self {
        Self(vec![ChapAlgorithm::Md5])
    }

    /// The algorithms in preference order.
    pub fn as_slice(&self) -> &[ChapAlgorithm] {
        &self.0
    }

    /// Whether `algorithm` is in the list.
    pub fn contains(&self, algorithm: ChapAlgorithm) -> bool {
        self.0.contains(&algorithm)
    }

    /// The `CHAP_A` value: the numbers joined by commas, e.g. `7,5`.
    pub fn offer(&self) -> String {
        let codes: Vec<String> = self.0.iter().map(|a| a.code().to_string()).collect();
        codes.join(",")
    }
}

impl Default for AlgorithmList {
    fn default() -> Self {
        Self::md5_only()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Hashes with the RustCrypto crate directly, independently of `compute`.
    fn reference<D: Digest>(identifier: u8, secret: &[u8], challenge: &[u8]) -> String {
        let mut input = vec![identifier];
        input.extend_from_slice(secret);
        input.extend_from_slice(challenge);
        hex(&D::digest(&input))
    }

    // Expected digests were computed once with Python's hashlib:
    // hashlib.new(name, bytes([1]) + b"secret" + bytes([0xAA] * 16)).hexdigest()
    // and hashlib.new(name, bytes([0xff]) + b"\x00binary\xff" + bytes(range(32))).hexdigest().
    // Pinning them catches a change in concatenation order that the reference would share.
    const KATS: [(ChapAlgorithm, &str, &str); 4] = [
        (
            ChapAlgorithm::Md5,
            "ff7d4622a5e64f5f5874b1c5b5f43422",
            "ebbe03849fb4f8e6b1c10e829c0b128b",
        ),
        (
            ChapAlgorithm::Sha1,
            "0e875aae6f522be788b62fe68d80081f053a94e6",
            "0422b7339dc257bdc1319b11be5eb1c25bd3b114",
        ),
        (
            ChapAlgorithm::Sha256,
            "4661f75040d34c3cb1f23bcd5752e0902e36a7ef414f2f70c4f7251f580c5125",
            "06b9212b5a731b3a44a35ba73cf4a3ff5d66af7faf54b5c06edac4655e8d6b38",
        ),
        (
            ChapAlgorithm::Sha3_256,
            "8764281f0543f756f0e1b294ee74230052d6929cf0663a7b66dac96beebbef1d",
            "2eff008b6ec8bad718f8b1f543dd2c5759c97684d529d01b29436da289069404",
        ),
    ];

    #[test]
    fn known_answers() {
        let binary_challenge: Vec<u8> = (0..32).collect();
        for (algorithm, first, second) in KATS {
            let got = algorithm.compute(1, &Secret::from("secret"), &[0xAA; 16]);
            assert_eq!(hex(&got), first, "{}", algorithm.name());
            assert_eq!(got.len(), algorithm.digest_len());
            let got = algorithm.compute(
                0xff,
                &Secret::from(&b"\x00binary\xff"[..]),
                &binary_challenge,
            );
            assert_eq!(hex(&got), second, "{}", algorithm.name());
        }
    }

    #[test]
    fn compute_matches_hash_crates() {
        let secret = b"a-longer-secret-value";
        let challenge = [0x5a; 40];
        let check = |algorithm: ChapAlgorithm, expected: String| {
            let got = algorithm.compute(42, &Secret::from(&secret[..]), &challenge);
            assert_eq!(hex(&got), expected, "{}", algorithm.name());
        };
        check(ChapAlgorithm::Md5, reference::<Md5>(42, secret, &challenge));
        check(
            ChapAlgorithm::Sha1,
            reference::<Sha1>(42, secret, &challenge),
        );
        check(
            ChapAlgorithm::Sha256,
            reference::<Sha256>(42, secret, &challenge),
        );
        check(
            ChapAlgorithm::Sha3_256,
            reference::<Sha3_256>(42, secret, &challenge),
        );
    }

    #[test]
    fn codes_round_trip() {
        for algorithm in ChapAlgorithm::ALL {
            assert_eq!(ChapAlgorithm::from_code(algorithm.code()), Some(algorithm));
        }
        assert_eq!(ChapAlgorithm::Md5.code(), 5);
        assert_eq!(ChapAlgorithm::Sha1.code(), 6);
        assert_eq!(ChapAlgorithm::Sha256.code(), 7);
        assert_eq!(ChapAlgorithm::Sha3_256.code(), 8);
        for code in [0, 4, 9, 128, 129, 255] {
            assert_eq!(ChapAlgorithm::from_code(code), None);
        }
    }

    #[test]
    fn default_list_is_md5_only() {
        assert_eq!(AlgorithmList::default().offer(), "5");
        assert_eq!(AlgorithmList::default(), AlgorithmList::md5_only());
    }

    #[test]
    fn list_keeps_preference_order() {
        let list = AlgorithmList::new([ChapAlgorithm::Sha256, ChapAlgorithm::Md5]).unwrap();
        assert_eq!(list.offer(), "7,5");
        let list = AlgorithmList::new([ChapAlgorithm::Md5, ChapAlgorithm::Sha3_256]).unwrap();
        assert_eq!(list.offer(), "5,8");
        let all = AlgorithmList::new(ChapAlgorithm::ALL).unwrap();
        assert_eq!(all.offer(), "8,7,6,5");
    }

    #[test]
    fn list_must_contain_md5() {
        assert_eq!(
            AlgorithmList::new([ChapAlgorithm::Sha256]),
            Err(AuthError::InvalidConfig(
                "CHAP algorithm list lacks MD5 (5)"
            ))
        );
    }

    #[test]
    fn list_must_not_be_empty() {
        assert_eq!(
            AlgorithmList::new([]),
            Err(AuthError::InvalidConfig("empty CHAP algorithm list"))
        );
    }

    #[test]
    fn list_rejects_duplicates() {
        assert_eq!(
            AlgorithmList::new([ChapAlgorithm::Md5, ChapAlgorithm::Md5]),
            Err(AuthError::InvalidConfig("CHAP algorithm listed twice"))
        );
    }
}
