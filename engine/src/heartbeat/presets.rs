//! The heartbeat lab's presets: classic situations, each a link with a one-line lesson.

use crate::lab::LabKind;
use crate::scenario::Preset;

/// Every preset of the lab, in menu order.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "hb-crash",
        lab: LabKind::Heartbeat,
        title: "A worker crashes",
        lesson: "Node 3 stops at 1.5 s. Its heartbeats stop; the monitor marks it suspect after 250 ms of \
                 silence and down after 500 ms. Detection time is bounded by the timeout plus one interval.",
        query: "lab=heartbeat&v=1&seed=7&n=5&lat=10-15&loss=0&faults=1500:crash:3&t=1400",
    },
    Preset {
        id: "hb-failover",
        lab: LabKind::Heartbeat,
        title: "Primary crash and failover",
        lesson: "The primary (node 1) crashes. Once it is declared down the monitor promotes node 2 at epoch 2. \
                 When node 1 restarts it comes back as a backup.",
        query: "lab=heartbeat&v=1&seed=3&n=4&lat=10-15&loss=0&faults=1200:crash:1;4000:restart:1&t=1100",
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
        query: "lab=heartbeat&v=1&seed=2&n=4&lat=10-15&loss=0&faults=1000:partition:0.2.3.4|1;3000:heal&t=900",
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
];
