//! The text key=value codec (RFC 7143 §6.1): NUL-separated UTF-8 pairs, value forms and the
//! continuation assembler. It knows nothing about negotiation semantics.

mod error;
pub mod value;

pub use error::TextError;
pub use value::ValueError;
