"""Asks the real tenacity for its retry delays, for the retry model's
conformance test (tests/it/retry_libraries.rs).

Reads a JSON file of cases from the path given: each case names a wait
strategy (`none`, `immediate`, `fixed`, `exponential`, `full`, `equal`,
`exponential_jitter`), its `base`, `cap` and `jitter`, the number of
retries to make, and the uniform draws to hand out, each as the 64 bits of
a double, in decimal. Writes, as JSON on standard output, per case: the
sleeps tenacity asked for (bits of each double, in decimal) and how many
draws it took.

Nothing is timed: tenacity's `Retrying` runs a function that always fails,
with `stop_after_attempt(retries + 1)` and a `sleep` that records the
delay instead of sleeping. The draws are injected by replacing the
`random` that `tenacity.wait` imported with a `random.Random` whose
`random()` hands out the given draws in order; `uniform(a, b)` is the
inherited `a + (b - a) * random()`. Units are the model's milliseconds:
tenacity does its arithmetic on whatever numbers it is given.

The model's equal jitter has no strategy of its own in tenacity; it is
built from two, `wait_exponential(base / 2, max=cap / 2)` plus
`wait_random_exponential(base / 2, max=cap / 2)`, which is the same sum.
"""

import json
import random
import struct
import sys
from importlib.metadata import version

import tenacity
import tenacity.wait


def to_float(bits):
    return struct.unpack(">d", int(bits).to_bytes(8, "big"))[0]


def to_bits(x):
    return str(int.from_bytes(struct.pack(">d", float(x)), "big"))


class Draws(random.Random):
    """A random source that hands out the given draws in order."""

    def __init__(self, draws):
        super().__init__(0)
        self.draws = list(draws)
        self.taken = 0

    def random(self):
        if self.taken >= len(self.draws):
            raise RuntimeError("tenacity asked for more draws than were given")
        u = self.draws[self.taken]
        self.taken += 1
        return u


def strategy(name, base, cap, jitter):
    w = tenacity.wait
    if name in ("none", "immediate"):
        return w.wait_none()
    if name == "fixed":
        return w.wait_fixed(base)
    if name == "exponential":
        return w.wait_exponential(multiplier=base, max=cap)
    if name == "full":
        return w.wait_random_exponential(multiplier=base, max=cap)
    if name == "equal":
        half = w.wait_exponential(multiplier=base / 2, max=cap / 2)
        return half + w.wait_random_exponential(multiplier=base / 2, max=cap / 2)
    if name == "exponential_jitter":
        return w.wait_exponential_jitter(multiplier=base, max=cap, jitter=jitter)
    raise ValueError(f"unknown strategy {name}")


def delays(case):
    source = Draws(to_float(b) for b in case["draws"])
    tenacity.wait.random = source
    slept = []
    retries = 0 if case["name"] == "none" else case["retries"]
    retrying = tenacity.Retrying(
        wait=strategy(case["name"], case["base"], case["cap"], case["jitter"]),
        stop=tenacity.stop_after_attempt(retries + 1),
        sleep=slept.append,
        reraise=True,
    )

    def fails():
        raise ConnectionError("the resource failed")

    try:
        retrying(fails)
    except ConnectionError:
        pass
    return {"delays": [to_bits(d) for d in slept], "taken": source.taken}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    saved = tenacity.wait.random
    try:
        results = [delays(c) for c in cases]
    finally:
        tenacity.wait.random = saved
    json.dump({"tenacity": version("tenacity"), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
