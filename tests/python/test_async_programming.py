"""The async pages' code. The HTTP client's transport is replaced by a local
handler (httpx.MockTransport): the network is the only thing stubbed."""

import asyncio

import httpx
import pytest


@pytest.fixture
def api(monkeypatch):
    """Routes the block's AsyncClient to an in-process API that counts how
    many requests are in flight at once."""
    state = {"now": 0, "max": 0, "paths": []}

    async def handler(request):
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        state["paths"].append(request.url.path)
        await asyncio.sleep(0.01)
        state["now"] -= 1
        uid = int(request.url.path.rsplit("/", 1)[1])
        if uid == 404:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(200, json={"id": uid})

    real = httpx.AsyncClient

    def client(*args, **kwargs):
        return real(*args, transport=httpx.MockTransport(handler), **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", client)
    return state


@pytest.mark.block("bounded-fetch")
def test_results_come_back_in_order_with_at_most_limit_in_flight(run_block, api):
    page = run_block()
    users = asyncio.run(page.fetch_users(range(50), limit=5))
    assert users == [{"id": i} for i in range(50)]
    assert api["max"] == 5
    assert api["paths"][0].startswith("/users/")


@pytest.mark.block("bounded-fetch")
def test_an_http_error_is_raised(run_block, api):
    page = run_block()
    with pytest.raises(httpx.HTTPStatusError):
        asyncio.run(page.fetch_users([1, 404, 2]))


@pytest.mark.block("task-group-deadline")
def test_a_failure_cancels_the_rest_and_a_deadline_bounds_the_whole(run_block):
    page = run_block()                              # runs main(): its own assertions
    started, cancelled = [], []
    real_fetch = page.fetch

    async def fetch(i):
        started.append(i)
        try:
            return await real_fetch(i)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise

    page.fetch = fetch
    with pytest.raises(ExceptionGroup) as info:
        asyncio.run(page.fetch_all([1, 2, 3, 4, 5, 50]))
    assert info.group_contains(ValueError)
    assert 50 in cancelled                           # cancelled, not leaked
    with pytest.raises(TimeoutError):
        asyncio.run(page.fetch_all([40, 41], budget_s=0.05))
