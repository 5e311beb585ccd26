//! A whole login negotiation in memory, per login: `iscsi-proto`'s `Login` against the test
//! target's sans-IO `TargetConnection` (security stage if any, operational stage, full
//! feature phase reached), through the framer on both sides. No sockets.
//!
//! ```text
//! cargo bench -p iscsi-benches --bench login
//! ```
//!
//! Variants: no authentication (`AuthMethod=None`), one-way CHAP with SHA-256 and mutual
//! CHAP with SHA-256. Both sides of each exchange run on this thread, so the figure is the
//! initiator's and the target's work together.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::{hint::black_box, time::Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iscsi_proto::{
    auth::{AlgorithmList, ChapAlgorithm, ChapConfig, Secret},
    login::LoginConfig,
    negotiation::OperationalConfig,
    wire::Isid,
};
use iscsi_test_target::{
    ChapAuth, DEFAULT_TARGET_NAME, LuConfig, Target, TargetConfig, TargetNodeConfig,
    pair::{PAIR_INITIATOR_NAME, login},
};

const USER: &str = "bench-user";
const SECRET: &str = "bench-secret-0123456789";
const TARGET_USER: &str = "bench-target";
const TARGET_SECRET: &str = "target-secret-9876543210";

/// A target with a 4 KiB LU (the login does not touch it) and no capture log.
fn target(auth: Option<ChapAuth>) -> Target {
    let mut config = TargetConfig::default();
    config.targets =
        vec![TargetNodeConfig::new(DEFAULT_TARGET_NAME).with_lus(vec![LuConfig::new(0, 512, 8)])];
    config.auth = auth;
    config.capture_limit = 0;
    Target::new(config).expect("target config")
}

fn login_config(chap: Option<ChapConfig>) -> LoginConfig {
    let op = OperationalConfig::normal(PAIR_INITIATOR_NAME, DEFAULT_TARGET_NAME);
    let config = LoginConfig::new(op, Isid::random(0x42, 1));
    match chap {
        Some(chap) => config.with_chap(chap),
        None => config,
    }
}

fn sha256_first() -> AlgorithmList {
    AlgorithmList::new([ChapAlgorithm::Sha256, ChapAlgorithm::Md5]).expect("valid list")
}

fn bench_login(c: &mut Criterion) {
    let mut group = c.benchmark_group("login");
    group.throughput(Throughput::Elements(1));
    let cases = [
        ("none", target(None), login_config(None)),
        (
            "chap_sha256",
            target(Some(
                ChapAuth::new(USER, SECRET).with_algorithms(vec![ChapAlgorithm::Sha256]),
            )),
            login_config(Some(
                ChapConfig::new(USER, Secret::from(SECRET)).with_algorithms(sha256_first()),
            )),
        ),
        (
            "chap_sha256_mutual",
            target(Some(
                ChapAuth::new(USER, SECRET)
                    .with_algorithms(vec![ChapAlgorithm::Sha256])
                    .with_mutual(TARGET_USER, TARGET_SECRET),
            )),
            login_config(Some(
                ChapConfig::new(USER, Secret::from(SECRET))
                    .with_algorithms(sha256_first())
                    .with_mutual(TARGET_USER, Secret::from(TARGET_SECRET)),
            )),
        ),
    ];
    for (name, target, config) in cases {
        // Fail here, not inside the measurement, if the variant does not log in.
        let done = login(&target, config.clone(), Instant::now()).expect("login");
        let chap = config.auth.is_some();
        eprintln!(
            "login/{name}: {} request(s), CHAP {chap}, target authenticated: {}",
            done.outcome.rounds,
            done.outcome.is_target_authenticated()
        );
        let now = Instant::now();
        group.bench_function(name, |b| {
            b.iter(|| login(&target, black_box(config.clone()), now).expect("login"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_login);
criterion_main!(benches);
