//! The ring lab in the registry: its settings, link keys, builder and measurements. Its timeline
//! is `ops=TIME:OP;…` (operations on the ring), not network faults.

use super::{
    measure, HashFn, KeySpec, RingError, RingMetrics, RingOp, RingParams, RingRun, Scheme,
    MAX_NODES, MAX_REPLICAS, MAX_VNODES,
};
use crate::command::{Cmd, CommandError};
use crate::fault::{Fault, TimedFault};
use crate::lab::{Lab, LabInfo};
use crate::scenario::keys::{Key, KeyError, KeyKind};
use crate::scenario::{decode_entries, Scenario, MAX_TIME_MS};
use crate::time::{fmt_ms, parse_ms, SimTime};
use crate::{choice_key, clip, int_key};

/// The consistent-hashing lab (the ring's state is [`super::RingLab`]).
pub struct HashRingLab;

static KEYS: [Key<RingParams>; 5] = [
    int_key!("vn", "virtual nodes per node", vnodes: u32, 1, MAX_VNODES),
    choice_key!("hash", "hash function", hash, HashFn),
    int_key!("r", "replicas", replicas: usize, 1, MAX_REPLICAS),
    Key {
        name: "scheme",
        help: "scheme assigning keys",
        kind: KeyKind::Text("ring | modn | jump | rendezvous | maglev[:M] | bounded[:C]"),
        get: |p| p.scheme.to_string(),
        set: |p, v| {
            let s = Scheme::parse(v).map_err(KeyError::lab)?;
            s.validate().map_err(KeyError::lab)?;
            p.scheme = s;
            Ok(())
        },
    },
    Key {
        name: "keys",
        help: "key set",
        kind: KeyKind::Text("seq:N | rand:N | zipf:COUNT:DISTINCT:S | named:a,b"),
        get: |p| p.keys.to_string(),
        set: |p, v| {
            let k = KeySpec::parse(v).map_err(KeyError::lab)?;
            k.validate().map_err(KeyError::lab)?;
            p.keys = k;
            Ok(())
        },
    },
];

impl Lab for HashRingLab {
    const INFO: LabInfo = LabInfo {
        name: "ring",
        title: "Consistent hashing: rings, virtual nodes & rebalancing",
        summary: "Place nodes and keys on a hash ring with virtual nodes, then add, remove or fail \
                  nodes and watch exactly which keys move. Live load statistics against the known \
                  laws, and the alternatives — mod-N, jump hash, rendezvous, Maglev, bounded loads — \
                  on the same keys.",
        nodes: (1, MAX_NODES),
        default_nodes: 5,
    };
    type Setup = RingParams;
    type Run = RingRun;
    type Metrics = RingMetrics;

    const PRESETS: &'static [crate::scenario::Preset] = super::presets::PRESETS;

    fn keys() -> &'static [Key<RingParams>] {
        &KEYS
    }
    fn processes(_p: &RingParams, _nodes: usize) -> usize {
        // Ring operations are commands to the ring itself, "process" 0.
        1
    }
    fn parse_command(_: &RingParams, text: &str) -> Result<Cmd, CommandError> {
        RingOp::parse(text).map(Cmd::new).map_err(CommandError::new)
    }
    fn build(s: &Scenario) -> RingRun {
        s.build_ring()
    }
    /// One line per applied operation (its step is its position in the operation log), then
    /// the operations that could not apply.
    fn event_lines(run: &RingRun) -> Vec<(u64, String)> {
        let m = measure(run);
        let applied = m.moved.iter().map(|o| {
            format!(
                "{} ms: {} moved {} keys ({}%, ideal {}%)",
                crate::fmtnum::trim(o.time_ms, 3),
                o.op,
                o.moved,
                crate::fmtnum::fixed(o.moved_pct, 2),
                crate::fmtnum::fixed(o.ideal_pct, 2)
            )
        });
        let skipped = m.skipped.iter().map(|s| format!("skipped: {s}"));
        (1..).zip(applied.chain(skipped)).collect()
    }
    fn measure(run: &RingRun) -> RingMetrics {
        measure(run)
    }

    const TIMELINE_KEY: &'static str = "ops";
    /// `TIME:OP` entries (`1000:add:n5`), kept as commands to the ring.
    fn decode_timeline(
        v: &str,
        _setup: &RingParams,
        _processes: usize,
        err: &mut dyn FnMut(&str, String),
    ) -> Vec<TimedFault> {
        let parsed = decode_entries(v, "ops", super::ops::MAX_OPS, err, |entry| {
            let (t, op) = entry.split_once(':').ok_or(RingError::EntryForm)?;
            let at = parse_ms(t)
                .filter(|&us| us <= MAX_TIME_MS * 1000)
                .ok_or_else(|| RingError::NotATime(clip(t)))?;
            let op = RingOp::parse(op)?;
            Ok::<_, RingError>(TimedFault {
                at: SimTime(at),
                fault: Fault::command(0, op),
            })
        });
        parsed
    }
    fn encode_timeline(faults: &[TimedFault]) -> String {
        faults
            .iter()
            .filter_map(|f| match &f.fault {
                Fault::Command(_, op) => Some(format!("{}:{op}", fmt_ms(f.at.0))),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(";")
    }
}
