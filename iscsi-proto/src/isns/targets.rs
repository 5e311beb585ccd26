//! The requests an initiator sends and the reading of their answers: the targets visible
//! to us with their portal groups (RFC 4171 §5.6.5, §5.7.5, §6.4, §6.5) and SCNs
//! (§5.6.5.8).

use std::{
    collections::{HashMap, HashSet},
    fmt,
    net::IpAddr,
};

use super::{Attribute, FunctionId, IsnsError, IsnsLimits, Message, Status, Tag, node_type};

fn source(name: &str) -> Result<Attribute, IsnsError> {
    Attribute::string(Tag::IscsiName, name)
}

/// The attributes a target listing asks for: each object's key tag (so objects can be told
/// apart in the flat answer) and what we use.
fn wanted() -> Vec<Attribute> {
    [
        Tag::IscsiName,
        Tag::NodeType,
        Tag::PortalIp,
        Tag::PortalPort,
        Tag::PgIscsiName,
        Tag::PgPortalIp,
        Tag::PgPortalPort,
        Tag::PgTag,
    ]
    .into_iter()
    .map(Attribute::nil)
    .collect()
}

/// DevAttrQry for every target visible to `our_name`, with portals and portal groups
/// (RFC 4171 §5.6.5.2: key Node Type = Target).
///
/// # Errors
///
/// [`IsnsError::BadAttribute`] if `our_name` is not a valid name attribute.
pub fn dev_attr_qry_targets(our_name: &str, xid: u16) -> Result<Message, IsnsError> {
    Ok(Message::request(
        FunctionId::DevAttrQry,
        xid,
        source(our_name)?,
        vec![Attribute::u32(Tag::NodeType, node_type::TARGET)],
        wanted(),
    ))
}

/// DevAttrQry for one node by name, with portals and portal groups.
///
/// # Errors
///
/// [`IsnsError::BadAttribute`] for an invalid name.
pub fn dev_attr_qry_node(our_name: &str, name: &str, xid: u16) -> Result<Message, IsnsError> {
    Ok(Message::request(
        FunctionId::DevAttrQry,
        xid,
        source(our_name)?,
        vec![Attribute::string(Tag::IscsiName, name)?],
        wanted(),
    ))
}

/// DevGetNext over storage nodes (RFC 4171 §5.6.5.3): the node after `last` (the first
/// when `None`); the iteration ends with [`Status::NoSuchEntry`].
///
/// # Errors
///
/// [`IsnsError::BadAttribute`] for an invalid name.
pub fn dev_get_next(our_name: &str, last: Option<&str>, xid: u16) -> Result<Message, IsnsError> {
    let key = match last {
        Some(name) => Attribute::string(Tag::IscsiName, name)?,
        None => Attribute::nil(Tag::IscsiName),
    };
    Ok(Message::request(
        FunctionId::DevGetNext,
        xid,
        source(our_name)?,
        vec![key],
        vec![],
    ))
}

/// DevAttrReg of our node as an initiator (RFC 4171 §5.6.5.1), for servers that answer
/// unregistered sources with [`Status::SourceUnknown`]. With `portal` (address and SCN
/// port), a portal the server delivers SCNs to.
///
/// # Errors
///
/// [`IsnsError::BadAttribute`] for an invalid name.
pub fn dev_attr_reg_initiator(
    our_name: &str,
    entity: &str,
    portal: Option<(IpAddr, u16)>,
    xid: u16,
) -> Result<Message, IsnsError> {
    let mut operating = vec![
        Attribute::string(Tag::EntityId, entity)?,
        Attribute::u32(Tag::EntityProtocol, 2),
    ];
    if let Some((ip, scn_port)) = portal {
        operating.push(Attribute::ip(Tag::PortalIp, ip));
        operating.push(Attribute::tcp_port(Tag::PortalPort, scn_port));
        operating.push(Attribute::tcp_port(Tag::ScnPort, scn_port));
    }
    operating.push(Attribute::string(Tag::IscsiName, our_name)?);
    operating.push(Attribute::u32(Tag::NodeType, node_type::INITIATOR));
    Ok(Message::request(
        FunctionId::DevAttrReg,
        xid,
        source(our_name)?,
        vec![Attribute::string(Tag::EntityId, entity)?],
        operating,
    ))
}

/// DevDereg of our node's entity (RFC 4171 §5.6.5.4).
///
/// # Errors
///
/// [`IsnsError::BadAttribute`] for an invalid name.
pub fn dev_dereg(our_name: &str, entity: &str, xid: u16) -> Result<Message, IsnsError> {
    Ok(Message::request(
        FunctionId::DevDereg,
        xid,
        source(our_name)?,
        vec![],
        vec![Attribute::string(Tag::EntityId, entity)?],
    ))
}

/// SCNReg of our node for the events in `bitmap` ([`super::scn`]; RFC 4171 §5.6.5.5).
///
/// # Errors
///
/// [`IsnsError::BadAttribute`] for an invalid name.
pub fn scn_reg(our_name: &str, bitmap: u32, xid: u16) -> Result<Message, IsnsError> {
    Ok(Message::request(
        FunctionId::ScnReg,
        xid,
        source(our_name)?,
        vec![Attribute::string(Tag::IscsiName, our_name)?],
        vec![Attribute::u32(Tag::ScnBitmap, bitmap)],
    ))
}

/// Our answer to an SCN (RFC 4171 §5.7.5.8): success and our name, same transaction.
///
/// # Errors
///
/// [`IsnsError::BadAttribute`] for an invalid name.
pub fn scn_response(our_name: &str, xid: u16) -> Result<Message, IsnsError> {
    Ok(Message {
        function: FunctionId::ScnRsp,
        flags: super::Flags::CLIENT,
        xid,
        status: Some(Status::Success),
        attributes: vec![Attribute::string(Tag::IscsiName, our_name)?],
    })
}

/// One change an SCN reports: a node and what happened to it ([`super::scn`] bits).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ScnEvent {
    /// The node that changed.
    pub name: String,
    /// The SCN bitmap.
    pub bitmap: u32,
}

/// Reads an SCN (RFC 4171 §5.6.5.8): the first iSCSI Name is ours (the destination), then
/// each changed node's name with its SCN bitmap, in either order. Other attributes
/// (timestamp, DD) are skipped.
///
/// # Errors
///
/// [`IsnsError::Malformed`] if the message is not an SCN or has no destination;
/// [`IsnsError::BadAttribute`] for a malformed name or bitmap.
pub fn parse_scn(message: &Message) -> Result<Vec<ScnEvent>, IsnsError> {
    let malformed = |reason| IsnsError::Malformed {
        function: message.function,
        reason,
    };
    if message.function != FunctionId::Scn {
        return Err(malformed("not an SCN"));
    }
    let mut attributes = message.attributes.iter();
    match attributes.next() {
        Some(first) if first.tag == Tag::IscsiName => {
            first.as_str()?;
        }
        _ => return Err(malformed("no destination iSCSI Name")),
    }
    let mut events = Vec::new();
    let mut name: Option<String> = None;
    let mut bitmap: Option<u32> = None;
    for attribute in attributes {
        match attribute.tag {
            Tag::IscsiName | Tag::PgIscsiName if !attribute.is_nil() => {
                name = Some(attribute.as_str()?.to_owned());
            }
            Tag::ScnBitmap => bitmap = Some(attribute.as_u32()?),
            _ => continue,
        }
        if let (Some(n), Some(b)) = (&name, bitmap) {
            events.push(ScnEvent {
                name: n.clone(),
                bitmap: b,
            });
            name = None;
            bitmap = None;
        }
    }
    Ok(events)
}

/// A portal group of a target: where to log in and with which TPGT (RFC 4171 §6.5).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct IsnsPortalGroup {
    /// PG Portal IP Address.
    pub ip: IpAddr,
    /// PG Portal TCP Port.
    pub port: u16,
    /// Portal Group Tag, the iSCSI TPGT.
    pub tag: u16,
}

impl fmt::Display for IsnsPortalGroup {
    /// `IP:port,tpgt`, IPv6 in brackets (open-iscsi's form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V4(v4) => write!(f, "{v4}:{},{}", self.port, self.tag),
            IpAddr::V6(v6) => write!(f, "[{v6}]:{},{}", self.port, self.tag),
        }
    }
}

/// A target an iSNS server lists, with its portal groups in the order received.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct IsnsTarget {
    /// iSCSI Name.
    pub name: String,
    /// Alias, when the server gave one.
    pub alias: Option<String>,
    /// Portal groups (empty: the target has no portal we can log in to).
    pub portal_groups: Vec<IsnsPortalGroup>,
}

/// Collects targets from one or more DevAttrQry answers (the per-node answers of a
/// DevGetNext walk, or the single answer of [`dev_attr_qry_targets`]).
#[derive(Debug)]
pub struct TargetCollector {
    limits: IsnsLimits,
    targets: Vec<IsnsTarget>,
    index: HashMap<String, usize>,
    /// Nodes seen with a type that is not Target: their portal groups are dropped.
    not_targets: HashSet<String>,
}

/// The object being read in a flat answer.
enum Current {
    None,
    Node {
        name: String,
        is_target: Option<bool>,
    },
    Pg(PgParts),
}

#[derive(Default)]
struct PgParts {
    name: Option<String>,
    ip: Option<IpAddr>,
    port: Option<u16>,
    tag: Option<u16>,
}

impl TargetCollector {
    /// An empty collector.
    pub fn new(limits: IsnsLimits) -> Self {
        Self {
            limits,
            targets: Vec::new(),
            index: HashMap::new(),
            not_targets: HashSet::new(),
        }
    }

    /// Reads one DevAttrQry answer. The answer is flat: each object starts at its key tag
    /// (iSCSI Name 32 for a node, Portal IP 16 for a portal, PG iSCSI Name 48 for a portal
    /// group) and owns the attributes that follow until the next key tag (RFC 4171
    /// §5.7.5.2). Nodes whose type is not Target are left out; a portal group without all
    /// of name, IP, port and tag (a NIL tag means "no group") is skipped.
    ///
    /// # Errors
    ///
    /// [`IsnsError::Malformed`] if the message is not a DevAttrQryRsp; a status other than
    /// success or no-such-entry is [`IsnsError::Malformed`] too (the client maps it to its
    /// own status error before calling); [`IsnsError::BadAttribute`],
    /// [`IsnsError::TooManyTargets`], [`IsnsError::TooManyPortalGroups`].
    pub fn push(&mut self, message: &Message) -> Result<(), IsnsError> {
        let malformed = |reason| IsnsError::Malformed {
            function: message.function,
            reason,
        };
        if message.function != FunctionId::DevAttrQryRsp {
            return Err(malformed("not a DevAttrQryRsp"));
        }
        match message.status {
            Some(Status::Success) => {}
            Some(Status::NoSuchEntry) => return Ok(()),
            _ => return Err(malformed("status is not success")),
        }
        let mut current = Current::None;
        for attribute in message.operating() {
            match attribute.tag {
                Tag::IscsiName => {
                    self.finish(std::mem::replace(&mut current, Current::None))?;
                    current = Current::Node {
                        name: attribute.as_str()?.to_owned(),
                        is_target: None,
                    };
                }
                Tag::PortalIp => {
                    self.finish(std::mem::replace(&mut current, Current::None))?;
                }
                Tag::PgIscsiName => {
                    self.finish(std::mem::replace(&mut current, Current::None))?;
                    let name = if attribute.is_nil() {
                        None
                    } else {
                        Some(attribute.as_str()?.to_owned())
                    };
                    current = Current::Pg(PgParts {
                        name,
                        ..PgParts::default()
                    });
                }
                Tag::NodeType if !attribute.is_nil() => {
                    if let Current::Node { is_target, .. } = &mut current {
                        *is_target = Some(attribute.as_u32()? & node_type::TARGET != 0);
                    }
                }
                Tag::PgPortalIp | Tag::PgPortalPort | Tag::PgTag if !attribute.is_nil() => {
                    if let Current::Pg(pg) = &mut current {
                        match attribute.tag {
                            Tag::PgPortalIp => pg.ip = Some(attribute.as_ip()?),
                            Tag::PgPortalPort => pg.port = Some(attribute.as_tcp_port()?),
                            _ => {
                                let tag = attribute.as_u32()?;
                                pg.tag = Some(u16::try_from(tag).map_err(|_| {
                                    IsnsError::BadAttribute {
                                        tag: u32::from(Tag::PgTag),
                                        reason: "portal group tag above 65535",
                                    }
                                })?);
                            }
                        }
                    }
                }
                Tag::Alias if !attribute.is_nil() => {
                    if let Current::Node { name, .. } = &current {
                        let alias = attribute.as_str()?.to_owned();
                        let name = name.clone();
                        let at = self.target(&name)?;
                        if let Some(t) = self.targets.get_mut(at) {
                            t.alias = Some(alias);
                        }
                    }
                }
                _ => {}
            }
        }
        self.finish(current)
    }

    fn target(&mut self, name: &str) -> Result<usize, IsnsError> {
        if let Some(&at) = self.index.get(name) {
            return Ok(at);
        }
        if self.targets.len() >= self.limits.max_targets {
            return Err(IsnsError::TooManyTargets {
                limit: self.limits.max_targets,
            });
        }
        self.targets.push(IsnsTarget {
            name: name.to_owned(),
            alias: None,
            portal_groups: Vec::new(),
        });
        let at = self.targets.len().saturating_sub(1);
        self.index.insert(name.to_owned(), at);
        Ok(at)
    }

    fn finish(&mut self, object: Current) -> Result<(), IsnsError> {
        match object {
            Current::None => Ok(()),
            Current::Node { name, is_target } => {
                if is_target == Some(false) {
                    self.not_targets.insert(name);
                } else {
                    self.target(&name)?;
                }
                Ok(())
            }
            Current::Pg(PgParts {
                name: Some(name),
                ip: Some(ip),
                port: Some(port),
                tag: Some(tag),
            }) => {
                if self.not_targets.contains(&name) {
                    return Ok(());
                }
                let at = self.target(&name)?;
                let limit = self.limits.max_portal_groups;
                if let Some(target) = self.targets.get_mut(at) {
                    let pg = IsnsPortalGroup { ip, port, tag };
                    if target.portal_groups.contains(&pg) {
                        return Ok(());
                    }
                    if target.portal_groups.len() >= limit {
                        return Err(IsnsError::TooManyPortalGroups {
                            target: name,
                            limit,
                        });
                    }
                    target.portal_groups.push(pg);
                }
                Ok(())
            }
            Current::Pg(_) => Ok(()),
        }
    }

    /// The targets collected, in the order first seen; nodes of another type removed.
    pub fn finish_targets(self) -> Vec<IsnsTarget> {
        let not_targets = self.not_targets;
        self.targets
            .into_iter()
            .filter(|t| !not_targets.contains(&t.name))
            .collect()
    }
}

/// The targets of one DevAttrQry answer ([`TargetCollector`] over one message).
///
/// # Errors
///
/// As [`TargetCollector::push`].
pub fn parse_targets(message: &Message, limits: &IsnsLimits) -> Result<Vec<IsnsTarget>, IsnsError> {
    let mut collector = TargetCollector::new(*limits);
    collector.push(message)?;
    Ok(collector.finish_targets())
}
