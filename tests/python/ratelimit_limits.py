"""Replays request traces with the real `limits` library over a real Redis,
for the rate-limiter model's conformance test (tests/it/ratelimit_limits.rs).

Reads a JSON file from the path given: the Redis unix socket and the cases,
each with `limit`, `window` and its requests in order, each `[at, client]`
with `at` in virtual ms. Writes, as JSON on standard output, per case the
list of decisions (`true`: let through) of limits' moving window
(`MovingWindowRateLimiter` with its Redis storage), and the library's
version.

The clock is virtual. limits' Redis storage reads the time through its
module's `time.time()` and passes it to its Lua script, so the replay
replaces that module's `time` with one whose `time()` is the request's
virtual time. The unit is free as long as the window is in the same one:
the replay counts one virtual ms as one "second" and asks for `limit` per
`window` "seconds". Every timestamp is then a whole number (no rounding of
fractions of a second in the script's comparison) and the key's EXPIRE,
`window` seconds of Redis's real clock, is far longer than a replay.
"""

import json
import sys
from importlib.metadata import version
from types import SimpleNamespace

import limits.storage.redis as redis_storage
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

NOW = [0.0]
redis_storage.time = SimpleNamespace(time=lambda: NOW[0])


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    storage = storage_from_string("redis+unix://" + spec["socket"])
    limiter = MovingWindowRateLimiter(storage)
    out = []
    for case in spec["cases"]:
        storage.storage.flushall()
        item = RateLimitItemPerSecond(case["limit"], case["window"])
        decisions = []
        for at, client in case["requests"]:
            NOW[0] = float(at)
            decisions.append(bool(limiter.hit(item, str(client))))
        out.append(decisions)
    json.dump({"limits": version("limits"), "cases": out}, sys.stdout)


if __name__ == "__main__":
    main()
