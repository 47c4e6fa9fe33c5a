"""Replays request traces with the real `limits` library over a real Redis,
for the rate-limiter model's conformance test (tests/it/ratelimit_limits.rs).

Reads a JSON file from the path given: the Redis unix socket and the cases,
each with `limit`, `window` and its requests in order, each `[at, client]`
with `at` in virtual ms. Writes, as JSON on standard output, per case the
lists of decisions (`true`: let through) of limits' moving window
(`MovingWindowRateLimiter` with its Redis storage) and of its fixed window
and sliding window counter (`FixedWindowRateLimiter`,
`SlidingWindowCounterRateLimiter`) with its in-memory storage, and the
library's version.

Over Redis, limits' fixed window and sliding window counter place their
windows by key TTLs on Redis's own clock (PTTL, EXPIRE), which no client
can put on a virtual clock; its in-memory storage implements the same two
algorithms with the time read from `time.time()`, which the replay can
replace.

The clock is virtual. limits' Redis storage reads the time through its
module's `time.time()` and passes it to its Lua script, so the replay
replaces that module's `time` with one whose `time()` is the request's
virtual time. The unit is free as long as the window is in the same one:
the replay counts one virtual ms as one "second" and asks for `limit` per
`window` "seconds". Every timestamp is then a whole number (no rounding of
fractions of a second in the script's comparison) and the key's EXPIRE,
`window` seconds of Redis's real clock, is far longer than a replay. The
in-memory storage's module gets the same clock.

The virtual clock starts at the case's `epoch`, a whole number of windows
(as the model's windows are aligned to multiples of the window, so are
limits'), not at 0: the in-memory sliding window counter names the
previous window `int((now - window) / window)`, which truncates toward
zero and names the current window during the first window after 0; on a
real clock that instant is in 1970.
"""

import json
import sys
from importlib.metadata import version
from types import SimpleNamespace

import limits.storage.memory as memory_storage
import limits.storage.redis as redis_storage
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

NOW = [0.0]
CLOCK = SimpleNamespace(time=lambda: NOW[0])
redis_storage.time = CLOCK
memory_storage.time = CLOCK


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    redis = storage_from_string("redis+unix://" + spec["socket"])
    out = []
    for case in spec["cases"]:
        redis.storage.flushall()
        memory = MemoryStorage()
        limiters = {
            "moving": MovingWindowRateLimiter(redis),
            "fixed": FixedWindowRateLimiter(memory),
            "counter": SlidingWindowCounterRateLimiter(memory),
        }
        item = RateLimitItemPerSecond(case["limit"], case["window"])
        decisions = {name: [] for name in limiters}
        for at, client in case["requests"]:
            NOW[0] = float(case["epoch"] + at)
            for name, limiter in limiters.items():
                decisions[name].append(bool(limiter.hit(item, str(client))))
        memory.timer.cancel()
        out.append(decisions)
    json.dump({"limits": version("limits"), "cases": out}, sys.stdout)


if __name__ == "__main__":
    main()
