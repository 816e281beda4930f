//! The whole-system lab's presets: each a link with a one-line lesson; `tests/it/system.rs`
//! replays each one and checks that its lesson shows in the measurements.

use crate::lab::LabKind;
use crate::scenario::Preset;

/// Every preset, in display order.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "system-leader-machine-dies",
        lab: LabKind::System,
        title: "A machine hosting a shard leader dies",
        lesson: "m1 dies with app1 and shard 0's leader: the balancer keeps sending app1 requests until two health checks fail (about a second), shard 0 elects a new leader in a few hundred ms, clients see timeouts and retries, and no client sees a stale read.",
        query: "lab=system&seed=1&faults=5000:cmd:0:crash-m:1&t=15000",
    },
    Preset {
        id: "system-zone-spread",
        lab: LabKind::System,
        title: "A zone fails, replicas spread across zones",
        lesson: "Zone a holds one app and one member of each shard: every shard keeps a majority, the shards whose leader was in zone a elect a new one, and after a short spike the service answers everything.",
        query: "lab=system&seed=1&faults=5000:cmd:0:zone-down:a&t=15000",
    },
    Preset {
        id: "system-zone-packed",
        lab: LabKind::System,
        title: "The same zone failure, replicas packed",
        lesson: "Packed placement put every app and all of shard 0 in zone a: the zone's failure is a full outage — no app answers and shard 0 has no majority — although six of nine machines are up.",
        query: "lab=system&seed=1&spread=0&faults=5000:cmd:0:zone-down:a&t=15000",
    },
    Preset {
        id: "system-placement-shared",
        lab: LabKind::System,
        title: "Two members of a shard on one machine",
        lesson: "Placed by hand (place=s0.1@m0), m0 holds two of shard 0's three members: when m0 dies, shard 0 has one member and no majority, and its keys fail for the rest of the run although eight of nine machines are up. The spread rule puts each member on its own machine.",
        query: "lab=system&seed=1&place=s0.1@m0&faults=5000:cmd:0:crash-m:0&t=15000",
    },
    Preset {
        id: "system-stale-reads",
        lab: LabKind::System,
        title: "A minority leader serving stale reads without a lease",
        lesson: "Zone a is cut off from the other zones, but the balancer still reaches app0 there, and app0 still reaches the old leaders of shards 1 and 2; without leases or ReadIndex (reads=local, no check-quorum) they keep answering reads from their old state while the majorities elect new leaders and accept writes: the linearizability checker flags the stale reads.",
        query: "lab=system&seed=1&reads=local&cq=0&faults=5000:cmd:0:zone-split:a&t=15000",
    },
    Preset {
        id: "system-stale-reads-lease",
        lab: LabKind::System,
        title: "The same partition with leader leases",
        lesson: "With check-quorum and leases (the default) a cut-off leader stops answering reads from its state once its lease runs out, before a new leader can be elected, and cannot complete a ReadIndex: app0's requests time out and are retried elsewhere, and no read is stale.",
        query: "lab=system&seed=1&faults=5000:cmd:0:zone-split:a&t=15000",
    },
    Preset {
        id: "system-slow-rr",
        lab: LabKind::System,
        title: "A slow machine under round-robin",
        lesson: "At 5 s m1 turns slow: app1 there takes 40 ms per request, one at a time (25 a second), and still passes every health check. Round-robin keeps sending it a third of the load, about 33 a second: its queue grows without end, its requests wait past the client's 1 s timeout and are retried elsewhere — timeouts, and a p99 over a second.",
        query: "lab=system&seed=1&faults=5000:cmd:0:slow-m:1&t=15000",
    },
    Preset {
        id: "system-slow-lc",
        lab: LabKind::System,
        title: "The same slow machine under least-connections",
        lesson: "Least-connections counts the requests each app still owes: app1's stay outstanding longer, so the balancer sends it only what it can finish and the rest to the fast apps. Its queue stays short: no timeout, every request answered, a p99 of about 200 ms against 2 s — and in both runs the health checks never noticed anything.",
        query: "lab=system&seed=1&lb=lc&faults=5000:cmd:0:slow-m:1&t=15000",
    },
    Preset {
        id: "system-add-shard",
        lab: LabKind::System,
        title: "Adding a shard moves keys while serving",
        lesson: "At 5 s shard 3 starts on m3, m4 and m5 and its virtual nodes join the ring: the keys it now owns move. Each old shard's leader commits \"range moving\" and answers those keys \"moved\", ships their values; the new group elects a leader, commits them and an \"installed\" entry, and serves them. The apps retry the moved keys meanwhile: a few hundred ms of retries, no request lost, no anomaly.",
        query: "lab=system&seed=1&faults=5000:cmd:0:add-shard:3&t=10000",
    },
    Preset {
        id: "system-chaos",
        lab: LabKind::System,
        title: "Chaos for a minute",
        lesson: "Random machine crashes, cut-off machines and a zone failure for a minute, drawn from the seed: the success rate and p99 show what the clients paid, the formula what the redundancy promised, and the checker that no client saw an anomaly.",
        query: "lab=system&seed=1&chaos=10&t=75000",
    },
];
