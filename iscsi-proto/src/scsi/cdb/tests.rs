//! Byte-exact tests of every CDB builder.

use super::*;

fn check(command: &Command, cdb: &[u8], direction: DataDirection) {
    assert_eq!(command.cdb.as_bytes(), cdb);
    assert_eq!(command.cdb.len(), cdb.len());
    assert_eq!(command.cdb.opcode(), cdb[0]);
    assert_eq!(command.direction, direction);
}

#[test]
fn six_byte_commands() {
    check(
        &test_unit_ready(),
        &[0x00, 0, 0, 0, 0, 0],
        DataDirection::None,
    );
    check(
        &request_sense(false, 252),
        &[0x03, 0, 0, 0, 0xfc, 0],
        DataDirection::Read(252),
    );
    check(
        &request_sense(true, 18),
        &[0x03, 0x01, 0, 0, 0x12, 0],
        DataDirection::Read(18),
    );
    #[rustfmt::skip]
    check(
        &inquiry(None, 96),
        &[0x12, 0x00, 0x00, 0x00, 0x60, 0x00], // standard data, ALLOCATION LENGTH 96
        DataDirection::Read(96),
    );
    #[rustfmt::skip]
    check(
        &inquiry(Some(VpdPage::DeviceIdentification), 0x1000),
        &[0x12, 0x01, 0x83, 0x10, 0x00, 0x00], // EVPD, page 0x83, ALLOCATION LENGTH 4096
        DataDirection::Read(4096),
    );
    check(
        &inquiry(Some(VpdPage::Unknown(0xc0)), 255),
        &[0x12, 0x01, 0xc0, 0x00, 0xff, 0x00],
        DataDirection::Read(255),
    );
    #[rustfmt::skip]
    check(
        &mode_sense6(PageControl::Current, 0x3f, 0x00, false, 0xff).unwrap(),
        &[0x1a, 0x00, 0x3f, 0x00, 0xff, 0x00], // all pages, ALLOCATION LENGTH 255
        DataDirection::Read(255),
    );
    #[rustfmt::skip]
    check(
        &mode_sense6(PageControl::Changeable, 0x08, 0x00, true, 0x20).unwrap(),
        &[0x1a, 0x08, 0x48, 0x00, 0x20, 0x00], // DBD, PC 01b, Caching page
        DataDirection::Read(32),
    );
}

#[test]
fn capacity_and_report_luns() {
    check(
        &read_capacity10(),
        &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        DataDirection::Read(8),
    );
    #[rustfmt::skip]
    check(
        &read_capacity16(),
        &[0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x20, 0, 0],
        DataDirection::Read(32),
    );
    #[rustfmt::skip]
    check(
        &report_luns(0x1_0000).unwrap(),
        &[0xa0, 0, 0x00, 0, 0, 0, 0x00, 0x01, 0x00, 0x00, 0, 0], // ALLOCATION LENGTH 65536
        DataDirection::Read(0x1_0000),
    );
    assert_eq!(
        report_luns(15),
        Err(ScsiError::InvalidField {
            what: "REPORT LUNS ALLOCATION LENGTH below 16"
        })
    );
}

#[test]
fn read_write_10() {
    #[rustfmt::skip]
    check(
        &read10(0x1234_5678, 8, 512, IoFlags::NONE).unwrap(),
        &[0x28, 0x00, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x08, 0x00],
        DataDirection::Read(4096),
    );
    #[rustfmt::skip]
    check(
        &write10(0xffff_fff0, 0x10, 4096, IoFlags { dpo: true, fua: true }).unwrap(),
        &[0x2a, 0x18, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x10, 0x00], // DPO FUA
        DataDirection::Write(0x1_0000),
    );
    check(
        &write10(0, 0, 512, IoFlags::FUA).unwrap(),
        &[0x2a, 0x08, 0, 0, 0, 0, 0, 0, 0, 0],
        DataDirection::Write(0),
    );
    check(
        &read10(0, 0xffff, 512, IoFlags::NONE).unwrap(),
        &[0x28, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0],
        DataDirection::Read(0xffff * 512),
    );
}

#[test]
fn read_write_10_ranges() {
    assert_eq!(
        read10(0, 0x1_0000, 512, IoFlags::NONE),
        Err(ScsiError::OutOfRange {
            what: "READ (10)",
            value: 0x1_0000,
            max: 0xffff
        })
    );
    assert_eq!(
        write10(0x1_0000_0000, 1, 512, IoFlags::NONE),
        Err(ScsiError::OutOfRange {
            what: "WRITE (10)",
            value: 0x1_0000_0000,
            max: 0xffff_ffff
        })
    );
    // The last LBA crosses 32 bits.
    assert_eq!(
        read10(0xffff_fff0, 0x11, 512, IoFlags::NONE),
        Err(ScsiError::OutOfRange {
            what: "READ (10)",
            value: 0x1_0000_0000,
            max: 0xffff_ffff
        })
    );
    assert_eq!(
        read10(0, 1, 0, IoFlags::NONE),
        Err(ScsiError::InvalidField {
            what: "block size 0"
        })
    );
}

#[test]
fn read_write_16() {
    #[rustfmt::skip]
    check(
        &read16(0x0102_0304_0506_0708, 0x100, 512, IoFlags::FUA).unwrap(),
        &[
            0x88, 0x08,                                     // READ (16), FUA
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // LBA
            0x00, 0x00, 0x01, 0x00,                         // TRANSFER LENGTH 256
            0x00, 0x00,                                     // GROUP NUMBER, CONTROL
        ],
        DataDirection::Read(0x2_0000),
    );
    #[rustfmt::skip]
    check(
        &write16(u64::MAX, 1, 4096, IoFlags::NONE).unwrap(),
        &[
            0x8a, 0x00,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0x00, 0x00, 0x00, 0x01,
            0x00, 0x00,
        ],
        DataDirection::Write(4096),
    );
    assert_eq!(
        write16(u64::MAX, 2, 512, IoFlags::NONE),
        Err(ScsiError::OutOfRange {
            what: "LOGICAL BLOCK ADDRESS",
            value: u64::MAX,
            max: u64::MAX
        })
    );
    // 2^23 blocks of 512 bytes is 4 GiB: one byte more than 32 bits can count.
    assert_eq!(
        read16(0, 1 << 23, 512, IoFlags::NONE),
        Err(ScsiError::OutOfRange {
            what: "transfer length in bytes",
            value: 1 << 32,
            max: 0xffff_ffff
        })
    );
}

#[test]
fn synchronize_cache() {
    #[rustfmt::skip]
    check(
        &synchronize_cache10(0, 0, false).unwrap(),
        &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0], // the whole medium
        DataDirection::None,
    );
    #[rustfmt::skip]
    check(
        &synchronize_cache10(0x100, 0x20, true).unwrap(),
        &[0x35, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00], // IMMED
        DataDirection::None,
    );
    #[rustfmt::skip]
    check(
        &synchronize_cache16(0x1_0000_0000, 0x1_0000, true).unwrap(),
        &[
            0x91, 0x02,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x01, 0x00, 0x00,
            0x00, 0x00,
        ],
        DataDirection::None,
    );
    assert!(matches!(
        synchronize_cache10(0x1_0000_0000, 0, false),
        Err(ScsiError::OutOfRange {
            what: "SYNCHRONIZE CACHE (10)",
            ..
        })
    ));
}

#[test]
fn write_same() {
    #[rustfmt::skip]
    check(
        &write_same16(0x800, 0x1000, 512, WriteSameFlags { unmap: true, ..Default::default() })
            .unwrap(),
        &[
            0x93, 0x08,                                     // WRITE SAME (16), UNMAP
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, // LBA 0x800
            0x00, 0x00, 0x10, 0x00,                         // NUMBER OF BLOCKS 4096
            0x00, 0x00,
        ],
        DataDirection::Write(512),
    );
    let ndob = WriteSameFlags {
        unmap: true,
        anchor: true,
        ndob: true,
    };
    let command = write_same16(0, 8, 0, ndob).unwrap();
    assert_eq!(command.cdb.as_bytes()[1], 0x19);
    assert_eq!(command.direction, DataDirection::None);
    assert_eq!(
        write_same16(
            0,
            8,
            512,
            WriteSameFlags {
                anchor: true,
                ..Default::default()
            }
        ),
        Err(ScsiError::InvalidField {
            what: "WRITE SAME ANCHOR without UNMAP"
        })
    );
    assert_eq!(
        write_same16(0, 8, 0, WriteSameFlags::default()),
        Err(ScsiError::InvalidField {
            what: "block size 0"
        })
    );
}

#[test]
fn unmap_parameter_list() {
    let (command, list) = unmap(&[
        UnmapDescriptor {
            lba: 0x1000,
            blocks: 0x800,
        },
        UnmapDescriptor {
            lba: 0x1_0000_0000,
            blocks: 1,
        },
    ])
    .unwrap();
    #[rustfmt::skip]
    check(
        &command,
        &[0x42, 0, 0, 0, 0, 0, 0, 0x00, 0x28, 0], // PARAMETER LIST LENGTH 40
        DataDirection::Write(40),
    );
    #[rustfmt::skip]
    assert_eq!(
        list.as_ref(),
        &[
            0x00, 0x26,             // UNMAP DATA LENGTH: 38
            0x00, 0x20,             // UNMAP BLOCK DESCRIPTOR DATA LENGTH: 32
            0x00, 0x00, 0x00, 0x00, // reserved
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, // LBA 0x1000
            0x00, 0x00, 0x08, 0x00, // 2048 blocks
            0x00, 0x00, 0x00, 0x00, // reserved
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // LBA 2^32
            0x00, 0x00, 0x00, 0x01, // 1 block
            0x00, 0x00, 0x00, 0x00, // reserved
        ][..]
    );

    let (command, list) = unmap(&[]).unwrap();
    assert_eq!(command.direction, DataDirection::Write(8));
    assert_eq!(list.as_ref(), &[0x00, 0x06, 0x00, 0x00, 0, 0, 0, 0][..]);

    let max = vec![UnmapDescriptor { lba: 0, blocks: 1 }; 4095];
    let (command, list) = unmap(&max).unwrap();
    assert_eq!(list.len(), 65528);
    assert_eq!(command.cdb.as_bytes()[7..9], [0xff, 0xf8]);
    let too_many = vec![UnmapDescriptor { lba: 0, blocks: 1 }; 4096];
    assert_eq!(
        unmap(&too_many),
        Err(ScsiError::OutOfRange {
            what: "UNMAP block descriptor count",
            value: 4096,
            max: 4095
        })
    );
    assert!(matches!(
        unmap(&[UnmapDescriptor {
            lba: u64::MAX,
            blocks: 2
        }]),
        Err(ScsiError::OutOfRange {
            what: "UNMAP range",
            ..
        })
    ));
}

#[test]
fn mode_sense_10() {
    #[rustfmt::skip]
    check(
        &mode_sense10(PageControl::Default, 0x0a, 0x01, true, true, 0x200).unwrap(),
        &[0x5a, 0x18, 0x8a, 0x01, 0, 0, 0, 0x02, 0x00, 0], // LLBAA DBD, PC 10b, 0x0a/0x01
        DataDirection::Read(512),
    );
    check(
        &mode_sense10(PageControl::Saved, 0x3f, 0xff, false, false, 0xffff).unwrap(),
        &[0x5a, 0x00, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0],
        DataDirection::Read(0xffff),
    );
    assert_eq!(
        mode_sense6(PageControl::Current, 0x40, 0, false, 4),
        Err(ScsiError::OutOfRange {
            what: "PAGE CODE",
            value: 0x40,
            max: 0x3f
        })
    );
    assert!(mode_sense10(PageControl::Current, 0xff, 0, false, false, 4).is_err());
}

#[test]
fn raw_cdbs() {
    let command = Command::raw(&[0x00; 6], DataDirection::None).unwrap();
    assert_eq!(command, test_unit_ready());
    assert_eq!(command.cdb.padded16(), [0; 16]);
    assert!(command.cdb.extension().is_empty());

    let twelve = Cdb::new(&[0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).unwrap();
    assert_eq!(
        twelve.padded16(),
        [0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0]
    );
    assert_eq!(
        format!("{twelve:?}"),
        "Cdb(a0 01 02 03 04 05 06 07 08 09 0a 0b)"
    );

    let sixteen: Vec<u8> = (0..16).collect();
    let cdb = Cdb::new(&sixteen).unwrap();
    assert_eq!(cdb.padded16().as_slice(), sixteen);
    assert!(cdb.extension().is_empty());

    // A 32-byte variable-length CDB: 16 bytes in the header, 16 in an extension.
    let long: Vec<u8> = (0..32).map(|i| 0x7f ^ i).collect();
    let command = Command::raw(
        &long,
        DataDirection::Bidi {
            read: 512,
            write: 1024,
        },
    )
    .unwrap();
    assert_eq!(command.cdb.as_bytes(), long);
    assert_eq!(command.cdb.len(), 32);
    assert!(!command.cdb.is_empty());
    assert_eq!(command.cdb.opcode(), 0x7f);
    assert_eq!(command.cdb.padded16().as_slice(), &long[..16]);
    assert_eq!(command.cdb.extension(), &long[16..]);
    assert_eq!(command.direction.read_len(), 512);
    assert_eq!(command.direction.write_len(), 1024);
    assert_eq!(command.clone(), command);

    assert!(Cdb::new(&[0; MAX_CDB_LEN]).is_ok());
    assert_eq!(
        Cdb::new(&[0; MAX_CDB_LEN + 1]),
        Err(ScsiError::OutOfRange {
            what: "CDB length",
            value: 261,
            max: 260
        })
    );
    assert_eq!(
        Cdb::new(&[]),
        Err(ScsiError::InvalidField { what: "empty CDB" })
    );
}

#[test]
fn direction_lengths() {
    assert_eq!(DataDirection::None.read_len(), 0);
    assert_eq!(DataDirection::None.write_len(), 0);
    assert_eq!(DataDirection::Read(5).read_len(), 5);
    assert_eq!(DataDirection::Read(5).write_len(), 0);
    assert_eq!(DataDirection::Write(7).write_len(), 7);
    assert_eq!(DataDirection::Write(7).read_len(), 0);
}
