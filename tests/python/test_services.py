"""observability, deployment-and-health-checks and distributed-debugging."""

import io
import logging
import os
import signal
import time

import pytest
import requests


@pytest.mark.block("prometheus-metrics")
def test_the_metrics_count_requests_errors_and_latency(run_block):
    from prometheus_client import REGISTRY, generate_latest

    before = set(REGISTRY._collector_to_names)
    try:
        page = run_block()                         # handles "/orders" once, counts a search
        get = REGISTRY.get_sample_value
        assert get("http_requests_total", {"route": "/orders", "status": "200"}) == 1
        with pytest.raises(RuntimeError):
            page.handle("/orders", lambda: (_ for _ in ()).throw(RuntimeError("db down")))
        assert get("http_requests_total", {"route": "/orders", "status": "500"}) == 1
        assert get("http_request_duration_seconds_count", {"route": "/orders"}) == 2
        assert get("feature_used_total", {"feature": "search"}) == 1
        assert b"db_pool_connections_in_use" in generate_latest(REGISTRY)
    finally:
        for collector in set(REGISTRY._collector_to_names) - before:
            REGISTRY.unregister(collector)


@pytest.fixture
def sigterm_restored():
    old = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, old)


@pytest.mark.block("health-checks")
def test_readiness_follows_warm_up_and_draining_and_liveness_stays_up(run_block, sigterm_restored):
    page = run_block()
    page.demo()


@pytest.mark.block("health-checks")
def test_sigterm_starts_draining(run_block, sigterm_restored):
    page = run_block()
    page.warm_up()
    client = page.app.test_client()
    assert client.get("/ready").get_json() == {"ready": True, "warmed_up": True, "draining": False}
    os.kill(os.getpid(), signal.SIGTERM)           # the handler the block installed
    deadline = time.monotonic() + 5
    while not page.STATE["draining"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.get("/ready").status_code == 503 and client.get("/healthz").status_code == 200


@pytest.fixture
def request_id_page(run_block):
    page = run_block()
    stream = io.StringIO()
    page.handler.setStream(stream)
    yield page, stream
    logging.getLogger().removeHandler(page.handler)


@pytest.mark.block("request-id")
def test_the_request_id_is_kept_logged_echoed_and_passed_on(request_id_page, http_stub):
    page, log = request_id_page
    page.demo()
    assert "[abc123] ping" in log.getvalue()
    client = page.app.test_client()
    fresh = client.get("/ping")                    # none given: one is made
    made = fresh.headers["X-Request-ID"]
    assert len(made) == 32 and fresh.get_json() == {"request_id": made}
    # An outgoing call carries it; the inventory service is a local stub.
    page.INVENTORY = http_stub.url
    with page.app.test_request_context("/", headers={"X-Request-ID": "r-9"}):
        page.app.preprocess_request()
        assert page.call_inventory("/stock/1").status_code == 200
    assert http_stub.requests[-1][1] == "/stock/1"
    assert http_stub.requests[-1][2]["X-Request-ID"] == "r-9"
    assert isinstance(page.http, requests.Session)
