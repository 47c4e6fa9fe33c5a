"""Replays call scripts with the real pybreaker on a virtual clock, for the
breaker model's conformance test (tests/it/breaker_pybreaker.rs).

Reads a JSON file of cases from the path given: each case has pybreaker's
settings (`fail_max`, `success_threshold`, `reset_ms`) and its calls in
order, each with its start and duration in virtual ms and its result
(`ok`, `error`, or `timeout`: the caller gives up at its timeout and
raises). Writes, as JSON on standard output, per case and per call:
whether the call reached the protected function, whether the caller got
pybreaker's CircuitBreakerError, and the breaker's state after the call.

The clock: pybreaker reads the time only through its module's `datetime`
(`datetime.now(UTC)` when it opens, and against `reset_timeout` before a
call in open), so that name is replaced by a `datetime` whose `now` is the
virtual time. A call runs at its start; the protected function moves the
clock to the call's end before it returns or raises, as a real call's
duration would. Calls are sequential, as the model's manual scripts are.
"""

import json
import sys
from datetime import datetime, timedelta, timezone
from importlib.metadata import version

import pybreaker

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Clock:
    ms = 0


class VirtualDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        t = EPOCH + timedelta(milliseconds=Clock.ms)
        return t if tz is not None else t.replace(tzinfo=None)


class DownstreamError(Exception):
    pass


def replay(case):
    Clock.ms = 0
    cb = pybreaker.CircuitBreaker(
        fail_max=case["fail_max"],
        reset_timeout=case["reset_ms"] / 1000,
        success_threshold=case["success_threshold"],
    )
    out = []
    for call in case["calls"]:
        Clock.ms = call["start"]
        reached = []

        def protected(call=call, reached=reached):
            reached.append(True)
            Clock.ms = call["start"] + call["duration"]
            if call["result"] == "error":
                raise DownstreamError()
            if call["result"] == "timeout":
                raise TimeoutError()
            return "ok"

        breaker_error = False
        try:
            cb.call(protected)
        except pybreaker.CircuitBreakerError:
            breaker_error = True
        except (DownstreamError, TimeoutError):
            pass
        out.append([bool(reached), breaker_error, cb.current_state])
    return out


def main():
    pybreaker.datetime = VirtualDatetime
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump({"pybreaker": version("pybreaker"), "results": [replay(c) for c in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
