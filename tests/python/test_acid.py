import threading

import psycopg
import pytest

pytestmark = pytest.mark.block("serializable-retry")


def _doctors(dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE doctors (name text PRIMARY KEY, on_call boolean NOT NULL)")
        conn.execute("INSERT INTO doctors VALUES ('alice', true), ('bob', true)")



def _both(take_off):
    """Runs `take_off` for both doctors on two threads at once, and waits."""
    threads = [threading.Thread(target=take_off, args=(d,)) for d in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

def test_serializable_with_retries_prevents_the_write_skew(run_block, pg):
    page = run_block()
    _doctors(pg.dsn)
    # Both transactions read "two on call" before either writes: a barrier
    # inside the first attempt makes the race certain, not likely.
    barrier = threading.Barrier(2, timeout=10)
    outcomes = {}

    def take_off(doctor):
        attempts = []

        def racing(conn):
            attempts.append(1)
            if len(attempts) == 1:
                conn.execute("SELECT count(*) FROM doctors WHERE on_call").fetchone()
                barrier.wait()
            return page.take_off_call(conn, doctor)

        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            try:
                page.run_serializable(conn, racing)
                outcomes[doctor] = ("ok", len(attempts))
            except ValueError as exc:
                outcomes[doctor] = ("refused", len(attempts), str(exc))

    _both(take_off)
    with psycopg.connect(pg.dsn) as conn:
        on_call = conn.execute("SELECT count(*) FROM doctors WHERE on_call").fetchone()[0]
    assert on_call == 1, outcomes                        # the rule held
    kinds = sorted(o[0] for o in outcomes.values())
    assert kinds == ["ok", "refused"], outcomes
    refused = next(o for o in outcomes.values() if o[0] == "refused")
    assert refused[1] >= 2, outcomes                     # it was retried after a 40001


def test_without_serializable_the_same_race_breaks_the_rule(run_block, pg):
    # The contrast the page draws: below serializable (here repeatable read,
    # a snapshot per transaction) both see two on call, and both succeed.
    page = run_block()
    _doctors(pg.dsn)
    barrier = threading.Barrier(2, timeout=10)

    def take_off(doctor):
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                conn.execute("SELECT count(*) FROM doctors WHERE on_call").fetchone()
                barrier.wait()
                page.take_off_call(conn, doctor)

    _both(take_off)
    with psycopg.connect(pg.dsn) as conn:
        assert conn.execute("SELECT count(*) FROM doctors WHERE on_call").fetchone()[0] == 0


def test_a_non_retryable_error_is_not_retried(run_block, pg):
    page = run_block()
    _doctors(pg.dsn)
    calls = []

    def work(conn):
        calls.append(1)
        conn.execute("SELECT 1/0")

    with psycopg.connect(pg.dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            page.run_serializable(conn, work)
    assert len(calls) == 1
