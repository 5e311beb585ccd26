//! Seeded random inputs: every decoder returns `Ok` or `Err` and never panics, and every
//! builder either builds a command or refuses with an error.

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::*;

/// Runs every decoder of this module over `buf`.
fn decode_all(buf: &[u8]) {
    let _ = SenseData::decode(buf);
    let _ = SenseData::from_iscsi_segment(buf);
    let _ = StandardInquiry::decode(buf);
    let _ = SupportedVpdPages::decode(buf);
    let _ = UnitSerialNumber::decode(buf);
    let _ = DeviceIdentification::decode(buf);
    let _ = BlockLimits::decode(buf);
    let _ = BlockDeviceCharacteristics::decode(buf);
    let _ = ReadCapacity10::decode(buf);
    let _ = ReadCapacity16::decode(buf);
    let _ = ReportLuns::decode(buf);
    let _ = ModeParameters::decode6(buf);
    let _ = ModeParameters::decode10(buf);
    if let Ok(Some(sense)) = SenseData::from_iscsi_segment(buf) {
        let _ = sense.to_string();
    }
    if let Ok(ids) = DeviceIdentification::decode(buf) {
        ids.designators
            .iter()
            .for_each(|designator| drop(designator.to_string()));
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5c51_0001);
    for _ in 0..20_000 {
        let len = rng.random_range(0..300);
        let mut buf: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        // Make the structured decoders get past their first checks more often.
        if let Some(first) = buf.first_mut() {
            if rng.random_bool(0.3) {
                *first = [0x70, 0x71, 0x72, 0x73, 0x00][rng.random_range(0..5)];
            }
        }
        if let Some(page) = buf.get_mut(1) {
            if rng.random_bool(0.5) {
                *page = [0x00, 0x80, 0x83, 0xb0, 0xb1][rng.random_range(0..5)];
            }
        }
        if len >= 4 && rng.random_bool(0.5) {
            // A length field that fits the buffer.
            let fit = u16::try_from(len - 4).unwrap_or(u16::MAX).to_be_bytes();
            buf[2..4].copy_from_slice(&fit);
            buf[0] = u8::try_from((len - 1).min(255)).unwrap_or(u8::MAX);
        }
        decode_all(&buf);
        for cut in 0..buf.len().min(20) {
            decode_all(&buf[..cut]);
        }
    }
}

#[test]
fn random_builder_arguments_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5c51_0002);
    for _ in 0..20_000 {
        let lba: u64 = if rng.random_bool(0.5) {
            rng.random()
        } else {
            rng.random_range(0..1 << 33)
        };
        let blocks: u32 = if rng.random_bool(0.5) {
            rng.random()
        } else {
            rng.random_range(0..70_000)
        };
        let block_size: u32 = [0, 512, 4096, rng.random()][rng.random_range(0..4)];
        let flags = IoFlags {
            dpo: rng.random(),
            fua: rng.random(),
        };
        for command in [
            read10(lba, blocks, block_size, flags),
            write10(lba, blocks, block_size, flags),
            read16(lba, blocks, block_size, flags),
            write16(lba, blocks, block_size, flags),
            synchronize_cache10(lba, blocks, rng.random()),
            synchronize_cache16(lba, blocks, rng.random()),
            write_same16(
                lba,
                blocks,
                block_size,
                WriteSameFlags {
                    unmap: rng.random(),
                    anchor: rng.random(),
                    ndob: rng.random(),
                },
            ),
            mode_sense6(
                PageControl::Current,
                rng.random(),
                rng.random(),
                rng.random(),
                rng.random(),
            ),
            report_luns(rng.random()),
        ]
        .into_iter()
        .flatten()
        {
            assert!(command.cdb.len() == 6 || command.cdb.len() >= 10);
        }
        let count = rng.random_range(0..5000);
        let descriptors: Vec<_> = (0..count)
            .map(|_| UnmapDescriptor {
                lba: rng.random(),
                blocks: rng.random(),
            })
            .collect();
        if let Ok((command, list)) = unmap(&descriptors) {
            assert_eq!(
                command.direction,
                DataDirection::Write(u32::try_from(list.len()).unwrap())
            );
        }
        let raw: Vec<u8> = (0..rng.random_range(0..300))
            .map(|_| rng.random())
            .collect();
        if let Ok(cdb) = Cdb::new(&raw) {
            assert_eq!(cdb.as_bytes(), raw);
        }
    }
}
