//! The sense data carried in a data segment (RFC 7143 §11.4.7): a SCSI Response's, and an
//! Asynchronous Message's reporting a SCSI event, which has the same format (§11.9.4).
//!
//! ```text
//! | SenseLength (2, big-endian) | Sense Data (SenseLength) | response or iSCSI event data |
//! ```
//!
//! The format applies when the segment is not empty. A SenseLength reaching past the end
//! of the segment is malformed; whatever follows the sense data is not sense data.

use bytes::Bytes;

/// Bytes of the SenseLength field.
pub(crate) const SENSE_LENGTH_LEN: usize = 2;

/// A SenseLength that does not fit its data segment.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum SenseLengthError {
    /// The segment is not empty but shorter than the SenseLength field itself.
    Missing {
        /// Bytes in the segment.
        available: usize,
    },
    /// SenseLength announces more sense data than the segment holds.
    BeyondSegment {
        /// The SenseLength field.
        sense_length: u16,
        /// Bytes in the segment, SenseLength included.
        available: usize,
    },
}

/// The sense data of `segment`, a slice of it; `None` when there is none (an empty segment,
/// or a SenseLength of 0).
pub(crate) fn sense_data(segment: &Bytes) -> Result<Option<Bytes>, SenseLengthError> {
    Ok(sense_data_in(segment)?.map(|sense| segment.slice_ref(sense)))
}

/// [`sense_data`] on a plain slice.
pub(crate) fn sense_data_in(segment: &[u8]) -> Result<Option<&[u8]>, SenseLengthError> {
    if segment.is_empty() {
        return Ok(None);
    }
    let (len, rest) =
        segment
            .split_first_chunk::<SENSE_LENGTH_LEN>()
            .ok_or(SenseLengthError::Missing {
                available: segment.len(),
            })?;
    let sense_length = u16::from_be_bytes(*len);
    let sense = rest
        .get(..usize::from(sense_length))
        .ok_or(SenseLengthError::BeyondSegment {
            sense_length,
            available: segment.len(),
        })?;
    Ok((!sense.is_empty()).then_some(sense))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sense_length_rules() {
        assert_eq!(sense_data_in(&[]), Ok(None), "no segment, no sense");
        assert_eq!(
            sense_data_in(&[0]),
            Err(SenseLengthError::Missing { available: 1 })
        );
        assert_eq!(sense_data_in(&[0, 0]), Ok(None));
        assert_eq!(sense_data_in(&[0, 0, 0xee]), Ok(None), "SenseLength 0");
        assert_eq!(
            sense_data_in(&[0, 2, 0x70, 0, 0xee]),
            Ok(Some(&[0x70, 0][..])),
            "response data after the sense is not sense"
        );
        assert_eq!(
            sense_data_in(&[0, 3, 0x70, 0]),
            Err(SenseLengthError::BeyondSegment {
                sense_length: 3,
                available: 4
            })
        );
        assert_eq!(
            sense_data_in(&[0xff, 0xff]),
            Err(SenseLengthError::BeyondSegment {
                sense_length: 0xffff,
                available: 2
            })
        );
    }

    #[test]
    fn sense_is_a_slice_of_the_segment() {
        let segment = Bytes::from_static(&[0, 2, 0x70, 0, 0xee]);
        let sense = sense_data(&segment).unwrap().unwrap();
        assert_eq!(&sense[..], &[0x70, 0]);
        assert_eq!(sense.as_ptr(), segment[2..].as_ptr(), "not copied");
    }
}
