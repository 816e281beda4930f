//! The cluster lab's presets: each a link with a one-line lesson; `tests/it/cluster.rs` replays
//! each one and checks that its lesson shows in the measurements.

use crate::lab::LabKind;
use crate::scenario::Preset;

/// Every preset, in display order.
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "cluster-machine-dies",
        lab: LabKind::Cluster,
        title: "A machine dies, its pods come back elsewhere",
        lesson: "m0 dies with its pod: for the 40 s grace period the service still sends it requests (errors), NotReady then takes it out, and after the eviction timeout (20 s here, 5 min in Kubernetes) the controller recreates it on another machine.",
        query: "lab=cluster&seed=1&evict=20000&faults=20000:cmd:0:fail:0&t=120000",
    },
    Preset {
        id: "cluster-hang-no-probes",
        lab: LabKind::Cluster,
        title: "A hung pod without probes",
        lesson: "Without probes a hung pod looks ready and stays in the service: every request it gets times out, a quarter of all requests, for as long as nobody looks.",
        query: "lab=cluster&seed=1&live=0&rdy=0&faults=20000:cmd:0:hang&t=180000",
    },
    Preset {
        id: "cluster-hang-liveness",
        lab: LabKind::Cluster,
        title: "A hung pod with liveness and readiness probes",
        lesson: "The readiness probe takes the hung pod out of the service after 3 failures (15 s) and the liveness probe restarts it after 3 (30 s): the errors stop within seconds and the pod is back.",
        query: "lab=cluster&seed=1&faults=20000:cmd:0:hang&t=180000",
    },
    Preset {
        id: "cluster-bad-release",
        lab: LabKind::Cluster,
        title: "A bad release crash-looping",
        lesson: "v2 crashes on start: the kubelet restarts it after 10 s, 20 s, 40 s … up to 5 min (CrashLoopBackOff); the rolling update takes one old pod down (maxUnavailable 25 %) and then stalls, so 3 old pods keep serving every request.",
        query: "lab=cluster&seed=1&faults=20000:cmd:0:release:bad&t=400000",
    },
    Preset {
        id: "cluster-hpa-spike",
        lab: LabKind::Cluster,
        title: "A traffic spike the autoscaler chases",
        lesson: "Load jumps from 100 to 400 req/s: the HPA sees it only at its next scrape and sync and asks ceil(4 × 100 % / 60 %) = 7, then 11, then 13 replicas — a minute of errors while new pods start; after the spike it holds 13 for the 5-min stabilization window.",
        query: "lab=cluster&seed=1&hpa=1&load=spike&peak=400&at=60000&len=120000&t=600000",
    },
    Preset {
        id: "cluster-hpa-stabilized",
        lab: LabKind::Cluster,
        title: "Bursty load with scale-down stabilization",
        lesson: "Load alternates 100 and 300 req/s every minute: with the 5-min scale-down window the HPA scales up once and keeps the replicas through the lulls — few changes, few errors, more replica-seconds paid than needed.",
        query: "lab=cluster&seed=1&hpa=1&load=trace&trace=100.300.100.300.100.300.100.300.100.300&len=60000&t=600000",
    },
    Preset {
        id: "cluster-hpa-flapping",
        lab: LabKind::Cluster,
        title: "The same load without stabilization",
        lesson: "Without the stabilization window the HPA scales down in every lull and pays the start-up lag again at every rise: many more changes and pods created, and several times the errors, to save replica-seconds.",
        query: "lab=cluster&seed=1&hpa=1&load=trace&trace=100.300.100.300.100.300.100.300.100.300&len=60000&stab=0&t=600000",
    },
    Preset {
        id: "cluster-zone-spread",
        lab: LabKind::Cluster,
        title: "A zone fails, pods spread across zones",
        lesson: "Spread over three zones, zone a's failure takes 2 of 6 pods: the other 4 keep serving (errors only from the lost pods until NotReady), and the controller replaces the 2 in zones b and c.",
        query: "lab=cluster&seed=1&rep=6&slots=6&evict=60000&faults=30000:cmd:0:zone-fail:a&t=240000",
    },
    Preset {
        id: "cluster-zone-packed",
        lab: LabKind::Cluster,
        title: "The same zone failure, pods packed",
        lesson: "Without a spread constraint the scheduler packed all 6 pods onto m0 in zone a: the zone's failure is a full outage until the pods are evicted and recreated elsewhere.",
        query: "lab=cluster&seed=1&rep=6&slots=6&spread=0&evict=60000&faults=30000:cmd:0:zone-fail:a&t=240000",
    },
    Preset {
        id: "cluster-alert-too-late",
        lab: LabKind::Cluster,
        title: "An alert that fires too late for the SLO",
        lesson: "A hung pod fails a quarter of requests: the rule error_rate > 0.05 for 5m fires 5 min later, with the 99.9 % SLO's error budget long spent many times over; the burn-rate page alert fired within seconds.",
        query: "lab=cluster&seed=1&live=0&rdy=0&alerts=error_rate+%3E+0.05+for+5m&faults=30000:cmd:0:hang&t=420000",
    },
];
