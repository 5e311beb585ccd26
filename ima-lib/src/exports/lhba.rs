//! Logical HBA calls (docs/ima-notes.md §2.3).

use ima_abi::{CommitLevel, LhbaProperties, Oid};

use ima_support::check_range;

aggregate_list! {
    /// All LHBAs: every plugin once, lists concatenated.
    IMA_GetLhbaOidList(pp_list)
}

getter! {
    /// LHBA properties. ROUTE(LHBA).
    IMA_GetLhbaProperties(lhba_oid, p_props: *mut LhbaProperties) [LHBA]
}

oid_call! {
    /// Drops persisted data about vanished objects. ROUTE(LHBA).
    IMA_RemoveStaleData(lhba_oid) [LHBA]
}

export! {
    /// Commits pending parameter changes. ROUTE(LHBA, PHBA); level 0..=4.
    fn IMA_CommitHbaParameters(oid: Oid, commit_level: CommitLevel) {
        check_range(commit_level.is_defined(), "commitLevel")?;
        route_call!(oid, [LHBA, PHBA], IMA_CommitHbaParameters(oid, commit_level))
    }
}
