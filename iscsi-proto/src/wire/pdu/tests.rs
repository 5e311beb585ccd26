//! Seeded property tests over every opcode: typed round trips, whole-PDU round trips with
//! padding and AHS, garbage headers and truncated input.

use bytes::Bytes;
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::*;
use crate::wire::{
    AhsSegment, AsyncEvent, Cid, CmdSn, DataSn, Isid, LoginStatus, LogoutReason,
    LogoutResponseCode, Lun, R2tSn, RejectReason, ScsiResponseCode, ScsiStatus, SnackType, Stage,
    StatSn, TaskAttribute, TmfFunction, TmfResponse, Tsih, Ttt,
};

/// Every opcode RFC 7143 defines.
const OPCODES: [Opcode; 18] = [
    Opcode::NopOut,
    Opcode::ScsiCommand,
    Opcode::TaskMgmtRequest,
    Opcode::LoginRequest,
    Opcode::TextRequest,
    Opcode::DataOut,
    Opcode::LogoutRequest,
    Opcode::SnackRequest,
    Opcode::NopIn,
    Opcode::ScsiResponse,
    Opcode::TaskMgmtResponse,
    Opcode::LoginResponse,
    Opcode::TextResponse,
    Opcode::DataIn,
    Opcode::LogoutResponse,
    Opcode::R2t,
    Opcode::AsyncMessage,
    Opcode::Reject,
];

/// Data segment lengths that exercise every padding amount.
const SMALL_LENGTHS: [usize; 9] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

fn lun(rng: &mut StdRng) -> Lun {
    if rng.random_bool(0.5) {
        Lun::from_index(rng.random_range(0..=Lun::MAX_INDEX)).unwrap_or_default()
    } else {
        Lun(rng.random())
    }
}

fn itt(rng: &mut StdRng) -> Itt {
    if rng.random_bool(0.1) {
        Itt::RESERVED
    } else {
        Itt(rng.random())
    }
}

fn ttt(rng: &mut StdRng) -> Ttt {
    if rng.random_bool(0.3) {
        Ttt::RESERVED
    } else {
        Ttt(rng.random())
    }
}

fn real_ttt(rng: &mut StdRng) -> Ttt {
    Ttt(rng.random_range(0..u32::MAX))
}

/// Mostly a small known code, sometimes any value.
fn code(rng: &mut StdRng, known_max: u8) -> u8 {
    if rng.random_bool(0.8) {
        rng.random_range(0..=known_max)
    } else {
        rng.random()
    }
}

fn residual(rng: &mut StdRng) -> Residual {
    match rng.random_range(0..3) {
        0 => Residual::Exact,
        1 => Residual::Overflow(rng.random()),
        _ => Residual::Underflow(rng.random()),
    }
}

fn stage(rng: &mut StdRng) -> Stage {
    Stage::from(rng.random_range(0..=3u8))
}

/// A random header for `opcode` that obeys every rule `decode` enforces.
fn random_header(rng: &mut StdRng, opcode: Opcode) -> Header {
    match opcode {
        Opcode::NopOut => Header::NopOut(NopOut {
            immediate: rng.random(),
            lun: lun(rng),
            itt: itt(rng),
            ttt: ttt(rng),
            cmd_sn: CmdSn::new(rng.random()),
            exp_stat_sn: StatSn::new(rng.random()),
        }),
        Opcode::ScsiCommand => {
            let (read, write): (bool, bool) = (rng.random(), rng.random());
            let mut cdb = [0u8; 16];
            rng.fill(&mut cdb);
            Header::ScsiCommand(ScsiCommand {
                immediate: rng.random(),
                final_pdu: rng.random(),
                read,
                write,
                task_attribute: TaskAttribute::from(rng.random_range(0..8u8)),
                lun: lun(rng),
                itt: itt(rng),
                expected_data_transfer_length: if read || write { rng.random() } else { 0 },
                cmd_sn: CmdSn::new(rng.random()),
                exp_stat_sn: StatSn::new(rng.random()),
                cdb,
            })
        }
        Opcode::TaskMgmtRequest => Header::TaskMgmtRequest(TaskMgmtRequest {
            immediate: rng.random(),
            function: TmfFunction::from(code(rng, 8) & 0x7f),
            lun: lun(rng),
            itt: itt(rng),
            referenced_task_tag: itt(rng),
            cmd_sn: CmdSn::new(rng.random()),
            exp_stat_sn: StatSn::new(rng.random()),
            ref_cmd_sn: CmdSn::new(rng.random()),
            exp_data_sn: DataSn::new(rng.random()),
        }),
        Opcode::LoginRequest => {
            let continues: bool = rng.random();
            Header::LoginRequest(LoginRequest {
                continues,
                current_stage: stage(rng),
                next_stage: if continues || rng.random_bool(0.3) {
                    None
                } else {
                    Some(stage(rng))
                },
                version_max: rng.random(),
                version_min: rng.random(),
                isid: Isid(rng.random()),
                tsih: Tsih(rng.random()),
                itt: itt(rng),
                cid: Cid(rng.random()),
                cmd_sn: CmdSn::new(rng.random()),
                exp_stat_sn: StatSn::new(rng.random()),
            })
        }
        Opcode::TextRequest => {
            let continues: bool = rng.random();
            Header::TextRequest(TextRequest {
                immediate: rng.random(),
                final_pdu: !continues && rng.random(),
                continues,
                lun: lun(rng),
                itt: itt(rng),
                ttt: ttt(rng),
                cmd_sn: CmdSn::new(rng.random()),
                exp_stat_sn: StatSn::new(rng.random()),
            })
        }
        Opcode::DataOut => Header::DataOut(DataOut {
            final_pdu: rng.random(),
            lun: lun(rng),
            itt: itt(rng),
            ttt: ttt(rng),
            exp_stat_sn: StatSn::new(rng.random()),
            data_sn: DataSn::new(rng.random()),
            buffer_offset: rng.random(),
        }),
        Opcode::LogoutRequest => Header::LogoutRequest(LogoutRequest {
            immediate: rng.random(),
            reason: LogoutReason::from(code(rng, 2) & 0x7f),
            itt: itt(rng),
            cid: Cid(rng.random()),
            cmd_sn: CmdSn::new(rng.random()),
            exp_stat_sn: StatSn::new(rng.random()),
        }),
        Opcode::SnackRequest => {
            let snack_type = SnackType::from(code(rng, 3) & 0x0f);
            let run_length = match snack_type {
                SnackType::DataAck | SnackType::RData => 0,
                _ => rng.random(),
            };
            Header::SnackRequest(SnackRequest {
                snack_type,
                lun: lun(rng),
                itt: itt(rng),
                ttt: ttt(rng),
                exp_stat_sn: StatSn::new(rng.random()),
                beg_run: rng.random(),
                run_length,
            })
        }
        Opcode::NopIn => {
            let (itt, ttt) = if rng.random() {
                (Itt::RESERVED, ttt(rng))
            } else {
                (itt(rng), Ttt::RESERVED)
            };
            Header::NopIn(NopIn {
                lun: lun(rng),
                itt,
                ttt,
                stat_sn: StatSn::new(rng.random()),
                exp_cmd_sn: CmdSn::new(rng.random()),
                max_cmd_sn: CmdSn::new(rng.random()),
            })
        }
        Opcode::ScsiResponse => {
            let response = ScsiResponseCode::from(code(rng, 1));
            let completed = response == ScsiResponseCode::CommandCompleted;
            Header::ScsiResponse(ScsiResponse {
                response,
                status: ScsiStatus::from(rng.random::<u8>()),
                itt: itt(rng),
                snack_tag: rng.random(),
                stat_sn: StatSn::new(rng.random()),
                exp_cmd_sn: CmdSn::new(rng.random()),
                max_cmd_sn: CmdSn::new(rng.random()),
                exp_data_sn: DataSn::new(rng.random()),
                bidi_read_residual: if completed {
                    residual(rng)
                } else {
                    Residual::Exact
                },
                residual: if completed {
                    residual(rng)
                } else {
                    Residual::Exact
                },
            })
        }
        Opcode::TaskMgmtResponse => Header::TaskMgmtResponse(TaskMgmtResponse {
            response: TmfResponse::from(code(rng, 6)),
            itt: itt(rng),
            stat_sn: StatSn::new(rng.random()),
            exp_cmd_sn: CmdSn::new(rng.random()),
            max_cmd_sn: CmdSn::new(rng.random()),
        }),
        Opcode::LoginResponse => {
            let continues: bool = rng.random();
            Header::LoginResponse(LoginResponse {
                continues,
                current_stage: stage(rng),
                next_stage: if continues || rng.random_bool(0.3) {
                    None
                } else {
                    Some(stage(rng))
                },
                version_max: rng.random(),
                version_active: rng.random(),
                isid: Isid(rng.random()),
                tsih: Tsih(rng.random()),
                itt: itt(rng),
                stat_sn: StatSn::new(rng.random()),
                exp_cmd_sn: CmdSn::new(rng.random()),
                max_cmd_sn: CmdSn::new(rng.random()),
                status: LoginStatus::from_parts(code(rng, 3), code(rng, 11)),
            })
        }
        Opcode::TextResponse => {
            let continues: bool = rng.random();
            let final_pdu = !continues && rng.random();
            Header::TextResponse(TextResponse {
                final_pdu,
                continues,
                lun: lun(rng),
                itt: itt(rng),
                ttt: if final_pdu { ttt(rng) } else { real_ttt(rng) },
                stat_sn: StatSn::new(rng.random()),
                exp_cmd_sn: CmdSn::new(rng.random()),
                max_cmd_sn: CmdSn::new(rng.random()),
            })
        }
        Opcode::DataIn => {
            let status = rng.random_bool(0.4).then(|| DataInStatus {
                status: ScsiStatus::from(code(rng, 4)),
                stat_sn: StatSn::new(rng.random()),
                residual: residual(rng),
            });
            Header::DataIn(DataIn {
                final_pdu: status.is_some() || rng.random(),
                acknowledge: rng.random(),
                status,
                lun: lun(rng),
                itt: itt(rng),
                ttt: ttt(rng),
                exp_cmd_sn: CmdSn::new(rng.random()),
                max_cmd_sn: CmdSn::new(rng.random()),
                data_sn: DataSn::new(rng.random()),
                buffer_offset: rng.random(),
            })
        }
        Opcode::LogoutResponse => Header::LogoutResponse(LogoutResponse {
            response: LogoutResponseCode::from(code(rng, 3)),
            itt: itt(rng),
            stat_sn: StatSn::new(rng.random()),
            exp_cmd_sn: CmdSn::new(rng.random()),
            max_cmd_sn: CmdSn::new(rng.random()),
            time2wait: rng.random(),
            time2retain: rng.random(),
        }),
        Opcode::R2t => Header::R2t(R2t {
            lun: lun(rng),
            itt: itt(rng),
            ttt: ttt(rng),
            stat_sn: StatSn::new(rng.random()),
            exp_cmd_sn: CmdSn::new(rng.random()),
            max_cmd_sn: CmdSn::new(rng.random()),
            r2t_sn: R2tSn::new(rng.random()),
            buffer_offset: rng.random(),
            desired_data_transfer_length: rng.random_range(1..=u32::MAX),
        }),
        Opcode::AsyncMessage => Header::AsyncMessage(AsyncMessage {
            lun: lun(rng),
            itt: itt(rng),
            stat_sn: StatSn::new(rng.random()),
            exp_cmd_sn: CmdSn::new(rng.random()),
            max_cmd_sn: CmdSn::new(rng.random()),
            event: AsyncEvent::from(code(rng, 5)),
            vcode: rng.random(),
            parameter1: rng.random(),
            parameter2: rng.random(),
            parameter3: rng.random(),
        }),
        Opcode::Reject => Header::Reject(Reject {
            reason: RejectReason::from(code(rng, 0x0c)),
            itt: itt(rng),
            stat_sn: StatSn::new(rng.random()),
            exp_cmd_sn: CmdSn::new(rng.random()),
            max_cmd_sn: CmdSn::new(rng.random()),
            data_sn_or_r2t_sn: rng.random(),
        }),
    }
}

/// Random additional header segments, within the 1020-byte limit.
fn random_ahs(rng: &mut StdRng) -> Ahs {
    let mut segments = Vec::new();
    if rng.random_bool(0.5) {
        let mut tail = vec![0u8; rng.random_range(1..=244)];
        rng.fill(tail.as_mut_slice());
        segments.push(AhsSegment::extended_cdb(&tail));
    }
    if rng.random_bool(0.3) {
        segments.push(AhsSegment::bidi_read_length(rng.random()));
    }
    Ahs(segments)
}

fn random_data(rng: &mut StdRng, case: usize) -> Bytes {
    let len = SMALL_LENGTHS
        .get(case % 20)
        .copied()
        .unwrap_or_else(|| rng.random_range(0..=300));
    let mut data = vec![0u8; len];
    rng.fill(data.as_mut_slice());
    Bytes::from(data)
}

fn encode_pdu(pdu: &Pdu) -> Bytes {
    let mut out = Vec::new();
    pdu.encode(&mut out).unwrap();
    Bytes::from(out)
}

#[test]
fn every_opcode_round_trips() {
    let mut rng = StdRng::seed_from_u64(7143);
    for case in 0..6_000 {
        let opcode = OPCODES[case % OPCODES.len()];
        let h = random_header(&mut rng, opcode);
        let bhs = h.encode();
        assert_eq!(h.opcode(), opcode);
        assert_eq!(bhs.opcode(), Ok(opcode));
        assert_eq!(Header::decode(&bhs), Ok(h), "{bhs:?}");
        assert_eq!(h.itt(), bhs.itt());
        assert_eq!((bhs.total_ahs_length(), bhs.data_segment_length()), (0, 0));
    }
}

#[test]
fn whole_pdus_round_trip_with_padding_and_ahs() {
    let mut rng = StdRng::seed_from_u64(3720);
    for case in 0..6_000 {
        let opcode = OPCODES[case % OPCODES.len()];
        let header = random_header(&mut rng, opcode);
        let ahs = if opcode == Opcode::ScsiCommand {
            random_ahs(&mut rng)
        } else {
            Ahs::new()
        };
        let pdu = Pdu {
            header,
            ahs,
            data: random_data(&mut rng, case),
        };
        let wire = encode_pdu(&pdu);
        assert_eq!(wire.len() % 4, 0);
        assert_eq!(
            wire.len(),
            BHS_LEN + pdu.ahs.encoded_len() + pdu.data.len() + pad_len(pdu.data.len())
        );
        assert_eq!(Pdu::decode_bytes(&wire), Ok((pdu.clone(), wire.len())));

        // Trailing bytes (the next PDU) are left alone.
        let mut longer = wire.to_vec();
        longer.extend_from_slice(&[0xee; 13]);
        assert_eq!(
            Pdu::decode_bytes(&Bytes::from(longer)),
            Ok((pdu, wire.len()))
        );

        // Every strict prefix is truncated.
        for len in 0..wire.len() {
            assert!(
                matches!(
                    Pdu::decode_bytes(&wire.slice(..len)),
                    Err(DecodeError::Truncated { .. })
                ),
                "{opcode:?} prefix {len} of {}",
                wire.len()
            );
        }
    }
}

#[test]
fn garbage_headers_never_panic_and_are_stable() {
    let mut rng = StdRng::seed_from_u64(0xa5a5);
    let mut accepted = 0;
    for _ in 0..50_000 {
        let mut raw = [0u8; BHS_LEN];
        rng.fill(&mut raw);
        if rng.random_bool(0.9) {
            // Mostly a defined opcode, with random I and reserved bits 6-7.
            let opcode = OPCODES[rng.random_range(0..OPCODES.len())];
            raw[0] = opcode as u8 | (raw[0] & !Opcode::MASK);
        }
        if rng.random_bool(0.5) {
            raw[36..48].fill(0); // make the rarer valid combinations likelier
        }
        let bhs = Bhs::from_bytes(raw);
        match Header::decode(&bhs) {
            Ok(h) => {
                accepted += 1;
                assert_eq!(Ok(h.opcode()), bhs.opcode());
                assert_eq!(h.itt(), bhs.itt());
                let again = h.encode();
                assert_eq!(again.itt(), bhs.itt());
                assert_eq!(Header::decode(&again), Ok(h), "{bhs:?} -> {again:?}");
                // The re-encoded header is canonical: encoding it again changes nothing.
                assert_eq!(Header::decode(&again).map(|h| h.encode()), Ok(again));
            }
            Err(
                DecodeError::UnknownOpcode(_)
                | DecodeError::InvalidFlags { .. }
                | DecodeError::InvalidField { .. },
            ) => {}
            Err(other) => panic!("unexpected error {other:?} for {bhs:?}"),
        }
    }
    assert!(accepted > 30_000, "only {accepted} garbage headers decoded");
}

#[test]
fn garbage_pdus_never_panic() {
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..20_000 {
        let mut raw = vec![0u8; rng.random_range(0..=400)];
        rng.fill(raw.as_mut_slice());
        if let Some(first) = raw.first_mut() {
            *first = OPCODES[rng.random_range(0..OPCODES.len())] as u8;
        }
        if raw.len() >= 8 && rng.random_bool(0.7) {
            // Plausible lengths: few AHS words, a DSL that may or may not fit.
            raw[4] = rng.random_range(0..4);
            raw[5] = 0;
            raw[6] = 0;
            raw[7] = rng.random();
        }
        let src = Bytes::from(raw);
        if let Ok((pdu, used)) = Pdu::decode_bytes(&src) {
            assert!(used <= src.len());
            assert_eq!(
                Pdu::decode_bytes(&encode_pdu(&pdu)).map(|(p, _)| p),
                Ok(pdu)
            );
        }
    }
}

#[test]
fn unknown_opcodes_are_rejected() {
    let defined: Vec<u8> = OPCODES.iter().map(|&o| o as u8).collect();
    for raw in 0..=Opcode::MASK {
        let mut bytes = [0u8; BHS_LEN];
        bytes[0] = raw;
        let result = Header::decode(&Bhs::from_bytes(bytes));
        if defined.contains(&raw) {
            assert!(
                !matches!(result, Err(DecodeError::UnknownOpcode(_))),
                "{raw:#04x}"
            );
        } else {
            assert_eq!(result, Err(DecodeError::UnknownOpcode(raw)));
        }
    }
}

#[test]
fn oversized_lengths_are_typed_errors() {
    // DSL at its 24-bit maximum on a bare header: truncated, with the full size needed.
    let mut raw = [0u8; BHS_LEN];
    raw[5..8].copy_from_slice(&[0xff, 0xff, 0xff]);
    let needed = BHS_LEN + MAX_DATA_SEGMENT_LENGTH + pad_len(MAX_DATA_SEGMENT_LENGTH);
    assert_eq!(
        Pdu::decode_bytes(&Bytes::copy_from_slice(&raw)),
        Err(DecodeError::Truncated {
            needed,
            available: BHS_LEN
        })
    );
    // The largest TotalAHSLength likewise.
    raw[4] = 0xff;
    assert!(matches!(
        Pdu::decode_bytes(&Bytes::copy_from_slice(&raw)),
        Err(DecodeError::Truncated { .. })
    ));

    // Encoding more data than 24 bits can describe fails instead of truncating the length.
    let nop = NopOut {
        immediate: true,
        lun: Lun::default(),
        itt: Itt(1),
        ttt: Ttt::RESERVED,
        cmd_sn: CmdSn::new(0),
        exp_stat_sn: StatSn::new(0),
    };
    let pdu = Pdu::new(nop, Bytes::from(vec![0u8; MAX_DATA_SEGMENT_LENGTH + 1]));
    assert_eq!(
        pdu.encode_bhs(),
        Err(EncodeError::DataSegmentTooLong {
            len: MAX_DATA_SEGMENT_LENGTH + 1,
            max: MAX_DATA_SEGMENT_LENGTH
        })
    );
    assert!(pdu.encode(&mut Vec::new()).is_err());

    // The largest data segment encodes.
    let pdu = Pdu::new(nop, Bytes::from(vec![0u8; MAX_DATA_SEGMENT_LENGTH]));
    assert_eq!(
        pdu.encode_bhs().map(|b| b.data_segment_length()),
        Ok(0x00ff_ffff)
    );

    // AHS over 1020 bytes.
    let tail = [0u8; 244];
    let pdu = Pdu {
        header: nop.into(),
        ahs: Ahs(vec![AhsSegment::extended_cdb(&tail); 5]),
        data: Bytes::new(),
    };
    assert_eq!(pdu.encode_bhs(), Err(EncodeError::AhsTooLong));
}
