//! CHAP exchanges against a simulated target, and one test per guard.
//!
//! The simulated target hashes with the RustCrypto crates directly and encodes and decodes
//! hex itself, so a bug in `ChapAlgorithm::compute` or the value codec cannot hide here.

use md5::Md5;
use rand::{Rng, RngCore, SeedableRng, rngs::StdRng};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use sha3::Sha3_256;

use super::*;
use crate::text::value::encode_base64;

const USER: &str = "iqn.2024-01.org.example:initiator";
const SECRET: &str = "initiator-secret-16";
const TARGET_USER: &str = "iqn.2024-01.org.example:target";
const TARGET_SECRET: &str = "target-secret-0016";

/// `H(identifier || secret || challenge)` computed without the code under test.
fn digest(code: u8, identifier: u8, secret: &[u8], challenge: &[u8]) -> Vec<u8> {
    fn run<D: Digest>(identifier: u8, secret: &[u8], challenge: &[u8]) -> Vec<u8> {
        let mut hasher = D::new();
        hasher.update([identifier]);
        hasher.update(secret);
        hasher.update(challenge);
        hasher.finalize().to_vec()
    }
    match code {
        5 => run::<Md5>(identifier, secret, challenge),
        6 => run::<Sha1>(identifier, secret, challenge),
        7 => run::<Sha256>(identifier, secret, challenge),
        8 => run::<Sha3_256>(identifier, secret, challenge),
        _ => panic!("no algorithm {code}"),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("0x{digits}")
}

fn from_hex(text: &str) -> Vec<u8> {
    let digits = text.strip_prefix("0x").expect("hex constant");
    assert_eq!(digits.len() % 2, 0);
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

fn one_way(algorithms: &[ChapAlgorithm]) -> ChapInitiator {
    let config = ChapConfig::new(USER, Secret::from(SECRET))
        .with_algorithms(AlgorithmList::new(algorithms.iter().copied()).unwrap());
    ChapInitiator::new(config).unwrap()
}

fn mutual(algorithms: &[ChapAlgorithm]) -> ChapInitiator {
    let config = ChapConfig::new(USER, Secret::from(SECRET))
        .with_algorithms(AlgorithmList::new(algorithms.iter().copied()).unwrap())
        .with_mutual(TARGET_USER, Secret::from(TARGET_SECRET));
    ChapInitiator::new(config).unwrap()
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(0x15c5)
}

/// The target's side of one exchange.
struct SimTarget {
    code: u8,
    identifier: u8,
    challenge: Vec<u8>,
}

impl SimTarget {
    fn new(code: u8, rng: &mut StdRng) -> Self {
        let mut challenge = vec![0; 50];
        rng.fill_bytes(&mut challenge);
        Self {
            code,
            identifier: rng.random(),
            challenge,
        }
    }

    fn chap_a(&self) -> String {
        self.code.to_string()
    }

    fn chap_i(&self) -> String {
        self.identifier.to_string()
    }

    fn chap_c(&self) -> String {
        to_hex(&self.challenge)
    }

    /// Sends the challenge and checks the initiator's `CHAP_N`/`CHAP_R` with `secret`.
    fn challenge(
        &self,
        initiator: &ChapInitiator,
        secret: &[u8],
        rng: &mut StdRng,
    ) -> Result<(ChapResponse, ChapAnswered, bool), AuthError> {
        let (response, answered) = initiator.handle_challenge(
            Some(&self.chap_a()),
            Some(&self.chap_i()),
            Some(&self.chap_c()),
            rng,
        )?;
        let expected = digest(self.code, self.identifier, secret, &self.challenge);
        let accepted = response.name == USER && from_hex(&response.response) == expected;
        Ok((response, answered, accepted))
    }

    /// The target's answer to the initiator's mutual challenge, computed with `secret`.
    fn answer(&self, response: &ChapResponse, secret: &[u8]) -> Vec<u8> {
        let identifier = response.mutual_identifier.expect("mutual CHAP_I");
        let challenge = from_hex(response.mutual_challenge.as_deref().expect("mutual CHAP_C"));
        digest(self.code, identifier, secret, &challenge)
    }
}

// ---------------------------------------------------------------------------------------
// Full exchanges

#[test]
fn one_way_exchange_with_each_algorithm() {
    let mut rng = rng();
    for algorithm in ChapAlgorithm::ALL {
        let initiator = one_way(&ChapAlgorithm::ALL);
        assert_eq!(initiator.offer(), "8,7,6,5");
        let target = SimTarget::new(algorithm.code(), &mut rng);
        let (response, answered, accepted) = target
            .challenge(&initiator, SECRET.as_bytes(), &mut rng)
            .unwrap();
        assert!(accepted, "{}", algorithm.name());
        assert_eq!(answered.algorithm(), algorithm);
        assert!(!answered.is_mutual());
        let keys: Vec<_> = response.pairs().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["CHAP_N", "CHAP_R"]);
        let done = answered.verify_target(None, None).unwrap();
        assert!(!done.is_mutual());
        assert!(done.into_target_proof().is_none());
    }
}

#[test]
fn mutual_exchange_with_each_algorithm() {
    let mut rng = rng();
    for algorithm in ChapAlgorithm::ALL {
        let initiator = mutual(&[algorithm, ChapAlgorithm::Md5][..algorithm_list_len(algorithm)]);
        let target = SimTarget::new(algorithm.code(), &mut rng);
        let (response, answered, accepted) = target
            .challenge(&initiator, SECRET.as_bytes(), &mut rng)
            .unwrap();
        assert!(accepted, "{}", algorithm.name());
        assert!(answered.is_mutual());
        let keys: Vec<_> = response.pairs().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["CHAP_N", "CHAP_R", "CHAP_I", "CHAP_C"]);
        let our_challenge = from_hex(response.mutual_challenge.as_deref().unwrap());
        assert_eq!(our_challenge.len(), 2 * algorithm.digest_len());

        let chap_r = target.answer(&response, TARGET_SECRET.as_bytes());
        let done = answered
            .verify_target(Some(TARGET_USER), Some(&to_hex(&chap_r)))
            .unwrap();
        assert!(done.is_mutual());
        let _proof: TargetAuthenticated = done.into_target_proof().unwrap();
    }
}

/// `[alg, Md5]` without repeating MD5.
fn algorithm_list_len(algorithm: ChapAlgorithm) -> usize {
    if algorithm == ChapAlgorithm::Md5 {
        1
    } else {
        2
    }
}

#[test]
fn mutual_accepts_base64_target_response() {
    let mut rng = rng();
    let initiator = mutual(&[ChapAlgorithm::Sha256, ChapAlgorithm::Md5]);
    let target = SimTarget::new(7, &mut rng);
    let (response, answered, _) = target
        .challenge(&initiator, SECRET.as_bytes(), &mut rng)
        .unwrap();
    let chap_r = encode_base64(&target.answer(&response, TARGET_SECRET.as_bytes()));
    assert!(
        answered
            .verify_target(Some(TARGET_USER), Some(&chap_r))
            .is_ok()
    );
}

#[test]
fn proof_is_zero_sized() {
    assert_eq!(size_of::<TargetAuthenticated>(), 0);
}

// ---------------------------------------------------------------------------------------
// Wrong secrets

#[test]
fn wrong_initiator_secret_is_refused_by_the_target() {
    let mut rng = rng();
    for algorithm in ChapAlgorithm::ALL {
        let initiator = one_way(&ChapAlgorithm::ALL);
        let target = SimTarget::new(algorithm.code(), &mut rng);
        let (_, _, accepted) = target
            .challenge(&initiator, b"another-secret-16", &mut rng)
            .unwrap();
        assert!(!accepted, "{}", algorithm.name());
    }
}

#[test]
fn wrong_target_secret_fails() {
    let mut rng = rng();
    for algorithm in ChapAlgorithm::ALL {
        let initiator = mutual(&ChapAlgorithm::ALL);
        let target = SimTarget::new(algorithm.code(), &mut rng);
        let (response, answered, _) = target
            .challenge(&initiator, SECRET.as_bytes(), &mut rng)
            .unwrap();
        let chap_r = target.answer(&response, b"wrong-target-secret");
        assert_eq!(
            answered
                .verify_target(Some(TARGET_USER), Some(&to_hex(&chap_r)))
                .unwrap_err(),
            AuthError::TargetResponseMismatch,
            "{}",
            algorithm.name()
        );
    }
}

#[test]
fn flipped_bit_in_target_response_fails() {
    let mut rng = rng();
    let initiator = mutual(&[ChapAlgorithm::Md5]);
    let target = SimTarget::new(5, &mut rng);
    let (response, answered, _) = target
        .challenge(&initiator, SECRET.as_bytes(), &mut rng)
        .unwrap();
    let mut chap_r = target.answer(&response, TARGET_SECRET.as_bytes());
    chap_r[15] ^= 1;
    assert_eq!(
        answered
            .verify_target(Some(TARGET_USER), Some(&to_hex(&chap_r)))
            .unwrap_err(),
        AuthError::TargetResponseMismatch
    );
}

// ---------------------------------------------------------------------------------------
// Same secret both ways (RFC 7143 §9.2.1)

#[test]
fn same_secret_in_config_is_refused() {
    let config = ChapConfig::new(USER, Secret::from(SECRET))
        .with_mutual(TARGET_USER, Secret::from(SECRET.to_string()));
    assert_eq!(
        ChapInitiator::new(config).unwrap_err(),
        AuthError::SameSecret
    );
}

#[test]
fn target_response_made_with_our_secret_fails() {
    let mut rng = rng();
    for algorithm in ChapAlgorithm::ALL {
        let initiator = mutual(&ChapAlgorithm::ALL);
        let target = SimTarget::new(algorithm.code(), &mut rng);
        let (response, answered, _) = target
            .challenge(&initiator, SECRET.as_bytes(), &mut rng)
            .unwrap();
        // A target (or a reflector) that answers with the initiator's own secret.
        let chap_r = target.answer(&response, SECRET.as_bytes());
        assert_eq!(
            answered
                .verify_target(Some(TARGET_USER), Some(&to_hex(&chap_r)))
                .unwrap_err(),
            AuthError::SameSecret,
            "{}",
            algorithm.name()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Reflection and our challenge (RFC 7143 §9.2.1, RFC 1994)

/// What `handle_challenge` will draw from `rng`: the identifier byte, then the challenge.
fn predict(rng: &StdRng, len: usize) -> (u8, Vec<u8>) {
    let mut copy = rng.clone();
    let mut identifier = [0u8; 1];
    copy.fill_bytes(&mut identifier);
    let mut challenge = vec![0u8; len];
    copy.fill_bytes(&mut challenge);
    (identifier[0], challenge)
}

#[test]
fn reflected_challenge_fails() {
    let initiator = mutual(&[ChapAlgorithm::Md5]);
    let mut rng = rng();
    // A target that knows the challenge we are about to send (a predictable RNG) and sends
    // it as its own.
    let (_, ours) = predict(&rng, 32);
    let result = initiator.handle_challenge(Some("5"), Some("1"), Some(&to_hex(&ours)), &mut rng);
    assert_eq!(result.unwrap_err(), AuthError::ReflectedChallenge);

    // Control: any other challenge of the same length is answered.
    let mut rng = self::rng();
    let mut other = ours;
    other[0] ^= 0xff;
    assert!(
        initiator
            .handle_challenge(Some("5"), Some("1"), Some(&to_hex(&other)), &mut rng)
            .is_ok()
    );
}

#[test]
fn our_identifier_and_challenge_come_from_the_rng() {
    let initiator = mutual(&[ChapAlgorithm::Sha256, ChapAlgorithm::Md5]);
    let mut rng = rng();
    let (identifier, challenge) = predict(&rng, 64);
    let (response, _) = initiator
        .handle_challenge(Some("7"), Some("9"), Some("0x0102030405"), &mut rng)
        .unwrap();
    assert_eq!(response.mutual_identifier, Some(identifier));
    assert_eq!(response.mutual_challenge, Some(to_hex(&challenge)));

    // A fresh draw gives a fresh challenge.
    let (again, _) = initiator
        .handle_challenge(Some("7"), Some("9"), Some("0x0102030405"), &mut rng)
        .unwrap();
    assert_ne!(again.mutual_challenge, response.mutual_challenge);
}

#[test]
fn default_challenge_is_twice_the_digest() {
    for (algorithm, len) in [
        (ChapAlgorithm::Md5, 32),
        (ChapAlgorithm::Sha1, 40),
        (ChapAlgorithm::Sha256, 64),
        (ChapAlgorithm::Sha3_256, 64),
    ] {
        let initiator = mutual(&ChapAlgorithm::ALL);
        let code = algorithm.code().to_string();
        let (response, _) = initiator
            .handle_challenge(Some(&code), Some("0"), Some("0x00"), &mut rng())
            .unwrap();
        assert_eq!(
            from_hex(response.mutual_challenge.as_deref().unwrap()).len(),
            len
        );
    }
}

#[test]
fn configured_challenge_length_is_16_to_1024() {
    for len in [16, 17, 1024] {
        let config = ChapConfig::new(USER, Secret::from(SECRET))
            .with_mutual(TARGET_USER, Secret::from(TARGET_SECRET))
            .with_challenge_len(len);
        let initiator = ChapInitiator::new(config).unwrap();
        let (response, _) = initiator
            .handle_challenge(Some("5"), Some("0"), Some("0x00"), &mut rng())
            .unwrap();
        assert_eq!(
            from_hex(response.mutual_challenge.as_deref().unwrap()).len(),
            len
        );
    }
    for len in [0, 8, 15, 1025] {
        let config = ChapConfig::new(USER, Secret::from(SECRET)).with_challenge_len(len);
        assert!(
            matches!(ChapInitiator::new(config), Err(AuthError::InvalidConfig(_))),
            "{len}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// CHAP_A

#[test]
fn target_picks_algorithm_not_offered() {
    let initiator = one_way(&[ChapAlgorithm::Sha256, ChapAlgorithm::Md5]);
    for (chap_a, code) in [
        ("6", 6),
        ("8", 8),
        ("9", 9),
        ("0", 0),
        ("128", 128),
        ("255", 255),
    ] {
        let result = initiator.handle_challenge(Some(chap_a), Some("1"), Some("0x01"), &mut rng());
        assert_eq!(
            result.unwrap_err(),
            AuthError::AlgorithmNotOffered(code),
            "{chap_a}"
        );
    }
    let default = one_way(&[ChapAlgorithm::Md5]);
    let result = default.handle_challenge(Some("7"), Some("1"), Some("0x01"), &mut rng());
    assert_eq!(result.unwrap_err(), AuthError::AlgorithmNotOffered(7));
}

#[test]
fn chap_a_must_be_a_single_number() {
    let initiator = one_way(&ChapAlgorithm::ALL);
    for chap_a in [
        "7,5", "5,", "", " 5", "5 ", "-5", "five", "256", "0x100", "None",
    ] {
        let result = initiator.handle_challenge(Some(chap_a), Some("1"), Some("0x01"), &mut rng());
        assert_eq!(result.unwrap_err(), AuthError::BadAlgorithm, "{chap_a:?}");
    }
    let result = initiator.handle_challenge(Some("Reject"), Some("1"), Some("0x01"), &mut rng());
    assert_eq!(result.unwrap_err(), AuthError::AlgorithmRejected);
}

#[test]
fn fallback_offers_md5_alone() {
    let mut initiator = one_way(&[ChapAlgorithm::Sha256, ChapAlgorithm::Md5]);
    assert_eq!(initiator.offer(), "7,5");
    assert!(initiator.fallback_md5_only());
    assert_eq!(initiator.offer(), "5");
    assert_eq!(initiator.algorithms(), &AlgorithmList::md5_only());
    assert!(!initiator.fallback_md5_only());
    // After the fallback, a target choosing SHA-256 is choosing something not offered.
    let result = initiator.handle_challenge(Some("7"), Some("1"), Some("0x01"), &mut rng());
    assert_eq!(result.unwrap_err(), AuthError::AlgorithmNotOffered(7));
    assert!(
        initiator
            .handle_challenge(Some("5"), Some("1"), Some("0x01"), &mut rng())
            .is_ok()
    );
}

#[test]
fn default_offer_is_md5() {
    let initiator = ChapInitiator::new(ChapConfig::new(USER, Secret::from(SECRET))).unwrap();
    assert_eq!(initiator.offer(), "5");
    assert!(!initiator.is_mutual());
}

// ---------------------------------------------------------------------------------------
// CHAP_I

#[test]
fn chap_i_decimal_or_hex() {
    let initiator = one_way(&[ChapAlgorithm::Md5]);
    let challenge = [0x33u8; 16];
    let answer = |chap_i: &str| {
        initiator
            .handle_challenge(
                Some("5"),
                Some(chap_i),
                Some(&to_hex(&challenge)),
                &mut rng(),
            )
            .map(|(response, _)| from_hex(&response.response))
    };
    for (chap_i, identifier) in [
        ("42", 42),
        ("0x2a", 42),
        ("0X2A", 42),
        ("0", 0),
        ("255", 255),
        ("0xff", 255),
    ] {
        assert_eq!(
            answer(chap_i).unwrap(),
            digest(5, identifier, SECRET.as_bytes(), &challenge),
            "{chap_i}"
        );
    }
    for chap_i in ["256", "0x100", "-1", "", "1a", "4 2", "+1", "1,2"] {
        assert_eq!(
            answer(chap_i).unwrap_err(),
            AuthError::BadIdentifier,
            "{chap_i:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// CHAP_C

#[test]
fn chap_c_hex_and_base64_are_equivalent() {
    let initiator = one_way(&[ChapAlgorithm::Md5]);
    let challenge: Vec<u8> = (0u8..=200).collect();
    let answer = |chap_c: &str| {
        initiator
            .handle_challenge(Some("5"), Some("7"), Some(chap_c), &mut rng())
            .map(|(response, _)| from_hex(&response.response))
    };
    let expected = digest(5, 7, SECRET.as_bytes(), &challenge);
    assert_eq!(answer(&to_hex(&challenge)).unwrap(), expected);
    assert_eq!(
        answer(&to_hex(&challenge).to_uppercase().replacen("0X", "0x", 1)).unwrap(),
        expected
    );
    assert_eq!(answer(&encode_base64(&challenge)).unwrap(), expected);
    // Pinned base64 text (Python: base64.b64encode(bytes([0, 1, 2, 253, 254, 255]))).
    assert_eq!(
        answer("0bAAEC/f7/").unwrap(),
        digest(5, 7, SECRET.as_bytes(), &[0, 1, 2, 253, 254, 255])
    );
}

#[test]
fn chap_c_up_to_1024_bytes() {
    let initiator = one_way(&[ChapAlgorithm::Md5]);
    let answer = |chap_c: &str| {
        initiator
            .handle_challenge(Some("5"), Some("7"), Some(chap_c), &mut rng())
            .map(|(response, _)| from_hex(&response.response))
    };
    let long = vec![0xa5u8; 1024];
    assert_eq!(
        answer(&to_hex(&long)).unwrap(),
        digest(5, 7, SECRET.as_bytes(), &long)
    );
    assert_eq!(
        answer(&encode_base64(&long)).unwrap(),
        digest(5, 7, SECRET.as_bytes(), &long)
    );
    assert_eq!(
        answer("0x01").unwrap(),
        digest(5, 7, SECRET.as_bytes(), &[1])
    );

    let too_long = vec![0xa5u8; 1025];
    assert_eq!(
        answer(&to_hex(&too_long)).unwrap_err(),
        AuthError::ChallengeLength
    );
    assert_eq!(
        answer(&encode_base64(&too_long)).unwrap_err(),
        AuthError::ChallengeLength
    );
}

#[test]
fn chap_c_bad_encoding_or_empty_fails() {
    let initiator = one_way(&[ChapAlgorithm::Md5]);
    for chap_c in [
        "", "0x", "0b", "abcd", "1234", "0xzz", "0x12 34", "0b!!!!", "0bA", "0x-1",
    ] {
        let result = initiator.handle_challenge(Some("5"), Some("7"), Some(chap_c), &mut rng());
        let error = result.unwrap_err();
        assert!(
            matches!(
                error,
                AuthError::BadEncoding("CHAP_C") | AuthError::ChallengeLength
            ),
            "{chap_c:?}: {error:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// CHAP_N and CHAP_R from the target

fn answered_mutual(algorithm: ChapAlgorithm) -> (SimTarget, ChapResponse, ChapAnswered) {
    let mut rng = rng();
    let initiator = mutual(&ChapAlgorithm::ALL);
    let target = SimTarget::new(algorithm.code(), &mut rng);
    let (response, answered, _) = target
        .challenge(&initiator, SECRET.as_bytes(), &mut rng)
        .unwrap();
    (target, response, answered)
}

#[test]
fn target_name_must_match() {
    for chap_n in [
        "iqn.2024-01.org.example:other",
        "",
        "IQN.2024-01.ORG.EXAMPLE:TARGET",
        USER,
    ] {
        let (target, response, answered) = answered_mutual(ChapAlgorithm::Md5);
        let chap_r = to_hex(&target.answer(&response, TARGET_SECRET.as_bytes()));
        assert_eq!(
            answered
                .verify_target(Some(chap_n), Some(&chap_r))
                .unwrap_err(),
            AuthError::TargetNameMismatch,
            "{chap_n:?}"
        );
    }
}

#[test]
fn target_response_must_have_digest_length() {
    let (_, response, answered) = answered_mutual(ChapAlgorithm::Sha256);
    // tgt's CHAP_A=7 is SHA-1: a 20-byte answer where 32 are due.
    let identifier = response.mutual_identifier.unwrap();
    let our_challenge = from_hex(response.mutual_challenge.as_deref().unwrap());
    let sha1 = digest(6, identifier, TARGET_SECRET.as_bytes(), &our_challenge);
    assert_eq!(
        answered
            .verify_target(Some(TARGET_USER), Some(&to_hex(&sha1)))
            .unwrap_err(),
        AuthError::ResponseLength { expected: 32 }
    );
    // The right answer with one byte appended.
    let (target, response, answered) = answered_mutual(ChapAlgorithm::Sha256);
    let mut long = target.answer(&response, TARGET_SECRET.as_bytes());
    long.push(0);
    assert_eq!(
        answered
            .verify_target(Some(TARGET_USER), Some(&to_hex(&long)))
            .unwrap_err(),
        AuthError::ResponseLength { expected: 32 }
    );
    // Over the 1024-byte limit.
    let (_, _, answered) = answered_mutual(ChapAlgorithm::Sha256);
    assert_eq!(
        answered
            .verify_target(Some(TARGET_USER), Some(&to_hex(&[0; 1025])))
            .unwrap_err(),
        AuthError::ResponseLength { expected: 32 }
    );
}

#[test]
fn target_response_bad_encoding_fails() {
    for chap_r in ["", "0x", "deadbeef", "0xgg", "0b*"] {
        let (_, _, answered) = answered_mutual(ChapAlgorithm::Md5);
        assert_eq!(
            answered
                .verify_target(Some(TARGET_USER), Some(chap_r))
                .unwrap_err(),
            AuthError::BadEncoding("CHAP_R"),
            "{chap_r:?}"
        );
    }
}

#[test]
fn missing_keys_fail() {
    let initiator = mutual(&[ChapAlgorithm::Md5]);
    let cases = [
        (None, Some("1"), Some("0x01"), "CHAP_A"),
        (Some("5"), None, Some("0x01"), "CHAP_I"),
        (Some("5"), Some("1"), None, "CHAP_C"),
    ];
    for (a, i, c, key) in cases {
        assert_eq!(
            initiator.handle_challenge(a, i, c, &mut rng()).unwrap_err(),
            AuthError::MissingKey(key)
        );
    }
    let (_, _, answered) = answered_mutual(ChapAlgorithm::Md5);
    assert_eq!(
        answered.verify_target(None, Some("0x00")).unwrap_err(),
        AuthError::MissingKey("CHAP_N")
    );
    let (_, _, answered) = answered_mutual(ChapAlgorithm::Md5);
    assert_eq!(
        answered.verify_target(Some(TARGET_USER), None).unwrap_err(),
        AuthError::MissingKey("CHAP_R")
    );
}

#[test]
fn one_way_refuses_target_chap_keys() {
    let initiator = one_way(&[ChapAlgorithm::Md5]);
    let answered = || {
        initiator
            .handle_challenge(Some("5"), Some("1"), Some("0x01"), &mut rng())
            .unwrap()
            .1
    };
    assert_eq!(
        answered()
            .verify_target(Some(TARGET_USER), None)
            .unwrap_err(),
        AuthError::UnexpectedKey("CHAP_N")
    );
    assert_eq!(
        answered().verify_target(None, Some("0x00")).unwrap_err(),
        AuthError::UnexpectedKey("CHAP_R")
    );
}

// ---------------------------------------------------------------------------------------
// Configuration

#[test]
fn invalid_configs_are_refused() {
    let good = || ChapConfig::new(USER, Secret::from(SECRET));
    let cases = [
        ChapConfig::new("", Secret::from(SECRET)),
        ChapConfig::new("a\0b", Secret::from(SECRET)),
        ChapConfig::new("x".repeat(256), Secret::from(SECRET)),
        ChapConfig::new(USER, Secret::from("")),
        good().with_mutual("", Secret::from(TARGET_SECRET)),
        good().with_mutual(TARGET_USER, Secret::from("")),
    ];
    for config in cases {
        assert!(matches!(
            ChapInitiator::new(config),
            Err(AuthError::InvalidConfig(_))
        ));
    }
    assert!(ChapInitiator::new(ChapConfig::new("x".repeat(255), Secret::from(SECRET))).is_ok());
}

// ---------------------------------------------------------------------------------------
// Nothing secret is printed

#[test]
fn debug_and_errors_hide_chap_material() {
    let mut rng = rng();
    let initiator = mutual(&[ChapAlgorithm::Md5]);
    let target = SimTarget::new(5, &mut rng);
    let (response, answered, _) = target
        .challenge(&initiator, SECRET.as_bytes(), &mut rng)
        .unwrap();
    let printed = [
        format!("{initiator:?}"),
        format!("{:?}", ChapConfig::new(USER, Secret::from(SECRET))),
        format!("{response:?}"),
        format!("{answered:?}"),
    ];
    let hidden = [
        SECRET.to_string(),
        TARGET_SECRET.to_string(),
        response.response.clone(),
        response.mutual_challenge.clone().unwrap(),
        response.response[2..].to_string(),
        response.mutual_challenge.as_deref().unwrap()[2..].to_string(),
    ];
    for text in &printed {
        for secret in &hidden {
            assert!(!text.contains(secret.as_str()), "{text}");
        }
    }
    assert!(printed[0].contains("Secret(..)"));
}

// ---------------------------------------------------------------------------------------
// Robustness

/// Random text built from pieces that steer into every parser branch, or (half the time)
/// one of the `valid` values so that later steps are reached too.
fn arbitrary(rng: &mut StdRng, valid: &[&str]) -> Option<String> {
    const PIECES: [&str; 24] = [
        "0x",
        "0X",
        "0b",
        "0B",
        "5",
        "6",
        "7",
        "8",
        "255",
        "256",
        ",",
        "=",
        "==",
        "-",
        " ",
        "\0",
        "Reject",
        "ff",
        "zz",
        "AAAA",
        "/+",
        "é",
        "9999999999999999999999",
        TARGET_USER,
    ];
    if rng.random_bool(0.05) {
        return None;
    }
    if rng.random_bool(0.5) {
        return Some(valid[rng.random_range(0..valid.len())].to_string());
    }
    let mut text = String::new();
    for _ in 0..rng.random_range(0..8) {
        if rng.random_bool(0.1) {
            let len = rng.random_range(0..1100);
            text.push_str(&"a".repeat(len));
        } else {
            text.push_str(PIECES[rng.random_range(0..PIECES.len())]);
        }
    }
    Some(text)
}

#[test]
fn arbitrary_keys_never_panic() {
    let mut rng = StdRng::seed_from_u64(0xc4a9);
    let initiators = [one_way(&[ChapAlgorithm::Md5]), mutual(&ChapAlgorithm::ALL)];
    let long_hex = to_hex(&[0x11; 1024]);
    let responses = [
        to_hex(&[0; 16]),
        to_hex(&[0; 20]),
        to_hex(&[0; 32]),
        encode_base64(&[0; 32]),
    ];
    let mut verified = 0;
    for round in 0..20_000u64 {
        let initiator = &initiators[usize::from(round % 2 == 1)];
        let a = arbitrary(&mut rng, &["5", "6", "7", "8", "0x07"]);
        let i = arbitrary(&mut rng, &["0", "255", "0x2a", "17"]);
        let c = arbitrary(&mut rng, &["0x01", "0bAAEC/f7/", &long_hex]);
        let mut key_rng = StdRng::seed_from_u64(round);
        if let Ok((_, answered)) =
            initiator.handle_challenge(a.as_deref(), i.as_deref(), c.as_deref(), &mut key_rng)
        {
            verified += 1;
            let n = arbitrary(&mut rng, &[TARGET_USER]);
            let r = arbitrary(&mut rng, &responses.each_ref().map(String::as_str));
            let result = answered.verify_target(n.as_deref(), r.as_deref());
            // Without the target secret, mutual verification can never succeed.
            assert!(result.is_err() || !initiator.is_mutual());
        }
    }
    // The generator reaches the verification step often enough to exercise it.
    assert!(verified > 1000, "{verified}");
}
