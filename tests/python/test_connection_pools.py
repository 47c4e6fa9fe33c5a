"""connection-pooling and pool-tuning, against a private PostgreSQL."""

import threading
import time
import warnings

import psycopg
import pytest
from psycopg_pool import PoolTimeout


@pytest.fixture
def shop(pg, monkeypatch):
    """The page's DATABASE_URL, pointing at a fresh database with orders."""
    with psycopg.connect(pg.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL)")
        conn.execute("INSERT INTO orders VALUES (1, 4200), (2, 990)")
    monkeypatch.setenv("DATABASE_URL", pg.url)
    return pg


def backends(pg):
    with psycopg.connect(pg.dsn) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (pg.name,),
        ).fetchone()[0]


@pytest.mark.block("connect-per-call")
def test_connecting_per_call_works_and_leaves_no_connection(run_block, shop):
    page = run_block()
    assert page.get_order_slow(shop.dsn, 1) == (1, 4200)
    assert page.get_order_slow(shop.dsn, 3) is None
    assert backends(shop) == 0                   # each call opened and closed its own


@pytest.mark.block("connection-pool")
def test_the_pool_opens_at_start_up_and_lends_connections(run_block, shop):
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # open=True: no "open" warning,
        page = run_block()
        page.pool.wait(timeout=10)                # min_size connections are open
        assert page.get_order(1) == (1, 4200)     # not even at the first use
    try:
        assert page.pool.get_stats()["pool_size"] >= 4
        assert page.get_order(2) == (2, 990)
        with pytest.raises(psycopg.errors.UndefinedTable):
            with page.pool.connection() as conn:
                conn.execute("SELECT * FROM nowhere")
        assert page.get_order(1) == (1, 4200)     # the connection came back usable
        assert page.pool.get_stats()["pool_available"] >= 1
    finally:
        page.shutdown()
    assert page.pool.closed


@pytest.mark.block("pool-sizing")
def test_an_exhausted_pool_fails_fast(run_block, shop):
    page = run_block()
    pool = page.pool
    try:
        held = [pool.getconn() for _ in range(8)]               # max_size
        start = time.monotonic()
        with pytest.raises(PoolTimeout):
            pool.getconn()
        waited = time.monotonic() - start
        assert 1.5 <= waited < 5                                # timeout=2.0
        assert backends(shop) == 8                              # never more than max_size
        got = []
        waiter = threading.Thread(target=lambda: got.append(pool.getconn()))
        waiter.start()
        pool.putconn(held.pop())                                # a returned one is lent again
        waiter.join(timeout=5)
        assert len(got) == 1
        for conn in held + got:
            pool.putconn(conn)
    finally:
        pool.close()


@pytest.mark.block("connection-pool")
def test_without_open_the_pool_warns_as_the_page_says(run_block, shop):
    from psycopg_pool import ConnectionPool

    page = run_block()
    page.shutdown()
    implicit = ConnectionPool(shop.url, min_size=1, max_size=2)
    try:
        with pytest.warns(DeprecationWarning, match="'open' parameter will become 'False'"):
            with implicit.connection() as conn:
                conn.execute("SELECT 1")
    finally:
        implicit.close()
