//! Ring operations and their text form, the ring lab's op-log mini-language for links:
//! `add:n5;fail:n1;recover:n1;weight:n3:2;vnodes:160;remove:n2`.

use super::{check_range, node_name, parse_node, parse_uint, RingError, MAX_VNODES, MAX_WEIGHT};
use crate::{clip, NodeId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most operations one log may hold.
pub const MAX_OPS: usize = 500;

/// One change to the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RingOp {
    /// Add a node (up, weight 1). `add:n5`
    Add(NodeId),
    /// Decommission a node: its tokens leave the ring. `remove:n2`
    Remove(NodeId),
    /// A node fails: tokens stay, its keys go to the next replica. `fail:n1`
    Fail(NodeId),
    /// A failed node comes back. `recover:n1`
    Recover(NodeId),
    /// Virtual nodes per unit of weight, for every node (1–1000). `vnodes:160`
    SetVnodes(u32),
    /// A node's weight (1–10), multiplying its virtual nodes. `weight:n3:2`
    SetWeight(NodeId, u32),
}

impl RingOp {
    /// The verb of the text form (`add`, `remove`, `fail`, `recover`, `vnodes`, `weight`).
    pub fn verb(self) -> &'static str {
        match self {
            RingOp::Add(_) => "add",
            RingOp::Remove(_) => "remove",
            RingOp::Fail(_) => "fail",
            RingOp::Recover(_) => "recover",
            RingOp::SetVnodes(_) => "vnodes",
            RingOp::SetWeight(..) => "weight",
        }
    }

    /// The node the op names, if any.
    pub fn node(self) -> Option<NodeId> {
        match self {
            RingOp::Add(n)
            | RingOp::Remove(n)
            | RingOp::Fail(n)
            | RingOp::Recover(n)
            | RingOp::SetWeight(n, _) => Some(n),
            RingOp::SetVnodes(_) => None,
        }
    }

    /// Parses one op in text form. Never panics; errors quote at most 40 characters.
    pub fn parse(s: &str) -> Result<RingOp, RingError> {
        let (verb, arg) = s.split_once(':').unwrap_or((s, ""));
        match verb {
            "add" => parse_node(arg).map(RingOp::Add),
            "remove" => parse_node(arg).map(RingOp::Remove),
            "fail" => parse_node(arg).map(RingOp::Fail),
            "recover" => parse_node(arg).map(RingOp::Recover),
            "vnodes" => {
                let v = parse_uint("vnodes", arg)?;
                check_range("vnodes", v, 1, MAX_VNODES as u64)?;
                Ok(RingOp::SetVnodes(v as u32))
            }
            "weight" => {
                let (n, w) = arg.split_once(':').ok_or(RingError::WeightForm)?;
                let n = parse_node(n)?;
                let w = parse_uint("weight", w)?;
                check_range("weight", w, 1, MAX_WEIGHT as u64)?;
                Ok(RingOp::SetWeight(n, w as u32))
            }
            _ => Err(RingError::UnknownOp(clip(verb))),
        }
    }
}

impl crate::command::Command for RingOp {}

impl FromStr for RingOp {
    type Err = RingError;
    fn from_str(s: &str) -> Result<RingOp, RingError> {
        RingOp::parse(s)
    }
}

impl fmt::Display for RingOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RingOp::SetVnodes(v) => write!(f, "vnodes:{v}"),
            RingOp::SetWeight(n, w) => write!(f, "weight:{}:{w}", node_name(n)),
            op => write!(f, "{}:{}", op.verb(), node_name(op.node().unwrap_or(0))),
        }
    }
}

/// Parses an op log `add:n5;fail:n1` (`;`-separated; empty entries and surrounding spaces are
/// ignored). Never panics; the error names the first bad entry, quoted at most 40 characters.
pub fn parse_ops(s: &str) -> Result<Vec<RingOp>, RingError> {
    let mut out = Vec::new();
    for (i, entry) in s.split(';').enumerate() {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        if out.len() >= MAX_OPS {
            return Err(RingError::TooManyOps);
        }
        let op = RingOp::parse(entry).map_err(|e| RingError::Entry {
            index: i + 1,
            text: clip(entry),
            error: Box::new(e),
        })?;
        out.push(op);
    }
    Ok(out)
}

/// Formats an op log in the form [`parse_ops`] reads.
pub fn fmt_ops(ops: &[RingOp]) -> String {
    ops.iter()
        .map(|o| o.to_string())
        .collect::<Vec<_>>()
        .join(";")
}
