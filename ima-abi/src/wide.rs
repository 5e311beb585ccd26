//! Wide string (`wchar_t`, UTF-32 on Linux) ⇄ [`String`] conversion with bounds.

use crate::prim::WChar;

/// Why a wide string could not be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WideError {
    /// No NUL within the first `max` characters.
    #[error("wide string not terminated within {max} characters")]
    NotTerminated {
        /// The bound that was searched.
        max: usize,
    },
    /// A value that is not a Unicode scalar value.
    #[error("invalid wide character at index {index}")]
    InvalidChar {
        /// Index of the offending character.
        index: usize,
    },
    /// The string (plus its NUL) does not fit the destination.
    #[error("string of {len} characters does not fit {capacity} wide characters with NUL")]
    TooLong {
        /// Characters in the string.
        len: usize,
        /// Capacity of the destination, NUL included.
        capacity: usize,
    },
}

/// Length (in characters, NUL excluded) of a NUL-terminated wide string, scanning at most
/// `max` characters. `None` if no NUL is among them.
///
/// # Safety
/// `ptr` must be non-NULL and point to a wide string readable up to its NUL or up to `max`
/// characters, whichever comes first.
pub unsafe fn wide_len(ptr: *const WChar, max: usize) -> Option<usize> {
    (0..max).find(|&i| {
        // SAFETY: `i < max` and no NUL was found before `i`, so by the caller's contract the
        // character at `i` is readable.
        unsafe { ptr.add(i).read() == 0 }
    })
}

/// Converts a NUL-terminated wide string of at most `max` characters (NUL excluded).
///
/// # Safety
/// As for [`wide_len`] with a bound of `max + 1`.
pub unsafe fn wide_ptr_to_string(ptr: *const WChar, max: usize) -> Result<String, WideError> {
    // SAFETY: forwarded caller contract.
    let len = unsafe { wide_len(ptr, max + 1) }.ok_or(WideError::NotTerminated { max })?;
    // SAFETY: the `len` characters before the NUL were just read, so they are readable.
    let chars = unsafe { core::slice::from_raw_parts(ptr, len) };
    decode(chars)
}

/// Converts a wide array holding a NUL-terminated string.
pub fn wide_array_to_string(array: &[WChar]) -> Result<String, WideError> {
    let len = array
        .iter()
        .position(|&c| c == 0)
        .ok_or(WideError::NotTerminated { max: array.len() })?;
    decode(&array[..len])
}

/// Writes `s` into `out` as a NUL-terminated wide string, zero-filling the rest.
pub fn string_to_wide_array(s: &str, out: &mut [WChar]) -> Result<(), WideError> {
    let len = s.chars().count();
    if len >= out.len() {
        return Err(WideError::TooLong {
            len,
            capacity: out.len(),
        });
    }
    out.fill(0);
    for (slot, c) in out.iter_mut().zip(s.chars()) {
        // A `char` is at most 0x10FFFF, which fits `wchar_t` (i32) without loss.
        *slot = c as u32 as WChar;
    }
    Ok(())
}

/// `s` as a NUL-terminated wide vector.
pub fn to_wide_vec(s: &str) -> Vec<WChar> {
    s.chars()
        .map(|c| c as u32 as WChar)
        .chain(core::iter::once(0))
        .collect()
}

fn decode(chars: &[WChar]) -> Result<String, WideError> {
    chars
        .iter()
        .enumerate()
        .map(|(index, &c)| {
            u32::try_from(c)
                .ok()
                .and_then(char::from_u32)
                .ok_or(WideError::InvalidChar { index })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let mut buf: [WChar; 8] = [7; 8];
        string_to_wide_array("iqn.ä", &mut buf).unwrap();
        assert_eq!(buf[5], 0);
        assert_eq!(buf[7], 0);
        assert_eq!(wide_array_to_string(&buf).unwrap(), "iqn.ä");
        assert_eq!(
            string_to_wide_array("12345678", &mut buf),
            Err(WideError::TooLong {
                len: 8,
                capacity: 8
            })
        );
        string_to_wide_array("1234567", &mut buf).unwrap();
        assert_eq!(
            wide_array_to_string(&[65, 66]),
            Err(WideError::NotTerminated { max: 2 })
        );
        assert_eq!(
            wide_array_to_string(&[65, -1, 0]),
            Err(WideError::InvalidChar { index: 1 })
        );
        assert_eq!(
            wide_array_to_string(&[0xD800, 0]),
            Err(WideError::InvalidChar { index: 0 })
        );
    }

    #[test]
    fn pointer_bounds() {
        let v = to_wide_vec("abc");
        // SAFETY: `v` is NUL-terminated and lives for the calls.
        unsafe {
            assert_eq!(wide_len(v.as_ptr(), 10), Some(3));
            assert_eq!(wide_len(v.as_ptr(), 3), None);
            assert_eq!(wide_ptr_to_string(v.as_ptr(), 3).unwrap(), "abc");
            assert_eq!(
                wide_ptr_to_string(v.as_ptr(), 2),
                Err(WideError::NotTerminated { max: 2 })
            );
        }
    }
}
