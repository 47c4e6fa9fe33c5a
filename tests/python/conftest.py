"""The harness that runs the Python blocks of content/ (see blocks.py).

A test names the block it runs with @pytest.mark.block("ID") and gets it from
the `run_block` fixture as a fresh module; a failure is reported with the
block's file and line. PostgreSQL and Redis are real servers that the
harness starts (servers.py); only the network to other hosts is stubbed.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from types import SimpleNamespace

import pytest

import blocks
import servers

ALL = blocks.all_blocks()
BY_ID = {b.id: b for b in ALL if b.id}


def _block_ids(item) -> list[str]:
    return [m.args[0] for m in item.iter_markers("block")]


@pytest.fixture
def run_block(request):
    """run_block(id=None) executes the block (by default the test's only
    marked one) in a module of its own and returns the module."""
    loaded = []

    def run(block_id=None):
        ids = _block_ids(request.node)
        if block_id is None:
            assert len(ids) == 1, "mark the test with exactly one block, or name it"
            block_id = ids[0]
        assert block_id in ids, f"mark the test with @pytest.mark.block({block_id!r})"
        assert block_id in BY_ID, f"no block in content/ has id={block_id}"
        module = BY_ID[block_id].execute()
        loaded.append(module.__name__)
        return module

    yield run
    for name in loaded:
        sys.modules.pop(name, None)


# --- real servers ---------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_server():
    server = servers.Postgres()
    yield server
    server.stop()


@pytest.fixture
def pg(postgres_server):
    """A fresh, empty database: .dsn (libpq keywords) and .url (a URL)."""
    name = postgres_server.create_database()
    yield SimpleNamespace(dsn=postgres_server.dsn(name), url=postgres_server.url(name), name=name)
    postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def redis_server():
    server = servers.Redis()
    yield server
    server.stop()


@pytest.fixture
def redis_socket(redis_server, monkeypatch):
    """An empty Redis. A block's `redis.Redis()` (no address: localhost:6379)
    reaches this server instead: only the address is changed."""
    import redis

    real = redis.Redis

    class ToTestServer(real):
        def __init__(self, *args, **kwargs):
            if not args and not {"host", "port", "unix_socket_path"} & kwargs.keys():
                kwargs["unix_socket_path"] = str(redis_server.socket)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(redis, "Redis", ToTestServer)
    client = real(unix_socket_path=str(redis_server.socket))
    client.flushall()
    yield client
    client.close()


# --- a stub for a remote HTTP service -------------------------------------

class HttpStub:
    """A local HTTP server on 127.0.0.1 standing in for a remote service.
    `answers` is a list of (status, headers, json body), one per request; the
    last is repeated. `requests` records (method, path, headers)."""

    def __init__(self):
        self.answers = [(200, {}, {})]
        self.requests = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                stub.requests.append(("GET", self.path, dict(self.headers)))
                index = min(len(stub.requests), len(stub.answers)) - 1
                status, headers, body = stub.answers[index]
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_stub():
    stub = HttpStub()
    yield stub
    stub.close()


# --- reporting ------------------------------------------------------------

FAILED_BLOCKS: dict[str, list[str]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for block_id in _block_ids(item):
            where = BY_ID[block_id].where if block_id in BY_ID else f"(no block has id={block_id})"
            report.sections.append(("content block", f"{where}  id={block_id}"))
            FAILED_BLOCKS.setdefault(where, []).append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    run = sum(1 for b in ALL if b.id)
    fragments = [b for b in ALL if b.fragment]
    tr.section("content blocks")
    tr.write_line(f"{run} blocks run, {len(fragments)} fragment{'' if len(fragments) == 1 else 's'}")
    for b in fragments:
        tr.write_line(f"  fragment {b.where}: {b.fragment}")
    for where, nodeids in sorted(FAILED_BLOCKS.items()):
        tr.write_line(f"FAILED block {where}: {', '.join(nodeids)}")
