//! Ready-made scenarios for teaching, one link each. The UI lists them; tests replay them all.

use super::LabKind;

/// A named scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Stable id (`data-testid=preset-<id>`).
    pub id: &'static str,
    /// The lab it belongs to.
    pub lab: LabKind,
    /// Short title.
    pub title: &'static str,
    /// What to watch for.
    pub lesson: &'static str,
    /// The link query.
    pub query: &'static str,
}

const ALL: &[Preset] = &[
    Preset {
        id: "raft-leader-crash",
        lab: LabKind::Raft,
        title: "Leader crash and re-election",
        lesson: "Server 3 leads term 1. Press Play: it crashes at 2 s. The followers stop hearing heartbeats; \
                 the first election timer to expire starts term 2, collects a majority of votes (§5.2) and the \
                 new leader appends a no-op to commit (§8).",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&faults=2000:crash:3&t=1900",
    },
    Preset {
        id: "raft-split-vote",
        lab: LabKind::Raft,
        title: "Split votes (narrow timeouts)",
        lesson: "All election timeouts fall in 150–155 ms, so several servers become candidates at once and \
                 split the votes, term after term (§5.2). Compare the default 150–300 ms, or run the §9.3 \
                 experiment below.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&et=150-155",
    },
    Preset {
        id: "raft-minority-leader",
        lab: LabKind::Raft,
        title: "Partitioned leader cannot commit",
        lesson: "At 2 s leader 3 and server 4 are cut off from 0, 1, 2. The client's put x=1 reaches 3, which \
                 appends it but can never commit it: only 2 of 5 servers have it (§5.3). The majority elects \
                 server 1 in term 2 and keeps committing.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&faults=2000:partition:3.4|0.1.2;2300:cmd:3:put:x=1;\
                2800:cmd:1:put:x=2;3000:cmd:1:incr:y&t=3500",
    },
    Preset {
        id: "raft-heal-rollback",
        lab: LabKind::Raft,
        title: "Heal: uncommitted entries are replaced",
        lesson: "The same partition, healed at 4 s. Old leader 3 sees term 2, steps down, and the new leader's \
                 AppendEntries consistency check finds the conflict at index 2: 3's uncommitted put x=1 is \
                 deleted and replaced (§5.3). Step back and forth around 4 s to watch the repair.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&faults=2000:partition:3.4|0.1.2;2300:cmd:3:put:x=1;\
                2800:cmd:1:put:x=2;3000:cmd:1:incr:y;4000:heal&t=3900",
    },
    Preset {
        id: "raft-flapping",
        lab: LabKind::Raft,
        title: "Flapping leader link",
        lesson: "The leader is cut off for 250 ms three times. Each time the others elect a new leader and \
                 terms climb. Turn on PreVote and CheckQuorum in the settings to see fewer disruptions.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&faults=2000:isolate:3;2250:heal;2600:isolate:3;\
                2850:heal;3200:isolate:3;3450:heal&t=1900",
    },
    Preset {
        id: "raft-lossy",
        lab: LabKind::Raft,
        title: "Lossy network",
        lesson: "20% of messages are lost. Heartbeats go missing, followers time out and elections happen even \
                 though no server failed; client requests still commit, only later (compare commit latency).",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=20&faults=2000:cmd:3:put:x=1;2200:cmd:3:incr:x;\
                2400:cmd:3:incr:x",
    },
    Preset {
        id: "raft-rejoin",
        lab: LabKind::Raft,
        title: "A rejoining server disrupts the cluster",
        lesson: "Server 0 is isolated for 2 s. Alone, it times out again and again and its term climbs to 10. \
                 When it rejoins, its high term forces the healthy leader to step down (§5.1) — an election \
                 for nothing.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&faults=2000:isolate:0;4000:heal&t=3900",
    },
    Preset {
        id: "raft-prevote",
        lab: LabKind::Raft,
        title: "PreVote stops the disruption",
        lesson: "The same isolation with PreVote (thesis §9.6): the isolated server asks first whether it could \
                 win, gets no answers, and never raises its term. When it rejoins, leader 3 keeps term 1.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&prevote=1&faults=2000:isolate:0;4000:heal&t=3900",
    },
    Preset {
        id: "hb-crash",
        lab: LabKind::Heartbeat,
        title: "A worker crashes",
        lesson: "Node 3 stops at 1.5 s. Its heartbeats stop; the monitor marks it suspect after 250 ms of \
                 silence and down after 500 ms. Detection time is bounded by the timeout plus one interval.",
        query: "lab=heartbeat&v=1&seed=7&n=5&lat=10-15&loss=0&faults=1500:crash:3",
    },
    Preset {
        id: "hb-failover",
        lab: LabKind::Heartbeat,
        title: "Primary crash and failover",
        lesson: "The primary (node 1) crashes. Once it is declared down the monitor promotes node 2 at epoch 2. \
                 When node 1 restarts it comes back as a backup.",
        query: "lab=heartbeat&v=1&seed=3&n=4&lat=10-15&loss=0&faults=1200:crash:1;4000:restart:1",
    },
    Preset {
        id: "hb-lossy",
        lab: LabKind::Heartbeat,
        title: "Lossy network: false suspicions",
        lesson: "With 30% loss, two heartbeats in a row go missing now and then. The fixed 250 ms timeout suspects \
                 live workers dozens of times and declares some down. Phi accrual, with Akka's acceptable pause \
                 of three intervals added to its mean, rides out the bursts: two suspicions, none down. With \
                 pause=0 its normal model expects no bursts and it declares live workers down over a hundred times.",
        query: "lab=heartbeat&v=1&seed=11&n=5&lat=10-15&loss=30&t=20000",
    },
    Preset {
        id: "hb-jitter",
        lab: LabKind::Heartbeat,
        title: "Jittery network: phi adapts",
        lesson: "Latency varies from 10 to 200 ms. The fixed 250 ms timeout, tuned for a fast network, suspects \
                 live workers again and again. Phi accrual learns the spread of inter-arrival times and never \
                 suspects a live worker; the price is a wider margin: it detects node 3's crash at 5 s about \
                 240 ms later than the fixed timeout (with pause=0 it is sooner, but suspects three times).",
        query: "lab=heartbeat&v=1&seed=1&n=5&lat=10-200&loss=0&det=phi&faults=5000:crash:3&t=20000",
    },
    Preset {
        id: "hb-split-brain",
        lab: LabKind::Heartbeat,
        title: "Partition: split brain and fencing",
        lesson: "The primary is cut off from the monitor but keeps running. The monitor promotes node 2; for a \
                 while two nodes believe they are primary. After the heal, node 1's heartbeat carries the stale \
                 epoch 1 and the monitor demotes it — epochs fence the old primary.",
        query: "lab=heartbeat&v=1&seed=2&n=4&lat=10-15&loss=0&faults=1000:partition:0.2.3.4|1;3000:heal",
    },
    Preset {
        id: "hb-phi-outage",
        lab: LabKind::Heartbeat,
        title: "φ after an outage: Akka's rule",
        lesson: "Node 3 is cut off from 1 s to 6 s and crashes at 10 s. The first heartbeat after the heal spans a \
                 5 s gap; phi had declared the node down, so, as in Akka, that interval is not learned (the event \
                 log says so). The crash at 10 s is detected in about 460 ms, as if the outage had never happened.",
        query: "lab=heartbeat&v=1&seed=7&n=3&lat=10-15&loss=0&det=phi&faults=1000:isolate:3;6000:heal;10000:crash:3\
                &t=12000",
    },
    Preset {
        id: "hb-phi-outage-learned",
        lab: LabKind::Heartbeat,
        title: "φ after an outage: interval learned",
        lesson: "The same run with outage=1: the 5 s interval enters phi's window. The mean and σ jump, so φ grows \
                 slowly for as long as that sample stays in the window (100 heartbeats): the crash at 10 s is \
                 detected only after about 4 s, nine times later than with Akka's rule.",
        query: "lab=heartbeat&v=1&seed=7&n=3&lat=10-15&loss=0&det=phi&outage=1\
                &faults=1000:isolate:3;6000:heal;10000:crash:3&t=15000",
    },
    Preset {
        id: "raft-figure8",
        lab: LabKind::Raft,
        title: "Figure 8: the commit rule (correct Raft)",
        lesson: "The paper's Figure 8 schedule. Leader 0 of term 1 replicates put x=1 to server 1 only; after \
                 crashes and elections a term-3 leader could push it to a majority — but §5.4.2 forbids \
                 committing an old-term entry by counting replicas. It stays uncommitted, and server 4 later \
                 overwrites it safely. All invariants hold; load the buggy version next.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&faults=1:cmd:0:timeout;200:cut:0>2;200:cut:0>3;\
                200:cut:0>4;210:cmd:0:put:x=1;260:crash:0;270:cmd:4:timeout;287:cut:4>1;287:cut:4>2;\
                287:cut:4>3;320:crash:4;330:heal;330:restart:0;330:cmd:0:timeout;331:cmd:0:timeout;\
                332:crash:3;378:cut:0>1;430:crash:0;440:heal;440:restart:3;440:restart:4;\
                440:cmd:4:timeout;441:cmd:4:timeout&t=700",
    },
    Preset {
        id: "raft-bug-oldterm",
        lab: LabKind::Raft,
        title: "Buggy Raft: commit an old-term entry",
        lesson: "The same Figure 8 schedule with the bug: the term-3 leader counts replicas of the term-1 entry \
                 and commits it. Server 4 then wins term 4 and overwrites it — a committed entry is lost: \
                 Leader Completeness turns red at ≈ 466 ms, then State Machine Safety.",
        query: "lab=raft&v=1&seed=1&n=5&lat=10-15&loss=0&bugs=oldterm&faults=1:cmd:0:timeout;200:cut:0>2;\
                200:cut:0>3;200:cut:0>4;210:cmd:0:put:x=1;260:crash:0;270:cmd:4:timeout;287:cut:4>1;\
                287:cut:4>2;287:cut:4>3;320:crash:4;330:heal;330:restart:0;330:cmd:0:timeout;\
                331:cmd:0:timeout;332:crash:3;378:cut:0>1;430:crash:0;440:heal;440:restart:3;\
                440:restart:4;440:cmd:4:timeout;441:cmd:4:timeout&t=700",
    },
    Preset {
        id: "raft-bug-uptodate",
        lab: LabKind::Raft,
        title: "Buggy Raft: vote without the up-to-date check",
        lesson: "Server 2 misses put x=1 while crashed, then campaigns. Voters skip the §5.4.1 check and elect \
                 it with a shorter log: the committed entry disappears (Leader Completeness, then State \
                 Machine Safety).",
        query: "lab=raft&v=1&seed=1&n=3&lat=10-15&loss=0&bugs=uptodate&faults=1:cmd:0:timeout;100:crash:2;\
                200:cmd:0:put:x=1;300:restart:2;300:cmd:2:timeout&t=600",
    },
    Preset {
        id: "raft-bug-forgetvote",
        lab: LabKind::Raft,
        title: "Buggy Raft: forget votedFor on restart",
        lesson: "Server 1 votes for 0, crashes, restarts having forgotten its vote, and votes again — for 2. \
                 Two leaders in term 1: Election Safety turns red.",
        query: "lab=raft&v=1&seed=1&n=3&lat=10-15&loss=0&bugs=forgetvote&faults=1:cut:0>2;1:cut:2>0;1:hold:2>1;\
                1:cmd:0:timeout;1:cmd:2:timeout;30:crash:1;35:restart:1;36:release:2>1&t=300",
    },
    Preset {
        id: "lb-slow-backend",
        lab: LabKind::Lb,
        title: "One slow backend: round-robin vs P2C",
        lesson: "At 2 s backend b5 becomes 10× slower (outlier ejection is off, to isolate the strategy). \
                 Round-robin keeps sending it a quarter of the requests: they queue and time out (p99 = the \
                 1 s timeout). Power of two choices, compared on the identical request stream, sees b5's \
                 outstanding requests and sends it far less. Try lc and pewma too.",
        query: "lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&rate=300&eject=0&cmp=p2c&faults=2000:cmd:5:slow:10",
    },
    Preset {
        id: "lb-weights",
        lab: LabKind::Lb,
        title: "Heterogeneous weights (smooth WRR)",
        lesson: "Weights 5, 1, 1 with nginx's smooth weighted round-robin: b2 gets 5 of every 7 requests, \
                 interleaved (a a b a c a a), never 5 in a row.",
        query: "lab=lb&v=1&seed=1&n=3&lat=10-15&loss=0&strat=wrr&be=5,1,1",
    },
    Preset {
        id: "lb-crash-hc",
        lab: LabKind::Lb,
        title: "Backend crash with health checks",
        lesson: "b3 crashes at 3 s. Requests routed to it time out; after 5 consecutive failures outlier \
                 ejection takes it out (≈ 1 s), and the active checks (every 2 s, fall 3) mark it down. About 50 \
                 requests are lost.",
        query: "lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&faults=3000:crash:3&t=2900",
    },
    Preset {
        id: "lb-crash-nohc",
        lab: LabKind::Lb,
        title: "Backend crash without health checks",
        lesson: "The same crash with health checks and ejection off: the balancer keeps sending a quarter of \
                 the traffic into the void, and every one of those requests times out (hundreds lost).",
        query: "lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&hc=0&eject=0&faults=3000:crash:3&t=2900",
    },
    Preset {
        id: "lb-retry-storm",
        lab: LabKind::Lb,
        title: "Retry storm",
        lesson: "Near capacity (520 req/s), one backend slows down at 3 s. Timed-out requests are retried up \
                 to 4 times with no retry budget: attempts quadruple, queues overflow and almost nothing \
                 succeeds. Switch the retry budget on: retries are capped at ~20% of requests.",
        query: "lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&rate=520&timeout=150&retry=fixed&tries=4&budget=0\
                &faults=3000:cmd:2:slow:10",
    },
    Preset {
        id: "lb-hot-client",
        lab: LabKind::Lb,
        title: "Hot client with hash-based routing",
        lesson: "40% of requests come from one client. Consistent hashing on the client key keeps its \
                 session on one backend — which then serves half the traffic. P2C (compared) spreads it.",
        query: "lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&strat=hash&hot=40&cmp=p2c",
    },
    Preset {
        id: "ring-lumpy",
        lab: LabKind::Ring,
        title: "Four nodes, one token each",
        lesson: "Without virtual nodes each node owns one arc, and arcs are as uneven as random points on a \
                 circle: here one node holds over half of the keys and another under 5% (max/mean ≈ 2).",
        query: "lab=ring&v=1&seed=1&n=4&lat=10-15&loss=0&vn=1",
    },
    Preset {
        id: "ring-vnodes",
        lab: LabKind::Ring,
        title: "Virtual nodes smooth it out",
        lesson: "The same four nodes with 200 tokens each: σ falls to about 4% of the mean, as 1/√V predicts. \
                 Run the sweep to see the whole curve.",
        query: "lab=ring&v=1&seed=1&n=4&lat=10-15&loss=0&vn=200",
    },
    Preset {
        id: "ring-add",
        lab: LabKind::Ring,
        title: "Adding a node: ring",
        lesson: "Press Step: node n10 joins ten nodes. Only about 1/11 ≈ 9% of the keys move — all of them to \
                 the new node. Compare with the mod-N preset.",
        query: "lab=ring&v=1&seed=1&n=10&lat=10-15&loss=0&vn=160&ops=1000:add:n10",
    },
    Preset {
        id: "ring-add-modn",
        lab: LabKind::Ring,
        title: "Adding a node: mod-N",
        lesson: "The same keys with hash mod N: adding the eleventh node moves about 10/11 ≈ 91% of the keys, \
                 most of them between old nodes. This is why caches use consistent hashing.",
        query: "lab=ring&v=1&seed=1&n=10&lat=10-15&loss=0&vn=160&scheme=modn&ops=1000:add:n10",
    },
    Preset {
        id: "ring-fail",
        lab: LabKind::Ring,
        title: "A failed node and its replicas",
        lesson: "n2 fails at 1 s but keeps its tokens: each of its keys is served by the next node clockwise \
                 (its first replica), and only those keys move. Recovery at 4 s moves exactly them back.",
        query: "lab=ring&v=1&seed=1&n=5&lat=10-15&loss=0&ops=1000:fail:n2;4000:recover:n2",
    },
    Preset {
        id: "ring-hot",
        lab: LabKind::Ring,
        title: "A hot key",
        lesson: "Requests follow a Zipf law (s = 1.2): the most popular keys land wherever they hash, so one \
                 node serves half of all requests (max/mean ≈ 2.5) however many virtual nodes there are.",
        query: "lab=ring&v=1&seed=1&n=5&lat=10-15&loss=0&keys=zipf:20000:200:1.2",
    },
    Preset {
        id: "ring-bounded",
        lab: LabKind::Ring,
        title: "Bounded loads cap the hot node",
        lesson: "Consistent hashing with bounded loads (c = 1.25): a full node passes requests clockwise to the \
                 next node with room, so no node exceeds 1.25 × the mean.",
        query: "lab=ring&v=1&seed=1&n=5&lat=10-15&loss=0&scheme=bounded:125&keys=zipf:20000:200:1.2",
    },
];

/// Every preset, in menu order.
pub fn presets() -> &'static [Preset] {
    ALL
}
