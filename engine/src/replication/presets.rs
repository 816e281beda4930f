//! The replication lab's presets: classic situations, each a link with a one-line lesson
//! (`sec=repl`, `sec=locks` or `sec=aa`); `tests/it/replication.rs` replays each one and checks
//! that its lesson shows in the measurements.

use crate::lab::LabKind;
use crate::scenario::Preset;

/// Every preset, in display order.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "repl-async-loss",
        lab: LabKind::Replication,
        title: "Async failover loses writes",
        lesson: "Async acknowledges before any replica has the write: with replicas a second behind, the failover loses the last second of acknowledged writes, and the old primary's suffix is struck out when it rejoins.",
        query: "lab=replication&sec=repl&seed=1&delay=1000&faults=1500:crash:1;3000:restart:1&t=5000",
    },
    Preset {
        id: "repl-sync-safe",
        lab: LabKind::Replication,
        title: "Sync loses none, but waits",
        lesson: "The same failover with sync replication loses no acknowledged write — but every write waits for the slowest replica: about 1 s here against 25 ms with async (the clients wait up to 2 s, cto=2000).",
        query: "lab=replication&sec=repl&seed=1&mode=sync&delay=1000&cto=2000&faults=1500:crash:1;3000:restart:1&t=5000",
    },
    Preset {
        id: "repl-sync-stall",
        lab: LabKind::Replication,
        title: "Sync stops on one replica",
        lesson: "Waiting for all replicas means one crashed replica stops every write until it is back.",
        query: "lab=replication&sec=repl&seed=2&mode=sync&faults=1000:crash:3;3000:restart:3&t=4000",
    },
    Preset {
        id: "repl-semi-fallback",
        lab: LabKind::Replication,
        title: "Semi-sync with its replica down",
        lesson: "With the only acknowledging replica down, semi-sync waits out its timeout and degrades to async (MySQL's rpl_semi_sync_master_timeout); what it acknowledges alone is lost at the next failover.",
        query: "lab=replication&sec=repl&seed=4&mode=semi&n=1&fallback=1000&faults=1000:crash:2;2600:crash:1;3000:restart:2&t=4500",
    },
    Preset {
        id: "repl-quorum",
        lab: LabKind::Replication,
        title: "Quorum: any k of N",
        lesson: "With k = 2 of 3 replicas, the monitor needs N−k+1 = 2 positions before it promotes: with one replica left it waits rather than risk an acknowledged write.",
        query: "lab=replication&sec=repl&seed=5&mode=quorum&n=3&k=2&faults=1000:crash:2;1000:crash:3;1200:crash:1;3000:restart:3&t=5000",
    },
    Preset {
        id: "repl-naive-promotion",
        lab: LabKind::Replication,
        title: "Promoting the first replica",
        lesson: "Promoting the lowest-numbered replica picks one that lags and loses what the up-to-date one had; compare promote=best.",
        query: "lab=replication&sec=repl&seed=6&promote=first&faults=0:cmd:2:delay:1000;1500:crash:1&t=3000",
    },
    Preset {
        id: "repl-after-commit",
        lab: LabKind::Replication,
        title: "Semi-sync AFTER_COMMIT: phantom reads",
        lesson: "With the wait point after the commit, readers see a write before any replica has it; the primary crashes, the write is lost — no writer was told it was durable, yet readers saw it (wait=sync shows none).",
        query: "lab=replication&sec=repl&seed=1&mode=semi&wait=commit&delay=1000&cto=2000&reads=50&faults=1500:crash:1;3000:restart:1&t=5000",
    },
    Preset {
        id: "repl-stale-reads",
        lab: LabKind::Replication,
        title: "Reading from lagging replicas",
        lesson: "Reads sent to replicas that lag return values older than writes already acknowledged to the client.",
        query: "lab=replication&sec=repl&seed=8&rfrom=replica&reads=50&delay=200&keys=2&t=4000",
    },
    Preset {
        id: "repl-split-brain",
        lab: LabKind::Replication,
        title: "Split brain",
        lesson: "The old primary, cut off with one client, keeps taking its writes while the monitor promotes another: two primaries, and every write the old one acknowledged is rolled back at the heal.",
        query: "lab=replication&sec=repl&seed=1&faults=1000:partition:1.4|0.2.3.5;3000:heal&t=4000",
    },
    Preset {
        id: "repl-no-fencing",
        lab: LabKind::Replication,
        title: "Split brain without fencing",
        lesson: "Without epoch checks the replicas follow whichever primary wrote last and neither steps down: two primaries for as long as the monitor cannot reach the old one.",
        query: "lab=replication&sec=repl&seed=1&fence=0&ttl=1000&faults=1000:cut:1>0;1000:cut:0>1&t=4000",
    },
    Preset {
        id: "repl-witness",
        lab: LabKind::Replication,
        title: "Witnesses veto a false failover",
        lesson: "Only the monitor lost the primary: the replicas still hear it, so witness promotion refuses to fail over — no split brain, no lost writes.",
        query: "lab=replication&sec=repl&seed=1&witness=1&faults=1000:cut:1>0;1000:cut:0>1&t=4000",
    },
    Preset {
        id: "repl-lease",
        lab: LabKind::Replication,
        title: "Leases end the split brain",
        lesson: "The old primary's lease runs out before the monitor promotes: it stops serving first, and there is never a second primary.",
        query: "lab=replication&sec=repl&seed=1&lease=400&faults=1000:partition:1.4|0.2.3.5;3000:heal&t=4000",
    },
    Preset {
        id: "repl-lease-drift",
        lab: LabKind::Replication,
        title: "Leases with a drifting clock",
        lesson: "Clocks 50 % slow make the holder's 400 ms lease last 800 ms: it outlives the monitor's takeover and the split brain is back.",
        query: "lab=replication&sec=repl&seed=1&lease=400&drift=50&faults=1000:partition:1.4|0.2.3.5;3000:heal&t=4000",
    },
    Preset {
        id: "locks-paused-holder",
        lab: LabKind::Replication,
        title: "The paused lock holder",
        lesson: "The holder pauses past its lease, another client takes the lock and writes, the first wakes up and writes too: without fencing the storage takes the stale write.",
        query: "lab=replication&sec=locks&seed=1&lfence=0&lcheck=0&faults=1210:pause:2:2500&t=6000",
    },
    Preset {
        id: "locks-fenced",
        lab: LabKind::Replication,
        title: "Fencing tokens",
        lesson: "The same pause with the storage checking tokens: the paused holder's write carries an older token than one already written, and is refused.",
        query: "lab=replication&sec=locks&seed=1&lcheck=0&faults=1210:pause:2:2500&t=6000",
    },
    Preset {
        id: "locks-herd",
        lab: LabKind::Replication,
        title: "The herd effect",
        lesson: "Without a queue every waiter is told the lock is free and all ask again — several requests per grant; FIFO waiters (lfifo=1) ask once.",
        query: "lab=replication&sec=locks&seed=1&lc=6&lfifo=0&t=10000",
    },
    Preset {
        id: "locks-lock-delay",
        lab: LabKind::Replication,
        title: "Consul's lock-delay",
        lesson: "After the paused holder's lease expires the lock stays free for 3 s: the holder wakes, writes and learns it lost the lock before anyone else gets it.",
        query: "lab=replication&sec=locks&seed=1&lfence=0&lcheck=0&ldelay=3000&faults=1210:pause:2:2500&t=8000",
    },
    Preset {
        id: "locks-check-drift",
        lab: LabKind::Replication,
        title: "Checking the lease with a slow clock",
        lesson: "A careful holder looks at its lease before writing, but its clock runs 50 % slow: a 1.2 s pause looks like 0.6 s, inside the 1 s lease, and it writes after losing the lock.",
        query: "lab=replication&sec=locks&seed=1&lfence=0&lwork=400&ldrift=50&faults=1780:pause:3:1200&t=5000",
    },
    Preset {
        id: "aa-lww-skew",
        lab: LabKind::Replication,
        title: "Last writer wins, wrong clock",
        lesson: "Two sites write the same keys through a partition; site 0's clock runs 500 ms ahead, so after the heal its older writes beat newer ones from site 1 — silently.",
        query: "lab=replication&sec=aa&seed=1&askew=500.0&faults=1000:partition:0|1;3000:heal;3000:cmd:0:rate:0;3000:cmd:1:rate:0&t=5000",
    },
    Preset {
        id: "aa-vv-siblings",
        lab: LabKind::Replication,
        title: "Version vectors keep siblings",
        lesson: "The same partition with version vectors: concurrent writes are detected and kept side by side for the application to resolve — nothing is lost, the conflict is visible.",
        query: "lab=replication&sec=aa&seed=1&ares=vv&faults=1000:partition:0|1;3000:heal;3000:cmd:0:rate:0;3000:cmd:1:rate:0&t=5000",
    },
    Preset {
        id: "aa-crdt",
        lab: LabKind::Replication,
        title: "A counter CRDT converges",
        lesson: "Three sites increment counters through a partition; each keeps one count per site, so after the heal all agree on the exact total of every increment.",
        query: "lab=replication&sec=aa&seed=1&as=3&ares=crdt&faults=1000:partition:0|1.2;3000:heal;3000:cmd:0:rate:0;3000:cmd:1:rate:0;3000:cmd:2:rate:0&t=5000",
    },
    Preset {
        id: "aa-lww-counter",
        lab: LabKind::Replication,
        title: "A counter in a last-writer-wins register",
        lesson: "The same increments stored as read-modify-write of one value: each side of the partition counts on its own total, and after the heal the last write wins — the other side's increments are gone, with every clock right.",
        query: "lab=replication&sec=aa&seed=1&as=3&ares=lwwc&faults=1000:partition:0|1.2;3000:heal;3000:cmd:0:rate:0;3000:cmd:1:rate:0;3000:cmd:2:rate:0&t=5000",
    },
];
