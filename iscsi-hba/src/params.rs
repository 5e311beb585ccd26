//! Login (operational) parameters: defaults on the LHBA, overrides per target (by name),
//! persisted, validated with iscsi-proto's own rules, and offered at the next login.

use std::collections::BTreeMap;

use iscsi_initiator::InitiatorConfig;
use iscsi_proto::negotiation::OperationalConfig;

use crate::{
    Engine, HbaError, ObjectId, ObjectKind,
    engine::lock,
    state::{ParamOverrides, PersistedState},
};

/// One of the twelve login parameters IMA exposes, without a value.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub enum LoginParamKey {
    /// FirstBurstLength (RFC 7143 §13.14).
    FirstBurstLength,
    /// MaxBurstLength (§13.13).
    MaxBurstLength,
    /// MaxRecvDataSegmentLength we declare (§13.12).
    MaxRecvDataSegmentLength,
    /// DefaultTime2Wait (§13.15).
    DefaultTime2Wait,
    /// DefaultTime2Retain (§13.16).
    DefaultTime2Retain,
    /// MaxOutstandingR2T (§13.17).
    MaxOutstandingR2T,
    /// ErrorRecoveryLevel (§13.20): only 0, not settable.
    ErrorRecoveryLevel,
    /// MaxConnections (§13.2): only 1, not settable.
    MaxConnections,
    /// InitialR2T (§13.10).
    InitialR2T,
    /// ImmediateData (§13.11).
    ImmediateData,
    /// DataPDUInOrder (§13.18): only Yes, not settable.
    DataPduInOrder,
    /// DataSequenceInOrder (§13.19): only Yes, not settable.
    DataSequenceInOrder,
}

impl LoginParamKey {
    /// All twelve.
    pub const ALL: [Self; 12] = [
        Self::FirstBurstLength,
        Self::MaxBurstLength,
        Self::MaxRecvDataSegmentLength,
        Self::DefaultTime2Wait,
        Self::DefaultTime2Retain,
        Self::MaxOutstandingR2T,
        Self::ErrorRecoveryLevel,
        Self::MaxConnections,
        Self::InitialR2T,
        Self::ImmediateData,
        Self::DataPduInOrder,
        Self::DataSequenceInOrder,
    ];

    /// The RFC 7143 key name.
    pub fn name(self) -> &'static str {
        match self {
            Self::FirstBurstLength => "FirstBurstLength",
            Self::MaxBurstLength => "MaxBurstLength",
            Self::MaxRecvDataSegmentLength => "MaxRecvDataSegmentLength",
            Self::DefaultTime2Wait => "DefaultTime2Wait",
            Self::DefaultTime2Retain => "DefaultTime2Retain",
            Self::MaxOutstandingR2T => "MaxOutstandingR2T",
            Self::ErrorRecoveryLevel => "ErrorRecoveryLevel",
            Self::MaxConnections => "MaxConnections",
            Self::InitialR2T => "InitialR2T",
            Self::ImmediateData => "ImmediateData",
            Self::DataPduInOrder => "DataPDUInOrder",
            Self::DataSequenceInOrder => "DataSequenceInOrder",
        }
    }

    /// Whether the key is a boolean (Yes/No) rather than a number.
    pub fn is_bool(self) -> bool {
        self.range().is_none()
    }

    /// The RFC 7143 §13 range of a numeric key (`None` for the booleans).
    pub fn range(self) -> Option<(u32, u32)> {
        match self {
            Self::FirstBurstLength | Self::MaxBurstLength | Self::MaxRecvDataSegmentLength => {
                Some((512, 16_777_215))
            }
            Self::DefaultTime2Wait | Self::DefaultTime2Retain => Some((0, 3600)),
            Self::MaxOutstandingR2T | Self::MaxConnections => Some((1, 65_535)),
            Self::ErrorRecoveryLevel => Some((0, 2)),
            _ => None,
        }
    }

    /// Whether this engine lets it be changed. ErrorRecoveryLevel (only 0),
    /// MaxConnections (only 1), DataPDUInOrder and DataSequenceInOrder (only Yes) are
    /// fixed by what the initiator can honour.
    pub fn settable(self) -> bool {
        !matches!(
            self,
            Self::ErrorRecoveryLevel
                | Self::MaxConnections
                | Self::DataPduInOrder
                | Self::DataSequenceInOrder
        )
    }

    /// Our default (the initiator's own offer, `InitiatorConfig::new`).
    pub fn default_value(self) -> LoginParam {
        LoginParam::read(self, &base_config())
    }
}

/// A login parameter with its value.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum LoginParam {
    /// FirstBurstLength in bytes.
    FirstBurstLength(u32),
    /// MaxBurstLength in bytes.
    MaxBurstLength(u32),
    /// MaxRecvDataSegmentLength in bytes.
    MaxRecvDataSegmentLength(u32),
    /// DefaultTime2Wait in seconds.
    DefaultTime2Wait(u32),
    /// DefaultTime2Retain in seconds.
    DefaultTime2Retain(u32),
    /// MaxOutstandingR2T.
    MaxOutstandingR2T(u32),
    /// ErrorRecoveryLevel.
    ErrorRecoveryLevel(u32),
    /// MaxConnections.
    MaxConnections(u32),
    /// InitialR2T.
    InitialR2T(bool),
    /// ImmediateData.
    ImmediateData(bool),
    /// DataPDUInOrder.
    DataPduInOrder(bool),
    /// DataSequenceInOrder.
    DataSequenceInOrder(bool),
}

impl LoginParam {
    /// Which parameter.
    pub fn key(self) -> LoginParamKey {
        use LoginParamKey as K;
        match self {
            Self::FirstBurstLength(_) => K::FirstBurstLength,
            Self::MaxBurstLength(_) => K::MaxBurstLength,
            Self::MaxRecvDataSegmentLength(_) => K::MaxRecvDataSegmentLength,
            Self::DefaultTime2Wait(_) => K::DefaultTime2Wait,
            Self::DefaultTime2Retain(_) => K::DefaultTime2Retain,
            Self::MaxOutstandingR2T(_) => K::MaxOutstandingR2T,
            Self::ErrorRecoveryLevel(_) => K::ErrorRecoveryLevel,
            Self::MaxConnections(_) => K::MaxConnections,
            Self::InitialR2T(_) => K::InitialR2T,
            Self::ImmediateData(_) => K::ImmediateData,
            Self::DataPduInOrder(_) => K::DataPduInOrder,
            Self::DataSequenceInOrder(_) => K::DataSequenceInOrder,
        }
    }

    /// The value of a numeric parameter.
    pub fn as_u32(self) -> Option<u32> {
        match self {
            Self::FirstBurstLength(v)
            | Self::MaxBurstLength(v)
            | Self::MaxRecvDataSegmentLength(v)
            | Self::DefaultTime2Wait(v)
            | Self::DefaultTime2Retain(v)
            | Self::MaxOutstandingR2T(v)
            | Self::ErrorRecoveryLevel(v)
            | Self::MaxConnections(v) => Some(v),
            _ => None,
        }
    }

    /// The value of a boolean parameter.
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Self::InitialR2T(v)
            | Self::ImmediateData(v)
            | Self::DataPduInOrder(v)
            | Self::DataSequenceInOrder(v) => Some(v),
            _ => None,
        }
    }

    /// The value `key` has in `c`.
    fn read(key: LoginParamKey, c: &OperationalConfig) -> Self {
        use LoginParamKey as K;
        match key {
            K::FirstBurstLength => Self::FirstBurstLength(c.first_burst_length),
            K::MaxBurstLength => Self::MaxBurstLength(c.max_burst_length),
            K::MaxRecvDataSegmentLength => {
                Self::MaxRecvDataSegmentLength(c.max_recv_data_segment_length)
            }
            K::DefaultTime2Wait => Self::DefaultTime2Wait(c.default_time2wait.into()),
            K::DefaultTime2Retain => Self::DefaultTime2Retain(c.default_time2retain.into()),
            K::MaxOutstandingR2T => Self::MaxOutstandingR2T(c.max_outstanding_r2t.into()),
            K::ErrorRecoveryLevel => Self::ErrorRecoveryLevel(c.error_recovery_level.into()),
            K::MaxConnections => Self::MaxConnections(c.max_connections.into()),
            K::InitialR2T => Self::InitialR2T(c.initial_r2t),
            K::ImmediateData => Self::ImmediateData(c.immediate_data),
            K::DataPduInOrder => Self::DataPduInOrder(c.data_pdu_in_order),
            K::DataSequenceInOrder => Self::DataSequenceInOrder(c.data_sequence_in_order),
        }
    }

    /// Checks the value against the key's RFC 7143 §13 range and what this engine can
    /// honour, and records it in `o`.
    fn store(self, o: &mut ParamOverrides) -> Result<(), HbaError> {
        let key = self.key();
        if let (Some((min, max)), Some(v)) = (key.range(), self.as_u32()) {
            if !(min..=max).contains(&v) {
                return Err(HbaError::InvalidArgument(format!(
                    "{} {v} is outside {min}..={max}",
                    key.name()
                )));
            }
        }
        if !key.settable() {
            if self == key.default_value() {
                return Ok(());
            }
            return Err(HbaError::NotSupported(format!(
                "{} is fixed at {:?} (the initiator cannot honour another value)",
                key.name(),
                key.default_value()
            )));
        }
        // In range, so the narrowing conversions below cannot fail.
        let small = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
        match self {
            Self::FirstBurstLength(v) => o.first_burst_length = Some(v),
            Self::MaxBurstLength(v) => o.max_burst_length = Some(v),
            Self::MaxRecvDataSegmentLength(v) => o.max_recv_data_segment_length = Some(v),
            Self::DefaultTime2Wait(v) => o.default_time2wait = Some(small(v)),
            Self::DefaultTime2Retain(v) => o.default_time2retain = Some(small(v)),
            Self::MaxOutstandingR2T(v) => o.max_outstanding_r2t = Some(small(v)),
            Self::InitialR2T(v) => o.initial_r2t = Some(v),
            Self::ImmediateData(v) => o.immediate_data = Some(v),
            Self::ErrorRecoveryLevel(_)
            | Self::MaxConnections(_)
            | Self::DataPduInOrder(_)
            | Self::DataSequenceInOrder(_) => {}
        }
        Ok(())
    }
}

/// The login parameters in force for an LHBA or a target: what the next login offers.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LoginParams {
    /// Every key's effective value: the target's override, else the LHBA's, else ours.
    pub values: BTreeMap<LoginParamKey, LoginParam>,
    /// The keys set on this object itself (for a target: its overrides; for the LHBA: the
    /// defaults changed from ours).
    pub overridden: Vec<LoginParamKey>,
}

impl LoginParams {
    /// The effective value of `key`.
    pub fn get(&self, key: LoginParamKey) -> LoginParam {
        self.values
            .get(&key)
            .copied()
            .unwrap_or_else(|| key.default_value())
    }
}

/// Our defaults: the operational keys `InitiatorConfig::new` offers.
pub(crate) fn base_config() -> OperationalConfig {
    InitiatorConfig::new(String::new()).operational
}

/// `base` with the set values of `o` applied.
pub(crate) fn apply(base: &mut OperationalConfig, o: &ParamOverrides) {
    if let Some(v) = o.first_burst_length {
        base.first_burst_length = v;
    }
    if let Some(v) = o.max_burst_length {
        base.max_burst_length = v;
    }
    if let Some(v) = o.max_recv_data_segment_length {
        base.max_recv_data_segment_length = v;
    }
    if let Some(v) = o.default_time2wait {
        base.default_time2wait = v;
    }
    if let Some(v) = o.default_time2retain {
        base.default_time2retain = v;
    }
    if let Some(v) = o.max_outstanding_r2t {
        base.max_outstanding_r2t = v;
    }
    if let Some(v) = o.initial_r2t {
        base.initial_r2t = v;
    }
    if let Some(v) = o.immediate_data {
        base.immediate_data = v;
    }
    if let Some(v) = &o.header_digest {
        base.header_digest = v.iter().map(|&d| d.into()).collect();
    }
    if let Some(v) = &o.data_digest {
        base.data_digest = v.iter().map(|&d| d.into()).collect();
    }
}

/// The operational keys a login to `target` (or, for `None`, the LHBA defaults) offers
/// with this state, starting from `base`.
pub(crate) fn effective(
    mut base: OperationalConfig,
    state: &PersistedState,
    target: Option<&str>,
) -> OperationalConfig {
    apply(&mut base, &state.login_defaults);
    if let Some(o) = target.and_then(|t| state.target_login.get(t)) {
        apply(&mut base, o);
    }
    base
}

/// Checks a configuration with iscsi-proto's rules (RFC 7143 §13 ranges, FirstBurstLength
/// at most MaxBurstLength…). The names are placeholders: only the keys are checked here.
pub(crate) fn validate(mut op: OperationalConfig, what: &str) -> Result<(), String> {
    op.session_type = iscsi_proto::negotiation::SessionType::Normal;
    op.initiator_name = "iqn.2026-12.org.iscsi-ima:check".into();
    op.initiator_alias = None;
    op.target_name = Some("iqn.2026-12.org.iscsi-ima:check".into());
    op.validate().map_err(|e| format!("{what}: {e}"))
}

/// Checks every configuration the state defines: the LHBA's and each target's.
pub(crate) fn validate_state(state: &PersistedState) -> Result<(), String> {
    validate(effective(base_config(), state, None), "the LHBA defaults")?;
    for name in state.target_login.keys() {
        validate(
            effective(base_config(), state, Some(name)),
            &format!("target {name}"),
        )?;
    }
    Ok(())
}

impl Engine {
    /// The target name an object's parameters are keyed by: `None` for the LHBA.
    fn param_owner(&self, object: ObjectId) -> Result<Option<String>, HbaError> {
        match object.kind {
            ObjectKind::Lhba if object.seq == ObjectId::SINGLETON_SEQ => Ok(None),
            ObjectKind::Target => self
                .target(object)
                .map(|t| Some(t.name))
                .ok_or(HbaError::NotFound(object)),
            _ => Err(HbaError::NotFound(object)),
        }
    }

    /// The login parameters of the LHBA (the defaults of every target) or of a target
    /// (its overrides over those): the values the next login offers.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an object that is neither the LHBA nor a known target.
    pub fn login_params(&self, object: ObjectId) -> Result<LoginParams, HbaError> {
        let owner = self.param_owner(object)?;
        let state = lock(&self.inner.persisted);
        let op = effective(base_config(), &state, owner.as_deref());
        let own = match &owner {
            None => Some(&state.login_defaults),
            Some(name) => state.target_login.get(name),
        };
        let overridden = own.map(ParamOverrides::keys).unwrap_or_default();
        Ok(LoginParams {
            values: LoginParamKey::ALL
                .iter()
                .map(|&k| (k, LoginParam::read(k, &op)))
                .collect(),
            overridden,
        })
    }

    /// Sets one login parameter on the LHBA (a default for every target) or on a target
    /// (an override, persisted by target name), effective at the next login.
    ///
    /// # Errors
    ///
    /// [`HbaError::NotFound`] for an object that is neither the LHBA nor a known target;
    /// [`HbaError::InvalidArgument`] for a value outside its RFC 7143 §13 range or one
    /// that makes the configuration in force invalid (FirstBurstLength above
    /// MaxBurstLength, for the LHBA or for any target with overrides);
    /// [`HbaError::NotSupported`] for another value of a parameter that is not settable
    /// (its fixed value is accepted and changes nothing); the errors of a persisted change.
    pub fn set_login_param(&self, object: ObjectId, param: LoginParam) -> Result<(), HbaError> {
        let owner = self.param_owner(object)?;
        // Check the value alone first, so a bad value is refused without the file lock.
        param.store(&mut ParamOverrides::default())?;
        self.update(move |s| {
            match &owner {
                None => param.store(&mut s.login_defaults)?,
                Some(name) => param.store(s.target_login.entry(name.clone()).or_default())?,
            }
            s.target_login.retain(|_, o| !o.is_empty());
            validate_state(s).map_err(HbaError::InvalidArgument)
        })
    }

    /// Everything the next login to the target named `name` offers: the operational keys
    /// in force for it (its overrides over the LHBA's, digest offers included) and its
    /// CHAP credentials (see [`crate::auth`]).
    ///
    /// # Errors
    ///
    /// [`HbaError::InvalidArgument`] when CHAP must be used (the only method in use, or
    /// mutual CHAP on) but the credentials it needs are not set.
    pub(crate) fn login_options(
        &self,
        initiator: &iscsi_initiator::Initiator,
        name: &str,
    ) -> Result<iscsi_initiator::LoginOptions, HbaError> {
        let mut options = initiator.default_options();
        let state = lock(&self.inner.persisted);
        options.operational = effective(options.operational, &state, Some(name));
        options.credentials = state.auth.credentials(name)?;
        Ok(options)
    }
}

impl Engine {
    /// Names of targets that have settings of their own (login parameter overrides,
    /// digests, credentials) but are not in the target table: the LHBA's stale data. As
    /// of the last discovery.
    pub fn stale_targets(&self) -> Vec<String> {
        let known: std::collections::HashSet<String> =
            self.targets().into_iter().map(|(_, t)| t.name).collect();
        let s = lock(&self.inner.persisted);
        let mut names: Vec<String> = s
            .target_login
            .keys()
            .chain(s.auth.targets.keys())
            .filter(|name| !known.contains(*name))
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Runs discovery, then deletes the settings of every target no enabled method found
    /// (persisted); returns their names. Nothing is deleted when a discovery address did
    /// not answer, since its targets cannot be told from stale ones.
    ///
    /// # Errors
    ///
    /// [`HbaError::DiscoveryIncomplete`] when an address failed; the errors of
    /// [`Engine::refresh_discovery`] and of a persisted change.
    pub async fn remove_stale_data(&self) -> Result<Vec<String>, HbaError> {
        let report = self.refresh_discovery().await?;
        let failed = report
            .addresses
            .iter()
            .filter(|a| a.outcome.is_err())
            .count();
        if failed > 0 {
            return Err(HbaError::DiscoveryIncomplete { failed });
        }
        let stale = self.stale_targets();
        if !stale.is_empty() {
            self.update(|s| {
                for name in &stale {
                    s.target_login.remove(name);
                    s.auth.targets.remove(name);
                }
                Ok(())
            })?;
            tracing::info!(targets = stale.len(), "stale target settings removed");
        }
        Ok(stale)
    }
}

impl std::str::FromStr for LoginParamKey {
    type Err = String;

    /// The RFC 7143 key name, case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown login parameter {s:?}"))
    }
}
