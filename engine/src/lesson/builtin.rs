//! The built-in lessons: JSON files beside this one, listed per lab. A page asks for its own
//! lab's list ([`builtin_for`] with a constant lab), so its bundle carries only those files; the
//! home page and the tests read them all.

use crate::lab::LabKind;

/// A built-in lesson file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    /// Its id (the file's `id`; a test keeps them equal).
    pub id: &'static str,
    /// The file.
    pub json: &'static str,
}

macro_rules! lessons {
    ($($id:literal),* $(,)?) => {
        &[$(Builtin { id: $id, json: include_str!(concat!("builtin/", $id, ".json")) }),*]
    };
}

const RAFT: &[Builtin] = lessons!["raft-election", "raft-replication", "raft-figure8"];
const RING: &[Builtin] = lessons!["ring-vnodes", "ring-vs-modn"];
const LB: &[Builtin] = lessons!["lb-slow-backend", "lb-health-failover"];
const HEARTBEAT: &[Builtin] = lessons!["hb-detectors"];
const SWIM: &[Builtin] = lessons!["swim-basics"];
const REPLICATION: &[Builtin] = lessons!["repl-lost-write", "repl-split-brain", "locks-fencing"];
const CLUSTER: &[Builtin] = lessons!["cluster-self-healing"];
const SYSTEM: &[Builtin] = lessons!["system-stale-reads"];

/// The built-in lessons with a step in `lab`, in menu order.
#[inline(always)]
pub fn builtin_for(lab: LabKind) -> &'static [Builtin] {
    match lab {
        LabKind::Raft => RAFT,
        LabKind::Ring => RING,
        LabKind::Lb => LB,
        LabKind::Heartbeat => HEARTBEAT,
        LabKind::Swim => SWIM,
        LabKind::Replication => REPLICATION,
        LabKind::Cluster => CLUSTER,
        LabKind::System => SYSTEM,
    }
}

/// Every built-in lesson with the lab it is listed under (a lesson spanning labs is listed under
/// each; here it appears once, under the first).
pub fn builtins() -> Vec<(LabKind, Builtin)> {
    let mut out: Vec<(LabKind, Builtin)> = Vec::new();
    for &lab in LabKind::ALL {
        for b in builtin_for(lab) {
            if !out.iter().any(|(_, o)| o.id == b.id) {
                out.push((lab, *b));
            }
        }
    }
    out
}
