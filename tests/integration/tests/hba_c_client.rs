//! The software HBA through the IMA C API, the plugin's engine embedded in each client
//! process: the scenarios of `iscsi_integration_tests::hba_scenarios` (which document
//! each) against a real tgtd. `hbad/tests/daemon.rs` runs the same ones against
//! `iscsi-hbad`.
#![forbid(unsafe_code)]

use iscsi_integration_tests::{hba::Mode, hba_scenarios as scenario};

#[test]
fn discovery_targets_lus_and_pass_through_against_tgtd() {
    scenario::discovery_targets_lus_and_pass_through_against_tgtd(&Mode::Embedded);
}

#[test]
fn two_processes_adding_addresses_keep_each_others() {
    scenario::two_processes_adding_addresses_keep_each_others(&Mode::Embedded);
}

#[test]
fn a_corrupt_state_file_is_reported_and_left_alone() {
    scenario::a_corrupt_state_file_is_reported_and_left_alone(&Mode::Embedded);
}

#[test]
fn sessions_parameters_statistics_and_control_against_tgtd() {
    scenario::sessions_parameters_statistics_and_control_against_tgtd(&Mode::Embedded);
}

#[test]
fn callbacks_fire_for_a_new_target_and_a_reinstated_session() {
    scenario::callbacks_fire_for_a_new_target_and_a_reinstated_session(&Mode::Embedded);
}

#[test]
fn chap_mutual_chap_and_digests_set_through_ima_against_tgtd() {
    scenario::chap_mutual_chap_and_digests_set_through_ima_against_tgtd(&Mode::Embedded);
}

#[test]
fn isns_discovery_login_and_scn() {
    scenario::isns_discovery_login_and_scn(&Mode::Embedded);
}
