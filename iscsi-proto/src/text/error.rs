//! Errors of the text codec.

/// A text segment is malformed or over a limit.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum TextError {
    /// The segment does not end with a NUL.
    #[error("text does not end with a NUL")]
    MissingNul,
}
