import json

import pytest

pytestmark = pytest.mark.block("cache-aside")


class CountingTable:
    def __init__(self, table):
        self.table, self.reads = table, 0

    def fetch_user(self, user_id):
        self.reads += 1
        return self.table.fetch_user(user_id)

    def update_user(self, user_id, fields):
        self.table.update_user(user_id, fields)


def test_the_pages_own_run(run_block, redis_socket):
    run_block().demo()


def test_a_read_fills_the_cache_and_a_write_invalidates_it(run_block, redis_socket):
    page = run_block()
    db = CountingTable(page.UserTable())
    db.update_user(7, {"name": "Bo"})
    r = redis_socket
    assert page.get_user(r, db, 7) == {"id": 7, "name": "Bo"}        # miss: from the database
    assert json.loads(r.get("user:7")) == {"id": 7, "name": "Bo"}      # ...and filled
    assert 0 < r.ttl("user:7") <= page.TTL_SECONDS
    assert page.get_user(r, db, 7) == {"id": 7, "name": "Bo"}        # hit
    assert db.reads == 1
    page.update_user(r, db, 7, {"name": "Bea"})
    assert r.get("user:7") is None                                   # invalidated
    assert page.get_user(r, db, 7) == {"id": 7, "name": "Bea"}       # the new value, not a stale one
    assert db.reads == 2


def test_a_missing_user_is_cached_briefly(run_block, redis_socket):
    page = run_block()
    db = CountingTable(page.UserTable())
    assert page.get_user(redis_socket, db, 9) is None
    assert page.get_user(redis_socket, db, 9) is None
    assert db.reads == 1                                              # the second miss was a hit
    assert 0 < redis_socket.ttl("user:9") <= page.MISSING_TTL_SECONDS
