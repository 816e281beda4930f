//! The Raft lab's presets: classic situations, each a link with a one-line lesson.

use crate::lab::LabKind;
use crate::scenario::Preset;

/// Every preset of the lab, in menu order.
pub const PRESETS: &[Preset] = &[
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
                2400:cmd:3:incr:x&t=1900",
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
];
