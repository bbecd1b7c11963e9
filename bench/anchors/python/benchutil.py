"""What the Python anchors share: the same percentile formula as bench/harness.ts."""


def percentile(values, q):
    """Linear interpolation between closest ranks (the same formula as bench/harness.ts)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
