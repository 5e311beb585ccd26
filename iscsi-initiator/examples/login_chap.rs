//! Logs in with mutual CHAP and per-target keys, then prints what was negotiated.
//!
//! `cargo run -p iscsi-initiator --example login_chap -- PORTAL TARGET USER [TARGET_USER]`,
//! with the secrets in `CHAP_SECRET` and `CHAP_TARGET_SECRET` (never on the command line).

use iscsi_initiator::{
    Credentials, Error, Initiator, InitiatorConfig, Portal,
    iscsi_proto::auth::{AlgorithmList, ChapAlgorithm, Secret},
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [portal, target, user, rest @ ..] = args.as_slice() else {
        return Err(Error::Invalid(
            "usage: login_chap PORTAL TARGET USER [TARGET_USER]".into(),
        ));
    };
    let portal: Portal = portal
        .parse()
        .map_err(|e| Error::Invalid(format!("portal: {e}")))?;
    let secret = |var: &str| {
        std::env::var(var)
            .map(|s| Secret::from(s.as_str()))
            .map_err(|_| Error::Invalid(format!("set {var}")))
    };
    let mutual = match rest.first() {
        Some(target_user) => Some((target_user.clone(), secret("CHAP_TARGET_SECRET")?)),
        None => None,
    };
    let initiator = Initiator::new(InitiatorConfig::new("iqn.2026-12.example:login-chap"));
    let mut options = initiator.default_options();
    options.credentials = Some(Credentials {
        user: user.clone(),
        secret: secret("CHAP_SECRET")?,
        target: mutual,
        algorithms: AlgorithmList::new([ChapAlgorithm::Sha256, ChapAlgorithm::Md5])
            .unwrap_or_default(),
        allow_short_secrets: false,
    });
    // Keys for this target only, checked against RFC 7143 before anything is sent.
    options.operational.max_burst_length = 128 * 1024;
    let session = initiator.login_with(target, &portal, options).await?;
    let snapshot = session.snapshot();
    println!(
        "{} at {} (TSIH {:?}): {:?}, MaxBurstLength {}",
        snapshot.target,
        snapshot.portal,
        snapshot.tsih,
        snapshot.auth,
        snapshot.params.max_burst_length
    );
    session.shutdown().await
}
