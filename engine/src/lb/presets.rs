//! The load-balancer lab's presets: classic situations, each a link with a one-line lesson.

use crate::lab::LabKind;
use crate::scenario::Preset;

/// Every preset of the lab, in menu order.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "lb-slow-backend",
        lab: LabKind::Lb,
        title: "One slow backend: round-robin vs P2C",
        lesson: "At 2 s backend b5 becomes 10× slower (outlier ejection is off, to isolate the strategy). \
                 Round-robin keeps sending it a quarter of the requests: they queue and time out (p99 = the \
                 1 s timeout). Power of two choices, compared on the identical request stream, sees b5's \
                 outstanding requests and sends it far less. Try lc and pewma too.",
        query: "lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&rate=300&eject=0&cmp=p2c&faults=2000:cmd:5:slow:10&t=1900",
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
                &faults=3000:cmd:2:slow:10&t=2900",
    },
    Preset {
        id: "lb-hot-client",
        lab: LabKind::Lb,
        title: "Hot client with hash-based routing",
        lesson: "40% of requests come from one client. Consistent hashing on the client key keeps its \
                 session on one backend — which then serves half the traffic. P2C (compared) spreads it.",
        query: "lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&strat=hash&hot=40&cmp=p2c",
    },
];
