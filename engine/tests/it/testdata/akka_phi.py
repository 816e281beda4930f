#!/usr/bin/env python3
"""Expected values for engine/tests/it/phi_akka.rs, computed independently of the engine.

A line-by-line Python transcription of Akka's PhiAccrualFailureDetector (akka-remote,
PhiAccrualFailureDetector.scala: HeartbeatHistory, heartbeat(), phi(timestamp), phi(timeDiff,
mean, stdDeviation)) in Akka's own units (milliseconds, Long intervals), driven by the clock
sequences of Akka's AccrualFailureDetectorSpec. Uses Python's math.exp/log10 (platform libm),
so the engine's detmath results are compared with a relative tolerance, not bit for bit.

Run: python3 engine/tests/it/testdata/akka_phi.py
"""
import math


def phi_of(time_diff, mean, std):
    y = (time_diff - mean) / std
    x = -y * (1.5976 + 0.070566 * y * y)
    e = math.exp(x) if x < 709.78 else math.inf  # Java's Math.exp overflows to Infinity
    log10 = lambda v: math.log10(v) if v > 0 else -math.inf  # Java's Math.log10(0) = -Infinity
    if time_diff > mean:
        return -log10(e / (1.0 + e))
    return -log10(1.0 - 1.0 / (1.0 + e))


class Akka:
    def __init__(self, threshold=8.0, max_sample=1000, min_std=100, pause=0, first=1000,
                 learn_outages=False):
        self.threshold, self.max_sample, self.min_std, self.pause = threshold, max_sample, min_std, pause
        m = first
        sd = m // 4
        self.first = [m - sd, m + sd]
        self.history = list(self.first)
        self.timestamp = None
        self.learn_outages = learn_outages  # False = Akka

    def phi(self, now):
        if self.timestamp is None:
            return 0.0
        n = len(self.history)
        mean = sum(self.history) / n
        var = sum(x * x for x in self.history) / n - mean * mean
        std = max(math.sqrt(var), self.min_std)
        return phi_of(now - self.timestamp, mean + self.pause, std)

    def available(self, now):
        return self.phi(now) < self.threshold

    def heartbeat(self, now):
        if self.timestamp is None:
            self.history = list(self.first)
        else:
            interval = now - self.timestamp
            if self.learn_outages or self.available(now):
                self.history.append(interval)
                while len(self.history) > self.max_sample:
                    self.history.pop(0)
        self.timestamp = now


def clock(intervals):
    t, out = 0, []
    for i, d in enumerate(intervals):
        t = d if i == 0 else t + d
        out.append(t)
    return iter(out)


def script(fd, times, ops):
    """ops: 'h' heartbeat, 'p' read phi; returns the phi values read, in order."""
    got = []
    for op in ops:
        now = next(times)
        if op == 'h':
            fd.heartbeat(now)
        else:
            got.append((now, fd.phi(now)))
    return got


def show(name, rows):
    print(name)
    for now, phi in rows:
        print(f"    ({now}, {phi!r}),")


# "return realistic phi values": phi(timeDiff, mean = 1000, σ = 100)
print("realistic", [(t, phi_of(t, 1000.0, 100.0)) for t in (0, 500, 1000, 1200, 1400, 1600, 1700)])
print("outliers", phi_of(10, 0, 1), phi_of(-25, 0, 1))

# "return phi based on guess when only one heartbeat": 1 s estimate, σ floor 100 ms
show("guess", script(Akka(), clock([0, 1000, 1000, 1000, 1000]), "hppp"))

# "mark node as available if it starts heartbeat again after being marked dead" (the outage
# case): 1000 regular 1 s intervals, a 5-minute pause, then 100/900/100 ms, a 7 s pause, ...
regular = [0] + [1000] * 999
outage = regular + [300_000, 100, 900, 100, 7000, 100, 900, 100, 900]
ops = "h" * 1000 + "p" + "h" + "p" + "h" + "p" + "h" + "p" + "h" + "p"
for learn in (False, True):
    show(f"outage learn_outages={learn}",
         script(Akka(threshold=8, pause=3000, learn_outages=learn), clock(outage), ops))

# "accept some configured missing heartbeats" / "fail after configured acceptable missing
# heartbeats" (pause 3 s)
show("accept", script(Akka(pause=3000), clock([0, 1000, 1000, 1000, 4000, 1000, 1000]), "hhhhphp"))
show("fail", script(Akka(pause=3000), clock([0, 1000, 1000, 1000, 1000, 1000, 500, 500, 5000]), "hhhhhhpp"))

# "use maxSampleSize heartbeats" (window 3): φ after 100 ms intervals == φ after 500 ms ones
show("window", script(Akka(max_sample=3), clock([0, 100, 100, 100, 100, 600, 500, 500, 500, 500, 500]),
                      "hhhhphhhhp"))
