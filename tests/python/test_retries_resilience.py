"""The retry helper against a local HTTP server that stands in for the
remote API: real requests, real sockets, only the host is local."""

import socket

import pytest
import requests

pytestmark = pytest.mark.block("retry-helper")


class Waits(list):
    def __call__(self, seconds):
        self.append(seconds)


def test_a_503_with_retry_after_is_retried_no_sooner_than_asked(run_block, http_stub):
    page = run_block()
    http_stub.answers = [(503, {"Retry-After": "2"}, {}), (200, {}, {"id": 1})]
    waits = Waits()
    session = requests.Session()
    got = page.call_with_retries(lambda: page.get_json(session, http_stub.url + "/orders/1"), sleep=waits)
    assert got == {"id": 1}
    assert len(http_stub.requests) == 2
    assert waits == [pytest.approx(2.0, abs=0.01)] or waits[0] >= 2.0


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_the_retryable_statuses_are_retried(run_block, http_stub, status):
    page = run_block()
    http_stub.answers = [(status, {}, {}), (200, {}, {"ok": True})]
    waits = Waits()
    assert page.call_with_retries(lambda: page.get_json(requests.Session(), http_stub.url + "/x"),
                                  sleep=waits) == {"ok": True}
    assert len(http_stub.requests) == 2 and len(waits) == 1


@pytest.mark.parametrize("status", [400, 404, 409, 500])
def test_other_errors_are_not_retried(run_block, http_stub, status):
    page = run_block()
    http_stub.answers = [(status, {}, {})]
    waits = Waits()
    with pytest.raises(requests.HTTPError):
        page.call_with_retries(lambda: page.get_json(requests.Session(), http_stub.url + "/x"), sleep=waits)
    assert len(http_stub.requests) == 1 and waits == []


def test_a_refused_connection_is_retried_then_raised_after_the_last_attempt(run_block):
    page = run_block()
    with socket.socket() as s:                        # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/x"
    calls, waits = [], Waits()

    def call():
        calls.append(1)
        return page.get_json(requests.Session(), closed)

    with pytest.raises(requests.exceptions.ConnectionError):
        page.call_with_retries(call, attempts=4, sleep=waits)
    assert len(calls) == 4 and len(waits) == 3
    assert all(0 <= w <= min(5.0, 0.2 * 2 ** i) for i, w in enumerate(waits))   # full jitter, capped


def test_a_retry_after_beyond_the_deadline_fails_now(run_block, http_stub):
    page = run_block()
    http_stub.answers = [(503, {"Retry-After": "30"}, {})]
    waits = Waits()
    with pytest.raises(page.RetryableStatus):
        page.call_with_retries(lambda: page.get_json(requests.Session(), http_stub.url + "/x"),
                               deadline=10.0, sleep=waits)
    assert len(http_stub.requests) == 1 and waits == []


def test_an_empty_budget_stops_retries(run_block, http_stub):
    page = run_block()
    http_stub.answers = [(503, {}, {})]
    budget = page.RetryBudget(ratio=0.1, max_tokens=1.0)
    waits = Waits()
    with pytest.raises(page.RetryableStatus):
        page.call_with_retries(lambda: page.get_json(requests.Session(), http_stub.url + "/x"),
                               budget=budget, sleep=waits)
    assert len(http_stub.requests) == 2          # one retry, paid by the one token


def test_retry_after_as_an_http_date(run_block):
    from datetime import datetime, timezone

    page = run_block()
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert page.parse_retry_after("Thu, 01 Jan 2026 12:00:05 GMT", now=now) == 5.0
    assert page.parse_retry_after("7") == 7.0
    assert page.parse_retry_after("soon") is None


def test_fetch_order_reaches_the_api(run_block, http_stub):
    page = run_block()
    http_stub.answers = [(502, {"Retry-After": "0"}, {}), (200, {}, {"id": 5})]

    class ToStub(requests.Session):              # the API's host is the local stub
        def request(self, method, url, *args, **kwargs):
            return super().request(method, url.replace("https://api.example.com", http_stub.url), *args, **kwargs)

    assert page.fetch_order(ToStub(), 5) == {"id": 5}
    assert [r[1] for r in http_stub.requests] == ["/orders/5", "/orders/5"]
