"""Replays call scripts with the real pybreaker on a virtual clock, for the
breaker model's conformance test (tests/it/breaker_pybreaker.rs).

Reads a JSON file of cases from the path given: each case has pybreaker's
settings (`fail_max`, `success_threshold`, `reset_ms`, `exclude`: whether
client errors are excluded) and its calls in start order, each with its
start and duration in virtual ms and its result (`ok`, `error`, `client`,
or `timeout`: the caller gives up at its timeout and raises). Writes, as
JSON on standard output, per case: per call whether it reached the
protected function, whether the caller got pybreaker's CircuitBreakerError,
when it got the breaker's lock and when it returned (null if not by the
case's `until`, the end of the script); and every change of state with its
time.

Each call runs in a thread of its own, so calls overlap as they do in a
threaded service. The clock is virtual: pybreaker reads the time only
through its module's `datetime`, which is replaced by one whose `now` is
the virtual time, and the protected function sleeps on the virtual clock
for the call's duration. A driver moves the clock from event to event and
waits, at each, until every thread is blocked (sleeping, or waiting for the
breaker's lock) or done, so a run is the same every time.

pybreaker holds its lock (an RLock) while the protected function runs.
Python does not promise which waiting thread gets a released lock; the
replay gives pybreaker's breaker a lock that hands itself over in arrival
order, the order the model draws. It still excludes: if pybreaker ran the
function outside its lock, calls would overlap here and the comparison
would fail.
"""

import json
import sys
import threading
from datetime import datetime, timedelta, timezone
from importlib.metadata import version

import pybreaker

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Sched:
    """The virtual clock and the bookkeeping of runnable threads. Only the
    driver waits on `cond`; a blocked call thread waits on an event of its
    own, so waking one costs the same however many wait."""

    def __init__(self):
        self.ms = 0
        self.cond = threading.Condition()
        self.active = 0
        self.sleepers = {}

    def reset(self):
        self.ms = 0
        self.active = 0
        self.sleepers = {}

    def block(self):
        """The calling thread stops being runnable (the caller holds cond)."""
        self.active -= 1
        self.cond.notify_all()

    def sleep_until(self, end):
        woken = threading.Event()
        with self.cond:
            self.sleepers[threading.get_ident()] = (end, woken)
            self.block()
        woken.wait()

    def quiet(self):
        with self.cond:
            while self.active > 0:
                self.cond.wait()

    def advance(self, until):
        """Wakes sleepers in time order up to `until` (inclusive), each time
        letting every thread settle, then sets the clock to `until`."""
        while True:
            with self.cond:
                due = [end for end, _ in self.sleepers.values() if end <= until]
                if not due:
                    self.ms = max(self.ms, until)
                    return
                t = min(due)
                self.ms = t
                for ident in [k for k, (end, _) in self.sleepers.items() if end == t]:
                    _, woken = self.sleepers.pop(ident)
                    self.active += 1
                    woken.set()
            self.quiet()


SCHED = Sched()


class VirtualDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        t = EPOCH + timedelta(milliseconds=SCHED.ms)
        return t if tz is not None else t.replace(tzinfo=None)


class TurnLock:
    """A reentrant lock over a real RLock that waiting threads get in the
    order they asked for it; a thread waiting for it is not runnable."""

    def __init__(self, on_grant):
        self.real = threading.RLock()
        self.owner = None
        self.depth = 0
        self.queue = []
        self.on_grant = on_grant

    def acquire(self, blocking=True, timeout=-1):
        me = threading.get_ident()
        turn = None
        with SCHED.cond:
            if self.owner == me:
                self.depth += 1
            elif self.owner is None and not self.queue:
                self.owner = me
                self.depth = 1
                self.on_grant(me)
            else:
                turn = threading.Event()
                self.queue.append((me, turn))
                SCHED.block()
        if turn is not None:
            turn.wait()
        self.real.acquire()
        return True

    def release(self):
        self.real.release()
        with SCHED.cond:
            self.depth -= 1
            if self.depth == 0:
                if self.queue:
                    nxt, turn = self.queue.pop(0)
                    self.owner = nxt
                    self.depth = 1
                    SCHED.active += 1
                    self.on_grant(nxt)
                    turn.set()
                else:
                    self.owner = None

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()


class DownstreamError(Exception):
    pass


class ClientError(Exception):
    pass


class Transitions(pybreaker.CircuitBreakerListener):
    def __init__(self):
        self.log = []

    def state_change(self, cb, old_state, new_state):
        self.log.append([SCHED.ms, new_state.name])


def replay(case):
    SCHED.reset()
    listener = Transitions()
    cb = pybreaker.CircuitBreaker(
        fail_max=case["fail_max"],
        reset_timeout=case["reset_ms"] / 1000,
        success_threshold=case["success_threshold"],
        exclude=[ClientError] if case["exclude"] else [],
        listeners=[listener],
    )
    calls = case["calls"]
    out = [[False, False, None, None] for _ in calls]
    by_thread = {}

    def granted(ident):
        i = by_thread.get(ident)
        if i is not None and out[i][2] is None:
            out[i][2] = SCHED.ms

    cb._lock = TurnLock(granted)

    def run(i, call):
        by_thread[threading.get_ident()] = i

        def protected():
            out[i][0] = True
            SCHED.sleep_until(SCHED.ms + call["duration"])
            if call["result"] == "error":
                raise DownstreamError()
            if call["result"] == "client":
                raise ClientError()
            if call["result"] == "timeout":
                raise TimeoutError()
            return "ok"

        try:
            cb.call(protected)
        except pybreaker.CircuitBreakerError:
            with SCHED.cond:
                out[i][1] = True
        except (DownstreamError, ClientError, TimeoutError):
            pass
        finally:
            with SCHED.cond:
                out[i][3] = SCHED.ms
                SCHED.block()

    for i, call in enumerate(calls):
        SCHED.advance(call["start"])
        # Daemon threads: a call still waiting when the script ends is left
        # waiting, as the model leaves it.
        t = threading.Thread(target=run, args=(i, call), daemon=True)
        with SCHED.cond:
            SCHED.active += 1
        t.start()
        SCHED.quiet()
    SCHED.advance(case["until"])
    with SCHED.cond:
        return {"calls": [list(c) for c in out], "transitions": list(listener.log)}


def main():
    threading.stack_size(256 * 1024)
    pybreaker.datetime = VirtualDatetime
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump({"pybreaker": version("pybreaker"), "results": [replay(c) for c in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
