"""Pages whose code needs no server: each test runs the block and checks what
its page says it does."""

import gc
import statistics

import pytest


@pytest.mark.block("layered-service")
def test_the_service_runs_without_web_server_database_or_mail(run_block):
    page = run_block()
    page.test_register()
    repo, outbox = page.FakeRepo(), page.FakeOutbox()
    user = page.UserService(repo, outbox).register("  Bo@Example.COM")
    assert user.id == 1 and user.email == "bo@example.com"
    assert outbox == [("user-registered", {"user_id": 1, "email": "bo@example.com"})]
    with pytest.raises(page.EmailTaken):
        page.UserService(repo, outbox).register("bo@example.com ")
    assert len(outbox) == 1                      # nothing recorded for a refused sign-up


@pytest.mark.block("latency-percentiles")
def test_percentiles(run_block):
    page = run_block()
    s = page.latency_summary(list(range(1, 101)))
    assert s == {"p50": 50.5, "p95": pytest.approx(95.05), "p99": pytest.approx(99.01)}
    tail = [10] * 98 + [1000, 2000]
    assert page.latency_summary(tail)["p50"] == 10
    assert page.latency_summary(tail)["p99"] > 1000 > statistics.mean(tail)


@pytest.mark.block("littles-law")
def test_littles_law_and_the_queue(run_block):
    page = run_block()
    assert page.in_flight(100, 0.05) == 5
    assert page.mm1_time_in_system(0.010, 0.5) == pytest.approx(0.020)
    with pytest.raises(ValueError):
        page.mm1_time_in_system(0.010, 1.0)


@pytest.mark.block("etag-cache-control")
def test_etags_and_cache_control(run_block):
    page = run_block()
    page.demo()
    client = page.app.test_client()
    first = client.get("/api/products/7")
    assert first.get_json() == {"id": 7, "name": "kettle"}
    assert first.headers["Cache-Control"] == page.CACHE_CONTROL and first.headers["ETag"] == '"7-3"'
    assert client.get("/api/products/7", headers={"If-None-Match": 'W/"7-3", "x"'}).status_code == 304
    assert client.get("/api/products/7", headers={"If-None-Match": "*"}).status_code == 304
    page.PRODUCTS[7].version = 4                          # changed: the old tag no longer matches
    assert client.get("/api/products/7", headers={"If-None-Match": '"7-3"'}).status_code == 200
    assert client.get("/api/products/8").status_code == 404


@pytest.mark.block("circuit-breaker")
def test_the_breaker_opens_fails_fast_and_recovers(run_block):
    page = run_block()
    now = [0.0]
    breaker = page.CircuitBreaker(fail_max=3, reset_timeout=30, clock=lambda: now[0])
    calls = []

    def down():
        calls.append(1)
        raise ConnectionError("down")

    for _ in range(3):
        with pytest.raises(ConnectionError):
            breaker.call(down)
    assert breaker.state == "open"
    with pytest.raises(page.CircuitOpen):
        breaker.call(down)
    assert len(calls) == 3                                # failing fast: not called
    now[0] = 31
    with pytest.raises(ConnectionError):                  # the trial call fails...
        breaker.call(down)
    assert breaker.state == "open" and breaker.opened_at == 31   # ...open again, wait restarted
    with pytest.raises(page.CircuitOpen):
        breaker.call(lambda: "ok")
    now[0] = 62
    assert breaker.call(lambda: "ok") == "ok"             # a successful trial closes it
    assert breaker.state == "closed" and breaker.failures == 0


@pytest.mark.block("read-your-writes-router")
def test_reads_stick_to_the_primary_after_a_write(run_block):
    page = run_block()
    page.demo()
    router = page.Router("p", [], clock=lambda: 0.0)
    assert router.for_read({}) == "p"                    # no replicas: the primary


@pytest.mark.block("logical-shards")
def test_logical_shards_are_stable_and_spread(run_block):
    page = run_block()
    shards = [page.logical_shard(u) for u in range(10_000)]
    assert all(0 <= s < page.LOGICAL_SHARDS for s in shards)
    assert shards == [page.logical_shard(u) for u in range(10_000)]      # stable across calls
    dbs = [page.database_for(u) for u in range(10_000)]
    assert 4000 < dbs.count("db-a") < 6000 and set(dbs) == {"db-a", "db-b"}
    # Moving shards between databases changes the map, not the hash.
    page.SHARD_MAP.clear()
    page.SHARD_MAP.update({range(0, 256): "db-a", range(256, 512): "db-c", range(512, 1024): "db-b"})
    assert [page.logical_shard(u) for u in range(100)] == shards[:100]
    assert "db-c" in {page.database_for(u) for u in range(10_000)}


@pytest.mark.block("event-sourced-order")
def test_replaying_the_events_rebuilds_the_same_state(run_block):
    page = run_block()
    order = page.Order("o-1")
    order.add_item("a", 500)
    order.add_item("b", 250)
    with pytest.raises(ValueError):
        order.add_item("c", 0)
    assert (order.total_cents, order.version, len(order.pending)) == (750, 2, 2)
    again = page.Order.load("o-1", order.pending)
    assert (again.total_cents, again.version, again.pending) == (750, 2, [])


@pytest.mark.block("cqrs-read-model")
def test_the_read_model_skips_redelivered_events(run_block):
    page = run_block()
    assert page.view.totals["c1"] == 1000 and page.view.position == 2


@pytest.mark.block("lru-cache")
def test_the_least_recently_used_entry_goes_first(run_block):
    page = run_block()
    cache = page.LruCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1                 # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache.data) == 2


@pytest.mark.block("weak-listeners")
def test_a_dead_subscriber_is_dropped_and_a_live_one_kept(run_block):
    page = run_block()
    page.demo()
    pub, screen = page.Publisher(), page.Screen()
    pub.subscribe(screen.on_event)
    gc.collect()
    pub.publish("x")                           # the reference does not die at once
    assert screen.seen == ["x"] and len(pub._listeners) == 1


@pytest.mark.block("n-plus-one-loading")
def test_the_statement_counts(run_block):
    page = run_block()                         # the block asserts the counts itself
    assert page.count(page.lazy) == (3000, 101)
    assert page.count(page.select_in)[1] == 2


@pytest.mark.block("order-saga")
def test_the_saga_orders_its_steps_by_what_can_be_undone(run_block):
    page = run_block()
    page.demo()
    log = []
    declined = page.FakeServices(card_ok=False)
    with pytest.raises(page.PermanentFailure):
        page.PlaceOrder(declined, log=log).run("o-3")
    assert log == [("o-3", "reserve_stock"), ("o-3", "failed")]


@pytest.mark.block("order-saga")
def test_steps_after_the_pivot_are_retried_never_undone(run_block):
    page = run_block()

    class Flaky(page.FakeServices):
        def __init__(self, failures):
            super().__init__()
            self.failures = failures

        def __getattr__(self, name):
            step = super().__getattr__(name)

            def flaky(order_id):
                if name == "book_shipment" and self.failures > 0:
                    self.failures -= 1
                    self.calls.append(name)
                    raise ConnectionError("carrier down")
                return step(order_id)
            return flaky

    ok = Flaky(failures=2)
    page.PlaceOrder(ok, log=[]).run("o-4")
    assert ok.calls.count("book_shipment") == 3 and "release_stock" not in ok.calls
    stuck = Flaky(failures=99)
    with pytest.raises(RuntimeError, match="needs attention"):
        page.PlaceOrder(stuck, log=[], max_tries=3).run("o-5")
    assert "release_stock" not in stuck.calls              # past the pivot: no undo


@pytest.mark.block("lease-registry")
def test_expired_leases_drop_out(run_block):
    page = run_block()
    now = [0.0]
    reg = page.Registry(lease_s=15, clock=lambda: now[0])
    assert reg.pick("orders") is None
    reg.heartbeat("orders", "10.0.0.1:80")
    now[0] = 10
    reg.heartbeat("orders", "10.0.0.2:80")
    assert reg.pick("orders") in {"10.0.0.1:80", "10.0.0.2:80"}
    now[0] = 20                                            # the first missed its heartbeat
    assert {reg.pick("orders") for _ in range(50)} == {"10.0.0.2:80"}
    now[0] = 40
    assert reg.pick("orders") is None


@pytest.mark.block("sliding-counter")
def test_the_sliding_window_counts_and_forgets(run_block):
    page = run_block()
    counter = page.SlidingCounter(window_s=10)
    for t in range(0, 20):
        counter.add("k", now=t)
    assert counter.count("k", now=19) == 10                # 10..19
    assert len(counter.events["k"]) == 10                  # memory bounded by the window
    assert counter.count("other", now=19) == 0 and "other" not in counter.events
