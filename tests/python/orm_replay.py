"""Runs the N+1 model's access pattern with the real ORMs, for the model's
conformance test (tests/it/nplus1_orms.rs).

Reads a JSON file of cases from the path given. Each case has `orm`
(`sqlalchemy` or `django`), `strategy` (`lazy`, `joined`, `selectin`,
`subquery`; for Django `selectin` is prefetch_related with the lookup
path, `prefetch_objects` the same with Prefetch objects, `joined` is
select_related), `batch` (SQLAlchemy's selectinload chunksize; for Django's
prefetch_related, `.iterator(chunk_size=batch)`; null for the default), `depth` (1: users and their orders; 2: each order's items
too), `orders` (the number of orders of each user, in user order) and
`items` (the number of items of each order, in order order). Ids are given
in that order from 1, as the model numbers them.

For each case the script builds the schema in a fresh in-memory SQLite,
inserts the rows, then loads the users with the strategy and touches each
user's orders (and each order's items), capturing every statement the ORM
sends with its bound parameters. Each captured statement is then run again
on the same connection to count its rows (they are all SELECTs, so running
one twice changes nothing). Writes, as JSON on standard output, per case:
either `statements`, each with `sql`, `params`, `table` (the table after
of the first column selected, alias suffix dropped), `kind` (`all`, `eq`, `in`, `join`, `subquery`), `keys`
(the bound keys of its IN list, or of its `= ?`) and `rows`; or `refused`,
the error the ORM raised for a strategy it does not have.
"""

import json
import re
import sys
from importlib.metadata import version

# -- SQLAlchemy ---------------------------------------------------------------

from sqlalchemy import ForeignKey, create_engine, event, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
    subqueryload,
)
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class SaUser(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]
    orders: Mapped[list["SaOrder"]] = relationship(back_populates="user")


class SaOrder(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    total_cents: Mapped[int]
    user: Mapped[SaUser] = relationship(back_populates="orders")
    items: Mapped[list["SaItem"]] = relationship(back_populates="order")


class SaItem(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sku: Mapped[str]
    qty: Mapped[int]
    order: Mapped[SaOrder] = relationship(back_populates="items")


def rows_of(case):
    """The users, orders and items of a case, as tuples in id order."""
    users, orders, items = [], [], []
    o = i = 0
    for u, n in enumerate(case["orders"], start=1):
        users.append((u, f"user{u}", f"user{u}@example.com"))
        for _ in range(n):
            o += 1
            orders.append((o, u, 100 + o))
    for o, n in enumerate(case["items"], start=1):
        for _ in range(n):
            i += 1
            items.append((i, o, f"SKU-{i:04}", 1 + i % 5))
    return users, orders, items


def run_sqlalchemy(case):
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    Base.metadata.create_all(engine)
    users, orders, items = rows_of(case)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.executemany("INSERT INTO users VALUES (?, ?, ?)", users)
        raw.executemany("INSERT INTO orders VALUES (?, ?, ?)", orders)
        raw.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", items)

    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, list(parameters or ())))

    event.listen(engine, "before_cursor_execute", capture)
    strategy, nested, batch = case["strategy"], case["depth"] == 2, case["batch"]
    stmt = select(SaUser)
    if strategy == "joined":
        opt = joinedload(SaUser.orders)
        stmt = stmt.options(opt.joinedload(SaOrder.items) if nested else opt)
    elif strategy == "selectin":
        opt = selectinload(SaUser.orders, chunksize=batch)
        stmt = stmt.options(
            opt.selectinload(SaOrder.items, chunksize=batch) if nested else opt
        )
    elif strategy == "subquery":
        opt = subqueryload(SaUser.orders)
        stmt = stmt.options(opt.subqueryload(SaOrder.items) if nested else opt)
    elif strategy != "lazy":
        return {"refused": f"SQLAlchemy has no strategy {strategy!r}"}
    with Session(engine) as session:
        result = session.scalars(stmt)
        if strategy == "joined":
            result = result.unique()
        touch(result.all(), nested, lambda u: u.orders, lambda o: o.items)
    event.remove(engine, "before_cursor_execute", capture)
    raw = engine.raw_connection()
    out = [describe(sql, params, raw) for sql, params in seen]
    raw.close()
    engine.dispose()
    return {"statements": out}


def touch(users, nested, orders_of, items_of):
    """The code under test: every user's orders, and every order's items."""
    for user in users:
        for order in orders_of(user):
            if nested:
                for _item in items_of(order):
                    pass


# -- Django -------------------------------------------------------------------

try:
    import django
    from django.conf import settings
except ImportError:
    sys.exit(
        "Django is not in this virtualenv: Django 6 needs Python 3.12 or later, "
        f"and this is {sys.version.split()[0]} (scripts/setup.sh, ensure_python, "
        "builds the virtualenv with the newest Python it finds)"
    )

settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()

from django.core.exceptions import FieldError
from django.db import connection, models
from django.db.models import Prefetch


class DjUser(models.Model):
    name = models.TextField()
    email = models.TextField()

    class Meta:
        app_label = "shop"
        db_table = "users"


class DjOrder(models.Model):
    user = models.ForeignKey(DjUser, models.CASCADE, related_name="orders")
    total_cents = models.IntegerField()

    class Meta:
        app_label = "shop"
        db_table = "orders"


class DjItem(models.Model):
    order = models.ForeignKey(DjOrder, models.CASCADE, related_name="items")
    sku = models.TextField()
    qty = models.IntegerField()

    class Meta:
        app_label = "shop"
        db_table = "items"


def run_django(case):
    with connection.schema_editor() as editor:
        for m in (DjUser, DjOrder, DjItem):
            editor.create_model(m)
    try:
        return django_case(case)
    finally:
        with connection.schema_editor() as editor:
            for m in (DjItem, DjOrder, DjUser):
                editor.delete_model(m)


def django_case(case):
    users, orders, items = rows_of(case)
    with connection.cursor() as c:
        c.executemany("INSERT INTO users VALUES (%s, %s, %s)", users)
        c.executemany("INSERT INTO orders VALUES (%s, %s, %s)", orders)
        c.executemany("INSERT INTO items VALUES (%s, %s, %s, %s)", items)
    strategy, nested = case["strategy"], case["depth"] == 2
    path = "orders__items" if nested else "orders"
    qs = DjUser.objects.all()
    seen = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(capture):
            if strategy == "lazy":
                touch(
                    list(qs), nested, lambda u: u.orders.all(), lambda o: o.items.all()
                )
            elif strategy == "selectin":
                pf = qs.prefetch_related(path)
                # A batch size is Django's only chunking of a prefetch:
                # .iterator(chunk_size=) prefetches per chunk of users.
                batch = case["batch"]
                touch(
                    list(pf.iterator(chunk_size=batch) if batch else pf),
                    nested,
                    lambda u: u.orders.all(),
                    lambda o: o.items.all(),
                )
            elif strategy == "prefetch_objects":
                inner = (
                    [Prefetch("items", queryset=DjItem.objects.all())] if nested else []
                )
                p = Prefetch("orders", queryset=DjOrder.objects.prefetch_related(*inner))
                touch(
                    list(qs.prefetch_related(p)),
                    nested,
                    lambda u: u.orders.all(),
                    lambda o: o.items.all(),
                )
            elif strategy == "joined":
                touch(
                    list(qs.select_related(path)),
                    nested,
                    lambda u: u.orders.all(),
                    lambda o: o.items.all(),
                )
            else:
                return {"refused": f"Django has no strategy {strategy!r}"}
    except FieldError as e:
        return {"refused": f"FieldError: {e}"}
    except Exception as e:  # noqa: BLE001 - the error is the finding
        return {"error": f"{type(e).__name__}: {e}", "statements": summary(seen)}
    with connection.cursor() as c:
        out = [describe(sql.replace("%s", "?"), params, c) for sql, params in seen]
    return {"statements": out}


def summary(seen):
    return [
        {"sql": sql[:200], "params": len(params)} for sql, params in seen
    ]


# -- Both ---------------------------------------------------------------------

FIRST = re.compile(r'^\s*SELECT\s+"?([a-z]+?)(?:_\d+)?"?\.', re.I)
IN = re.compile(r"\bIN\s*\(([^()]*)\)", re.I)
EQ = re.compile(r'(?:=\s*\?|\?\s*=|=\s*%s)', re.I)


def describe(sql, params, cursor):
    """A captured statement: its kind, keys and the rows it returns."""
    rows = len(cursor.execute(sql, params).fetchall())
    m = FIRST.search(sql)
    table = m.group(1) if m else ""
    if sql.upper().count("SELECT") > 1:
        kind = "subquery"
    elif IN.search(sql):
        kind = "in"
    elif re.search(r"\bJOIN\b", sql, re.I):
        kind = "join"
    elif EQ.search(sql):
        kind = "eq"
    else:
        kind = "all"
    return {
        "sql": sql,
        "params": params,
        "table": table,
        "kind": kind,
        "keys": params if kind in ("in", "eq") else [],
        "rows": rows,
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    runners = {"sqlalchemy": run_sqlalchemy, "django": run_django}
    out = []
    for case in cases:
        run = runners.get(case["orm"])
        out.append(run(case) if run else {"refused": f"no ORM {case['orm']!r}"})
    json.dump(
        {
            "versions": {
                "SQLAlchemy": version("SQLAlchemy"),
                "Django": version("Django"),
                "sqlite": __import__("sqlite3").sqlite_version,
            },
            "cases": out,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
