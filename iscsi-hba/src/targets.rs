//! Targets: discovery by SendTargets, iSNS and static configuration, merged into one table.

use std::{
    collections::{BTreeMap, HashSet},
    sync::atomic::Ordering,
};

use iscsi_initiator::Portal;
use iscsi_proto::discovery::TargetRecord;
use tokio::task::JoinSet;

use crate::{
    Engine, HbaError, IsnsServer, ObjectId, ObjectKind, TimeoutKind,
    engine::{Discovered, lock},
};

/// How a target was found.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Methods {
    /// A static target names it.
    pub static_: bool,
    /// A SendTargets answer lists it.
    pub send_targets: bool,
    /// The iSNS server lists it with at least one portal group.
    pub isns: bool,
}

/// A target found by discovery.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TargetInfo {
    /// The iSCSI name.
    pub name: String,
    /// The alias (TargetAlias), when known. Discovery does not report it: `None` for now.
    pub alias: Option<String>,
    /// How it was found.
    pub methods: Methods,
    /// Where it can be reached: the SendTargets addresses (with their portal group tags),
    /// the iSNS portal groups (with their tags), then the static portals, without
    /// repeats. Logins try them in this order.
    pub addresses: Vec<Portal>,
}

/// What one discovery address answered.
#[derive(Debug)]
pub struct AddressReport {
    /// The discovery address.
    pub id: ObjectId,
    /// Its portal.
    pub portal: Portal,
    /// How many targets it listed, or why it could not be asked. The targets an address
    /// listed before stay in the table while it fails.
    pub outcome: Result<usize, HbaError>,
}

/// What [`Engine::refresh_discovery`] did.
#[derive(Debug)]
pub struct DiscoveryReport {
    /// One entry per discovery address asked (none when SendTargets is disabled).
    pub addresses: Vec<AddressReport>,
    /// The iSNS server and how many targets it listed, or why it could not be asked;
    /// `None` when iSNS is disabled. Its targets stay in the table while it fails.
    pub isns: Option<(IsnsServer, Result<usize, HbaError>)>,
    /// Targets now in the table.
    pub targets: usize,
    /// Targets that were not in the table before.
    pub appeared: Vec<ObjectId>,
    /// Targets that left the table (with their LUs).
    pub disappeared: Vec<ObjectId>,
}

/// A target in the table.
#[derive(Clone, Debug)]
pub(crate) struct TargetEntry {
    pub(crate) info: TargetInfo,
    /// The SendTargets addresses, and the discovery addresses (seqs) that listed it.
    send_targets: Vec<Portal>,
    via: Vec<u64>,
    /// The iSNS portal groups.
    isns: Vec<Portal>,
}

/// A target being assembled from this round's answers.
#[derive(Default)]
struct Found {
    methods: Methods,
    send_targets: Vec<Portal>,
    statics: Vec<Portal>,
    via: Vec<u64>,
    isns: Vec<Portal>,
}

/// One discovery address's answer: its position in the list, seq, portal and outcome.
type Answer = (usize, u64, Portal, Result<Vec<TargetRecord>, HbaError>);

fn push_new(list: &mut Vec<Portal>, p: &Portal) {
    if !list.contains(p) {
        list.push(p.clone());
    }
}

impl Engine {
    /// Runs every enabled discovery method and replaces the target table with what they
    /// found: SendTargets to every discovery address (concurrently, each bounded by
    /// [`crate::EngineConfig::operation_timeout`]) and the static targets. Reloads the
    /// state file first. Targets keep their ids while they stay found; targets no
    /// enabled method finds any more leave the table, with their LUs and session. An
    /// address that fails is reported, does not fail the others, and keeps the targets it
    /// listed before.
    ///
    /// # Errors
    ///
    /// [`HbaError::ShutDown`]; the state file's errors ([`HbaError::CorruptState`],
    /// [`HbaError::Io`]).
    pub async fn refresh_discovery(&self) -> Result<DiscoveryReport, HbaError> {
        self.check_running()?;
        self.reload()?;
        let state = self.persisted();
        let initiator = self.initiator();
        let deadline = self.inner.config.operation_timeout;

        let mut asks = JoinSet::new();
        if state.send_targets_enabled {
            for (i, (seq, portal)) in state.discovery_addresses.iter().enumerate() {
                let initiator = initiator.clone();
                let portal = portal.clone();
                let seq = *seq;
                asks.spawn(async move {
                    let outcome =
                        match tokio::time::timeout(deadline, initiator.discover(&portal)).await {
                            Ok(Ok(records)) => Ok(records),
                            Ok(Err(e)) => Err(HbaError::Initiator(e)),
                            Err(_) => Err(HbaError::Timeout(TimeoutKind::Operation)),
                        };
                    (i, seq, portal, outcome)
                });
            }
        }
        let isns_server = state
            .isns_enabled
            .then(|| state.isns_server.clone())
            .flatten();
        let isns_ask = isns_server.clone().map(|server| {
            let engine = self.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(deadline, engine.isns_targets(&server)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(HbaError::Timeout(TimeoutKind::Operation)),
                }
            })
        });
        let mut answers: Vec<Answer> = Vec::new();
        while let Some(joined) = asks.join_next().await {
            match joined {
                Ok(answer) => answers.push(answer),
                Err(e) => tracing::warn!(error = %e, "a discovery task failed"),
            }
        }
        answers.sort_by_key(|(i, ..)| *i);

        let mut found: BTreeMap<String, Found> = BTreeMap::new();
        let mut failed = HashSet::new();
        let mut reports = Vec::new();
        for (_, seq, portal, outcome) in answers {
            let id = ObjectId::new(ObjectKind::DiscoveryAddress, seq);
            let outcome = match outcome {
                Ok(records) => {
                    for r in &records {
                        let f = found.entry(r.name.clone()).or_default();
                        f.methods.send_targets = true;
                        f.via.push(seq);
                        for a in &r.addresses {
                            push_new(&mut f.send_targets, a);
                        }
                    }
                    tracing::info!(address = %portal, targets = records.len(), "SendTargets");
                    Ok(records.len())
                }
                Err(e) => {
                    tracing::warn!(address = %portal, error = %e, "SendTargets failed");
                    failed.insert(seq);
                    Err(e)
                }
            };
            reports.push(AddressReport {
                id,
                portal,
                outcome,
            });
        }
        let mut isns_failed = false;
        let isns_report = match (isns_server, isns_ask) {
            (Some(server), Some(ask)) => {
                let outcome = ask.await.unwrap_or_else(|e| {
                    Err(HbaError::NotSupported(format!("the iSNS task failed: {e}")))
                });
                let outcome = outcome.map(|targets| {
                    let mut listed = 0;
                    for t in targets.iter().filter(|t| !t.portal_groups.is_empty()) {
                        listed += 1;
                        let f = found.entry(t.name.clone()).or_default();
                        f.methods.isns = true;
                        for pg in &t.portal_groups {
                            push_new(&mut f.isns, &isns_portal(pg));
                        }
                    }
                    tracing::info!(%server, targets = listed, "iSNS");
                    listed
                });
                if let Err(e) = &outcome {
                    tracing::warn!(%server, error = %e, "iSNS query failed");
                    isns_failed = true;
                }
                Some((server, outcome))
            }
            _ => None,
        };
        if state.static_enabled {
            for (_, name, portal) in &state.static_targets {
                let f = found.entry(name.clone()).or_default();
                f.methods.static_ = true;
                push_new(&mut f.statics, portal);
            }
        }

        let (report, sessions) = {
            let mut d = lock(&self.inner.discovered);
            // Keep what a failing address or iSNS server listed last time.
            for entry in d.targets.values() {
                if isns_failed && entry.info.methods.isns {
                    let f = found.entry(entry.info.name.clone()).or_default();
                    f.methods.isns = true;
                    for a in &entry.isns {
                        push_new(&mut f.isns, a);
                    }
                }
                let kept: Vec<u64> = entry
                    .via
                    .iter()
                    .copied()
                    .filter(|v| failed.contains(v))
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                let f = found.entry(entry.info.name.clone()).or_default();
                f.methods.send_targets = true;
                f.via.extend(kept);
                for a in &entry.send_targets {
                    push_new(&mut f.send_targets, a);
                }
            }
            self.install_targets(&mut d, found, reports, isns_report)
        };
        let (gone_lus, changed) = sessions;
        for tseq in report.disappeared.iter().map(|id| id.seq) {
            self.end_session(tseq).await;
        }
        {
            let targets: HashSet<u64> = report.disappeared.iter().map(|id| id.seq).collect();
            let lus: HashSet<u64> = gone_lus.iter().map(|id| id.seq).collect();
            lock(&self.inner.sessions).counters.forget(&targets, &lus);
        }
        for id in gone_lus {
            self.visible(id, false);
        }
        for id in &report.disappeared {
            self.visible(*id, false);
        }
        for id in &report.appeared {
            self.visible(*id, true);
        }
        if !report.appeared.is_empty() {
            // New targets: the supervisor logs in to them.
            self.nudge();
        }
        for id in changed {
            self.changed(id);
        }
        Ok(report)
    }

    /// Replaces the table with `found`; returns the report, the LUs that left with their
    /// targets, and the targets whose description changed.
    fn install_targets(
        &self,
        d: &mut Discovered,
        found: BTreeMap<String, Found>,
        addresses: Vec<AddressReport>,
        isns: Option<(IsnsServer, Result<usize, HbaError>)>,
    ) -> (DiscoveryReport, (Vec<ObjectId>, Vec<ObjectId>)) {
        let mut appeared = Vec::new();
        let mut changed = Vec::new();
        let mut targets = BTreeMap::new();
        for (name, f) in found {
            let id = d.target_ids.get_or_insert(&name);
            if !d.targets.contains_key(&id.seq) {
                appeared.push(id);
            }
            let mut all = f.send_targets.clone();
            for p in f.isns.iter().chain(&f.statics) {
                push_new(&mut all, p);
            }
            let info = TargetInfo {
                name,
                alias: None,
                methods: f.methods,
                addresses: all,
            };
            if d.targets.get(&id.seq).is_some_and(|old| old.info != info) {
                changed.push(id);
            }
            targets.insert(
                id.seq,
                TargetEntry {
                    info,
                    send_targets: f.send_targets,
                    via: f.via,
                    isns: f.isns,
                },
            );
        }
        let disappeared: Vec<ObjectId> = d
            .targets
            .keys()
            .filter(|seq| !targets.contains_key(seq))
            .map(|seq| ObjectId::new(ObjectKind::Target, *seq))
            .collect();
        let names: HashSet<String> = targets.values().map(|t| t.info.name.clone()).collect();
        d.target_ids.retain(|n| names.contains(n));
        d.targets = targets;
        let gone: HashSet<u64> = disappeared.iter().map(|id| id.seq).collect();
        let mut gone_lus = Vec::new();
        d.lus.retain(|seq, lu| {
            let keep = !gone.contains(&lu.target);
            if !keep {
                gone_lus.push(ObjectId::new(ObjectKind::Lu, *seq));
            }
            keep
        });
        d.lu_ids.retain(|(t, _)| !gone.contains(t));
        for id in &disappeared {
            tracing::info!(target = %id, "target gone");
        }
        (
            DiscoveryReport {
                addresses,
                isns,
                targets: d.targets.len(),
                appeared,
                disappeared,
            },
            (gone_lus, changed),
        )
    }

    /// The targets in the table, by id.
    pub fn targets(&self) -> Vec<(ObjectId, TargetInfo)> {
        lock(&self.inner.discovered)
            .targets
            .iter()
            .map(|(seq, t)| (ObjectId::new(ObjectKind::Target, *seq), t.info.clone()))
            .collect()
    }

    /// One target.
    pub fn target(&self, id: ObjectId) -> Option<TargetInfo> {
        if id.kind != ObjectKind::Target {
            return None;
        }
        lock(&self.inner.discovered)
            .targets
            .get(&id.seq)
            .map(|t| t.info.clone())
    }

    pub(crate) fn check_running(&self) -> Result<(), HbaError> {
        if self.inner.shut_down.load(Ordering::Acquire) {
            return Err(HbaError::ShutDown);
        }
        Ok(())
    }
}

/// An iSNS portal group as a login portal (with its tag as the TPGT).
fn isns_portal(pg: &iscsi_initiator::isns::IsnsPortalGroup) -> Portal {
    use iscsi_proto::discovery::Host;
    let host = match pg.ip {
        std::net::IpAddr::V4(v4) => Host::Ipv4(v4),
        std::net::IpAddr::V6(v6) => Host::Ipv6 {
            addr: v6,
            zone: None,
        },
    };
    Portal {
        host,
        port: pg.port,
        tpgt: Some(pg.tag),
    }
}
