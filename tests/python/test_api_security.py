import pytest


@pytest.mark.block("fixed-window-limiter")
def test_the_fixed_window_admits_the_limit_then_refuses_until_the_next_window(run_block, redis_socket):
    page = run_block()
    t0 = 1_000 * 60_000                                   # the start of a window
    got = [page.allow("c1", limit=5, window_ms=60_000, now_ms=t0 + i) for i in range(7)]
    assert got == [True] * 5 + [False] * 2
    assert page.allow("c2", limit=5, now_ms=t0)             # counted per client
    assert page.allow("c1", limit=5, window_ms=60_000, now_ms=t0 + 60_000)   # a new window
    # The expiry is set once, when the key is created, and bounds the key's life.
    key = f"rl:c1:{t0 // 60_000}"
    assert 0 < redis_socket.pttl(key) <= 60_000
    redis_socket.pexpire(key, 500_000)
    page.allow("c1", limit=5, window_ms=60_000, now_ms=t0 + 10)
    assert redis_socket.pttl(key) > 60_000                  # a later INCR did not reset it


@pytest.mark.block("fixed-window-limiter")
def test_the_fixed_window_is_atomic_under_concurrency(run_block, redis_socket):
    import threading

    page = run_block()
    results = []
    lock = threading.Lock()

    def client():
        for _ in range(25):
            ok = page.allow("shared", limit=50, now_ms=0)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 50 and len(results) == 200


@pytest.mark.block("token-bucket-limiter")
def test_the_token_bucket_allows_a_burst_then_the_refill_rate(run_block, redis_socket):
    page = run_block()
    page.demo()                                            # the page's own assertions
    redis_socket.delete("tb:c2")
    assert all(page.allow_bucket("c2", rate=5, burst=10, now_ms=0) for _ in range(10))
    assert not page.allow_bucket("c2", rate=5, burst=10, now_ms=0)
    # After 1 s at 5 per second, 5 more, and never more than the burst.
    assert [page.allow_bucket("c2", rate=5, burst=10, now_ms=1000) for _ in range(6)] == [True] * 5 + [False]
    assert sum(page.allow_bucket("c2", rate=5, burst=10, now_ms=3_600_000) for _ in range(20)) == 10
    assert redis_socket.pttl("tb:c2") > 0                   # idle buckets expire
