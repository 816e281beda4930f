//! The ring lab's presets: classic situations, each a link with a one-line lesson.

use crate::lab::LabKind;
use crate::scenario::Preset;

/// Every preset of the lab, in menu order.
pub const PRESETS: &[Preset] = &[
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
        query: "lab=ring&v=1&seed=1&n=10&lat=10-15&loss=0&vn=160&ops=1000:add:n10&t=900",
    },
    Preset {
        id: "ring-add-modn",
        lab: LabKind::Ring,
        title: "Adding a node: mod-N",
        lesson: "The same keys with hash mod N: adding the eleventh node moves about 10/11 ≈ 91% of the keys, \
                 most of them between old nodes. This is why caches use consistent hashing.",
        query: "lab=ring&v=1&seed=1&n=10&lat=10-15&loss=0&vn=160&scheme=modn&ops=1000:add:n10&t=900",
    },
    Preset {
        id: "ring-fail",
        lab: LabKind::Ring,
        title: "A failed node and its replicas",
        lesson: "n2 fails at 1 s but keeps its tokens: each of its keys is served by the next node clockwise \
                 (its first replica), and only those keys move. Recovery at 4 s moves exactly them back.",
        query: "lab=ring&v=1&seed=1&n=5&lat=10-15&loss=0&ops=1000:fail:n2;4000:recover:n2&t=900",
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
