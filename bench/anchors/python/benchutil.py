"""What the Python anchors share: bench/harness.ts's percentile and round-robin repetitions."""

import time


def percentile(values, q):
    """Linear interpolation between closest ranks (the same formula as bench/harness.ts)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(samples):
    """{name: {median, p90, samples}} as every anchor prints it."""
    return {name: {"median": percentile(s, 0.5), "p90": percentile(s, 0.9), "samples": s} for name, s in samples.items()}


def interleave(systems, reps, warmup, caps=None):
    """Run each system's callable reps times after warm-up, round-robin from a rotating start.
    A capped (slow) system runs at most its cap, without warm-up, as bench/harness.ts does."""
    caps = caps or {}
    names = list(systems)
    samples = {name: [] for name in names}
    for i in range(warmup + reps):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            cap = caps.get(name)
            if i < warmup and cap is not None:
                continue
            if i >= warmup and len(samples[name]) >= min(reps, cap or reps):
                continue
            t0 = time.perf_counter()
            systems[name]()
            ms = (time.perf_counter() - t0) * 1000
            if i >= warmup:
                samples[name].append(ms)
    return samples
