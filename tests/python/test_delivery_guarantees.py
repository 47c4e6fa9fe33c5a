import psycopg
import pytest

pytestmark = pytest.mark.block("idempotent-consumer")


def test_a_redelivery_makes_no_second_order_and_both_are_acknowledged(run_block, pg):
    page = run_block()
    page.main(pg.dsn)                    # the page's own run: asserts one order, both acked
    with psycopg.connect(pg.dsn, autocommit=True) as conn:
        assert conn.execute("SELECT id, total_cents FROM orders").fetchall() == [("o-1", 4200)]
        assert conn.execute("SELECT message_id FROM processed_messages").fetchall() == [("m-1",)]


def test_the_dedup_record_and_the_effect_commit_together(run_block, pg):
    page = run_block()
    with psycopg.connect(pg.dsn, autocommit=True) as conn:
        conn.execute(page.SCHEMA)
        broken = page.Message("m-2", {"order_id": "o-2"})          # no total: the work fails
        with pytest.raises(KeyError):
            page.handle(broken, conn)
        assert not broken.acked                                     # not acked: redelivered
        # The failed attempt left no dedup record, so the redelivery does the work.
        assert conn.execute("SELECT count(*) FROM processed_messages").fetchone()[0] == 0
        retry = page.Message("m-2", {"order_id": "o-2", "total_cents": 100})
        page.handle(retry, conn)
        assert retry.acked
        assert conn.execute("SELECT total_cents FROM orders WHERE id = 'o-2'").fetchone()[0] == 100
        for _ in range(3):                                          # later duplicates: acked, no effect
            dup = page.Message("m-2", {"order_id": "o-2", "total_cents": 100})
            page.handle(dup, conn)
            assert dup.acked
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
