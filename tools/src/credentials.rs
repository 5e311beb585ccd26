//! CHAP credentials for the tools, as libiscsi's tools take them, plus a password file and a
//! prompt:
//!
//! - `iscsi://user%password@host/...`: as given;
//! - `iscsi://user@host/...`: the password from `--password-file` (its first line), else
//!   `LIBISCSI_CHAP_PASSWORD`, else a prompt without echo when stdin is a terminal;
//! - no user in the URL: `LIBISCSI_CHAP_USERNAME` with its password found as above;
//! - mutual CHAP: `target_user`/`target_password` in the URL, else
//!   `LIBISCSI_CHAP_TARGET_USERNAME` and `LIBISCSI_CHAP_TARGET_PASSWORD`.
//!
//! Passwords read here are held in [`Zeroizing`] strings; the URL's copy is wiped by
//! [`crate::cli::scrub`] once the initiator has its own. No message shows a password.

use std::{io::IsTerminal, path::Path};

use iscsi_initiator::{IscsiUrl, url::Credentials};
use zeroize::Zeroizing;

use crate::cli::{Failure, Status, redact_url};

/// `LIBISCSI_CHAP_USERNAME`.
pub const USERNAME_ENV: &str = "LIBISCSI_CHAP_USERNAME";
/// `LIBISCSI_CHAP_PASSWORD`.
pub const PASSWORD_ENV: &str = "LIBISCSI_CHAP_PASSWORD";
/// `LIBISCSI_CHAP_TARGET_USERNAME`.
pub const TARGET_USERNAME_ENV: &str = "LIBISCSI_CHAP_TARGET_USERNAME";
/// `LIBISCSI_CHAP_TARGET_PASSWORD`.
pub const TARGET_PASSWORD_ENV: &str = "LIBISCSI_CHAP_TARGET_PASSWORD";

/// What the environment offers: the four libiscsi variables and whether a prompt is
/// possible. A value, not the process environment, so tests can build one.
#[derive(Default)]
pub struct Env {
    /// `LIBISCSI_CHAP_USERNAME`.
    pub user: Option<String>,
    /// `LIBISCSI_CHAP_PASSWORD`.
    pub password: Option<Zeroizing<String>>,
    /// `LIBISCSI_CHAP_TARGET_USERNAME`.
    pub target_user: Option<String>,
    /// `LIBISCSI_CHAP_TARGET_PASSWORD`.
    pub target_password: Option<Zeroizing<String>>,
    /// Whether to prompt for a missing password (stdin is a terminal).
    pub interactive: bool,
}

impl Env {
    /// The process's environment; prompts when stdin is a terminal.
    pub fn process() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            user: var(USERNAME_ENV),
            password: var(PASSWORD_ENV).map(Zeroizing::new),
            target_user: var(TARGET_USERNAME_ENV),
            target_password: var(TARGET_PASSWORD_ENV).map(Zeroizing::new),
            interactive: std::io::stdin().is_terminal(),
        }
    }
}

/// Parses `text` and fills in the credentials it lacks, as the module describes.
///
/// # Errors
///
/// [`Status::InvalidArgs`]: a bad URL (echoed with passwords as `***`), an unreadable
/// password file, a user with no password to be found, half of a mutual CHAP pair.
pub fn parse(text: &str, password_file: Option<&Path>, env: &Env) -> Result<IscsiUrl, Failure> {
    let invalid = |message: String| Failure::new(Status::InvalidArgs, message);
    // `user@` without `%password`: parse with a placeholder password, replaced below.
    let (parsed, user_only) = match user_only_split(text) {
        Some((before, after)) => (format!("{before}%-{after}"), true),
        None => (text.to_owned(), false),
    };
    let mut url = IscsiUrl::parse(&parsed)
        .map_err(|e| invalid(format!("bad URL {:?}: {e}", redact_url(text))))?;
    if user_only {
        let user = url
            .user
            .as_ref()
            .map(|c| c.user.clone())
            .unwrap_or_default();
        let secret = password(&user, password_file, env)?;
        url.user = Some(Credentials {
            user,
            secret: take(secret),
        });
    } else if url.user.is_none() {
        if let Some(user) = &env.user {
            let secret = password(user, password_file, env)?;
            url.user = Some(Credentials {
                user: user.clone(),
                secret: take(secret),
            });
        }
    }
    if url.target_user.is_none() {
        match (&env.target_user, &env.target_password) {
            (Some(user), Some(secret)) => {
                if url.user.is_none() {
                    return Err(invalid(format!(
                        "{TARGET_USERNAME_ENV} (mutual CHAP) needs a user: give user@ in the \
                         URL or {USERNAME_ENV}"
                    )));
                }
                url.target_user = Some(Credentials {
                    user: user.clone(),
                    secret: String::from(secret.as_str()),
                });
            }
            (None, None) => {}
            _ => {
                return Err(invalid(format!(
                    "{TARGET_USERNAME_ENV} and {TARGET_PASSWORD_ENV} go together"
                )));
            }
        }
    }
    Ok(url)
}

/// For `iscsi://user@rest` (a user part without `%`), the text up to the user's end and
/// from the `@` on.
fn user_only_split(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("iscsi://")?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let at = rest.get(..authority_end)?.rfind('@')?;
    let userinfo = rest.get(..at)?;
    if userinfo.contains('%') || userinfo.is_empty() {
        return None;
    }
    let split = "iscsi://".len() + at;
    Some((text.get(..split)?, text.get(split..)?))
}

/// The password for `user`: the file, the environment, or a prompt.
fn password(user: &str, file: Option<&Path>, env: &Env) -> Result<Zeroizing<String>, Failure> {
    let invalid = |message: String| Failure::new(Status::InvalidArgs, message);
    if let Some(path) = file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| invalid(format!("password file {}: {e}", path.display())))?,
        );
        let line = text.lines().next().unwrap_or_default();
        if line.is_empty() {
            return Err(invalid(format!(
                "password file {} is empty",
                path.display()
            )));
        }
        return Ok(Zeroizing::new(line.to_owned()));
    }
    if let Some(secret) = &env.password {
        return Ok(secret.clone());
    }
    if env.interactive {
        return rpassword::prompt_password(format!("CHAP password for {user}: "))
            .map(Zeroizing::new)
            .map_err(|e| invalid(format!("cannot read the password: {e}")));
    }
    Err(invalid(format!(
        "no password for CHAP user {user:?}: use --password-file, {PASSWORD_ENV}, or run on a \
         terminal to be asked"
    )))
}

/// The password as a plain `String` for the URL (wiped later by [`crate::cli::scrub`]),
/// leaving the zeroizing copy empty.
fn take(mut secret: Zeroizing<String>) -> String {
    std::mem::take(&mut *secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env::default()
    }

    fn user(url: &IscsiUrl) -> Option<(String, String)> {
        url.user
            .as_ref()
            .map(|c| (c.user.clone(), c.secret.clone()))
    }

    #[test]
    fn a_url_password_is_used_as_given() {
        let url = parse("iscsi://alice%pw@h/iqn.x/1", None, &env()).unwrap();
        assert_eq!(user(&url), Some(("alice".into(), "pw".into())));
    }

    #[test]
    fn user_at_takes_the_password_from_file_then_environment() {
        let dir = std::env::temp_dir().join(format!("iscsi-tools-cred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pw");
        std::fs::write(&file, "from-file\nignored\n").unwrap();
        let e = Env {
            password: Some(Zeroizing::new("from-env".into())),
            ..env()
        };
        let url = parse("iscsi://alice@h:3261/iqn.x/1", Some(&file), &e).unwrap();
        assert_eq!(user(&url), Some(("alice".into(), "from-file".into())));
        assert_eq!(url.port, 3261);
        let url = parse("iscsi://alice@h/iqn.x/1", None, &e).unwrap();
        assert_eq!(user(&url), Some(("alice".into(), "from-env".into())));
        std::fs::write(&file, "").unwrap();
        assert_eq!(
            parse("iscsi://alice@h/iqn.x/1", Some(&file), &e)
                .unwrap_err()
                .status(),
            Status::InvalidArgs
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn user_at_without_a_password_source_is_refused_not_prompted() {
        let e = parse("iscsi://alice@h/iqn.x/1", None, &env()).unwrap_err();
        assert_eq!(e.status(), Status::InvalidArgs);
        assert!(e.to_string().contains("--password-file"), "{e}");
    }

    #[test]
    fn libiscsi_environment_variables() {
        let e = Env {
            user: Some("bob".into()),
            password: Some(Zeroizing::new("pw1".into())),
            target_user: Some("tgt".into()),
            target_password: Some(Zeroizing::new("pw2".into())),
            interactive: false,
        };
        let url = parse("iscsi://h/iqn.x/1", None, &e).unwrap();
        assert_eq!(user(&url), Some(("bob".into(), "pw1".into())));
        let target = url.target_user.as_ref().unwrap();
        assert_eq!(
            (target.user.as_str(), target.secret.as_str()),
            ("tgt", "pw2")
        );
        // The URL's own credentials win.
        let url = parse("iscsi://carol%x@h/iqn.x/1", None, &e).unwrap();
        assert_eq!(user(&url), Some(("carol".into(), "x".into())));
        // Half a target pair is an error.
        let half = Env {
            target_user: Some("tgt".into()),
            ..env()
        };
        assert!(parse("iscsi://a%b@h/iqn.x/1", None, &half).is_err());
        // Target credentials without an initiator user are an error.
        let no_user = Env {
            target_user: Some("tgt".into()),
            target_password: Some(Zeroizing::new("pw2".into())),
            ..env()
        };
        assert!(parse("iscsi://h/iqn.x/1", None, &no_user).is_err());
    }

    #[test]
    fn errors_never_show_a_password() {
        for bad in [
            "iscsi://alice%s3cret@h:0/iqn.x/1",
            "iscsi://alice%s3cret@h/iqn.x/1/2",
            "iscsi://alice%s3cret@h/iqn.x/1?target_user=t&target_password=s3cret&bogus=1",
        ] {
            let e = parse(bad, None, &env()).unwrap_err().to_string();
            assert!(!e.contains("s3cret"), "{e}");
        }
    }

    #[test]
    fn the_user_part_is_found_only_in_the_authority() {
        assert_eq!(
            user_only_split("iscsi://a@h/t"),
            Some(("iscsi://a", "@h/t"))
        );
        assert_eq!(user_only_split("iscsi://a%p@h/t"), None);
        assert_eq!(user_only_split("iscsi://h/iqn@x/1"), None);
        assert_eq!(user_only_split("iscsi://@h/t"), None);
        assert_eq!(user_only_split("iscsi://h"), None);
    }
}
