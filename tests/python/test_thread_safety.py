import sys
import threading
import time

import pytest


@pytest.mark.block("lazy-singleton")
def test_eight_threads_get_one_object(run_block):
    page = run_block()
    page.check()                                   # the page's own check


@pytest.mark.block("lazy-singleton")
def test_one_object_even_when_construction_is_slow_and_threads_switch_often(run_block, monkeypatch):
    page = run_block()
    built = []

    def slow_init(self):                           # widens the race window
        built.append(self)
        time.sleep(0.01)

    monkeypatch.setattr(page.Registry, "__init__", slow_init)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        start = threading.Barrier(8)
        seen = []

        def worker():
            start.wait()
            seen.append(page.Registry.get())

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert len(built) == 1 and len({id(o) for o in seen}) == 1


@pytest.mark.block("bounded-queue-workers")
def test_every_job_is_handled_and_the_workers_stop(run_block):
    page = run_block()
    page.run()                                     # asserts 1000 results
    assert sorted(page.results) == [i * i for i in range(1000)]
    assert page.jobs.maxsize == 100 and page.jobs.unfinished_tasks == 0


@pytest.mark.block("bounded-queue-workers")
def test_a_bad_job_is_logged_and_does_not_kill_its_worker(run_block, caplog):
    page = run_block()
    workers = [threading.Thread(target=page.consumer) for _ in range(2)]
    for w in workers:
        w.start()
    page.producer([1, "not a number", 2, 3])
    for _ in workers:
        page.jobs.put(page.STOP)
    for w in workers:
        w.join(timeout=10)
    assert not any(w.is_alive() for w in workers)
    assert sorted(page.results) == [1, 4, 9]
    assert "job 'not a number' failed" in caplog.text


@pytest.mark.block("bounded-queue-workers")
def test_a_full_queue_makes_the_producer_wait(run_block):
    page = run_block()
    producer = threading.Thread(target=page.producer, args=(range(150),), daemon=True)
    producer.start()
    deadline = time.monotonic() + 5
    while page.jobs.qsize() < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert producer.is_alive() and page.jobs.qsize() == 100     # blocked: backpressure
    workers = [threading.Thread(target=page.consumer) for _ in range(2)]
    for w in workers:
        w.start()
    producer.join(timeout=10)
    for _ in workers:
        page.jobs.put(page.STOP)
    for w in workers:
        w.join(timeout=10)
    assert len(page.results) == 150
