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

Optional keys: `relation` (`user.orders`, the default, or `order.user`:
load every order, then touch each order's user), `loaded` (the session,
or the code, first loads the users with ids up to it; 0 for none) and
`touch` (how many times the loop touches each relation; 1 by default).
Further strategies: `immediate` (SQLAlchemy's immediateload), `raise`
(SQLAlchemy's raiseload, Django 6.1's fetch_mode(FETCH_RAISE)),
`raise_on_sql` (raiseload(sql_only=True)) and `peers` (Django's
fetch_mode(FETCH_PEERS)). `then` (with depth 2): how each order's
items load when not as the orders do, any of the strategies above (for
SQLAlchemy the items' option chained on the orders', as
`immediateload(User.orders).options(selectinload(Order.items))`). A case where the ORM raises while the loop runs
answers `raised` (the exception's class and message, the replay's model
class names written as the model's, `User`, `Order`, `Item`) beside the
statements sent before it.

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
import os
import re
import sys
import types
from importlib.metadata import version

# -- SQLAlchemy ---------------------------------------------------------------

from sqlalchemy import Column, ForeignKey, Table, create_engine, event, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    immediateload,
    joinedload,
    lazyload,
    mapped_column,
    raiseload,
    relationship,
    selectinload,
    subqueryload,
)
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


ORDER_TAGS = Table(
    "order_tags",
    Base.metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class SaTag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class SaProfile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    bio: Mapped[str]


class SaUser(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]
    orders: Mapped[list["SaOrder"]] = relationship(back_populates="user")
    profile: Mapped[SaProfile] = relationship()


class SaOrder(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    total_cents: Mapped[int]
    user: Mapped[SaUser] = relationship(back_populates="orders")
    items: Mapped[list["SaItem"]] = relationship(back_populates="order")
    tags: Mapped[list[SaTag]] = relationship(secondary=ORDER_TAGS)


class SaItem(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sku: Mapped[str]
    qty: Mapped[int]
    order: Mapped[SaOrder] = relationship(back_populates="items")


TAGS = 40


def tags_of(case):
    """The tags table, and the order_tags rows: for `order.tags` a case's
    `items` are the tag counts, tag `p` of order `o` being `(7o + p) % 40 + 1`
    (the model's rule)."""
    links = []
    for o, n in enumerate(case["items"], start=1):
        links.extend((o, (7 * o + p) % TAGS + 1) for p in range(n))
    return [(t, f"tag{t}") for t in range(1, TAGS + 1)], links


def profiles_of(users):
    """One profile per user: profile `u` is user `u`'s, its bio `bio{u}`."""
    return [(u, u, f"bio{u}") for u, _, _ in users]


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
        tags, links = tags_of(case)
        raw.executemany("INSERT INTO tags VALUES (?, ?)", tags)
        raw.executemany("INSERT INTO order_tags VALUES (?, ?)", links)
        raw.executemany("INSERT INTO profiles VALUES (?, ?, ?)", profiles_of(users))

    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, list(parameters or ())))

    event.listen(engine, "before_cursor_execute", capture)
    raised = None
    try:
        with Session(engine) as session:
            if case.get("relation") == "order.user":
                sqlalchemy_many_to_one(session, case)
            elif case.get("relation") == "order.tags":
                sqlalchemy_many_to_many(session, case)
            elif case.get("relation") == "user.profile":
                sqlalchemy_one_to_one(session, case)
            else:
                sqlalchemy_one_to_many(session, case)
    except InvalidRequestError as e:
        raised = f"{type(e).__name__}: {named(str(e))}"
    except ValueError as e:
        return {"refused": str(e)}
    event.remove(engine, "before_cursor_execute", capture)
    raw = engine.raw_connection()
    out = [describe(sql, params, raw) for sql, params in seen]
    raw.close()
    engine.dispose()
    return {"statements": out, **({"raised": raised} if raised else {})}


def named(message):
    """An error message with the replay's class names made the model's."""
    return re.sub(r"\b(?:Sa|Dj)(User|Order|Item)\b", r"\1", message)


def preload(session, case):
    """The users the session loads before the loop, kept referenced."""
    k = case.get("loaded", 0)
    return session.scalars(select(SaUser).where(SaUser.id <= k)).all() if k else []


def sa_option(strategy, attr, batch):
    """The loader option of one SQLAlchemy strategy on one relationship."""
    options = {
        "lazy": lambda: None,
        "joined": lambda: joinedload(attr),
        "selectin": lambda: selectinload(attr, chunksize=batch),
        "subquery": lambda: subqueryload(attr),
        "immediate": lambda: immediateload(attr),
        "raise": lambda: raiseload(attr),
        "raise_on_sql": lambda: raiseload(attr, sql_only=True),
    }
    if strategy not in options:
        raise ValueError(f"SQLAlchemy has no strategy {strategy!r}")
    return options[strategy]()


def sqlalchemy_one_to_many(session, case):
    strategy, nested, batch = case["strategy"], case["depth"] == 2, case["batch"]
    kept = preload(session, case)
    stmt = select(SaUser)
    opt = sa_option(strategy, SaUser.orders, batch)
    if opt is not None:
        # A guard guards the first level; below it the items would load
        # lazily, but the guard raises first.
        inner = "lazy" if strategy.startswith("raise") else strategy
        sub = sa_option(inner, SaOrder.items, batch) if nested else None
        stmt = stmt.options(opt.options(sub) if sub is not None else opt)
    then = case.get("then") or strategy
    if nested and then != strategy:
        # A strategy per level: the items load as `then` says.
        top = sa_option(strategy, SaUser.orders, batch) or lazyload(SaUser.orders)
        sub = sa_option(then, SaOrder.items, batch) or lazyload(SaOrder.items)
        stmt = select(SaUser).options(top.options(sub))
    result = session.scalars(stmt)
    if strategy == "joined":
        result = result.unique()
    users = result.all()
    for _ in range(case.get("touch", 1)):
        touch(users, nested, lambda u: u.orders, lambda o: o.items)
    return kept


def sqlalchemy_many_to_one(session, case):
    kept = preload(session, case)
    stmt = select(SaOrder)
    opt = sa_option(case["strategy"], SaOrder.user, case["batch"])
    if opt is not None:
        stmt = stmt.options(opt)
    orders = session.scalars(stmt).all()
    for _ in range(case.get("touch", 1)):
        for order in orders:
            _ = order.user
    return kept


def sqlalchemy_one_to_one(session, case):
    kept = preload(session, case)
    stmt = select(SaUser)
    opt = sa_option(case["strategy"], SaUser.profile, case["batch"])
    if opt is not None:
        stmt = stmt.options(opt)
    users = session.scalars(stmt).all()
    for _ in range(case.get("touch", 1)):
        for user in users:
            _ = user.profile
    return kept


def sqlalchemy_many_to_many(session, case):
    kept = preload(session, case)
    stmt = select(SaOrder)
    opt = sa_option(case["strategy"], SaOrder.tags, case["batch"])
    if opt is not None:
        stmt = stmt.options(opt)
    result = session.scalars(stmt)
    if case["strategy"] == "joined":
        result = result.unique()
    orders = result.all()
    for _ in range(case.get("touch", 1)):
        for order in orders:
            list(order.tags)
    return kept


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

# The models' app, "shop", is installed, as in a real project: Django
# finds reverse relations (select_related("profile")) through the apps it
# has installed. It is a module made here, with no files of its own.
SHOP = types.ModuleType("shop")
SHOP.__path__ = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "shop-app")]
sys.modules["shop"] = SHOP
settings.configure(
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=["shop"],
    USE_TZ=True,
)
django.setup()

from django.core.exceptions import FieldError, FieldFetchBlocked
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


class DjProfile(models.Model):
    user = models.OneToOneField(DjUser, models.CASCADE, related_name="profile")
    bio = models.TextField()

    class Meta:
        app_label = "shop"
        db_table = "profiles"


class DjTag(models.Model):
    name = models.TextField()

    class Meta:
        app_label = "shop"
        db_table = "tags"


class DjOrderTag(models.Model):
    order = models.ForeignKey(DjOrder, models.CASCADE)
    tag = models.ForeignKey(DjTag, models.CASCADE)

    class Meta:
        app_label = "shop"
        db_table = "order_tags"


# Declared from the tag's side, so that DjOrder keeps the same columns.
DjTag.add_to_class(
    "orders", models.ManyToManyField(DjOrder, through=DjOrderTag, related_name="tags")
)
MODELS = (DjUser, DjOrder, DjItem, DjTag, DjOrderTag, DjProfile)


def run_django(case):
    with connection.schema_editor() as editor:
        for m in MODELS:
            editor.create_model(m)
    try:
        return django_case(case)
    finally:
        with connection.schema_editor() as editor:
            for m in reversed(MODELS):
                editor.delete_model(m)


def django_case(case):
    users, orders, items = rows_of(case)
    with connection.cursor() as c:
        c.executemany("INSERT INTO users VALUES (%s, %s, %s)", users)
        c.executemany("INSERT INTO orders VALUES (%s, %s, %s)", orders)
        c.executemany("INSERT INTO items VALUES (%s, %s, %s, %s)", items)
        tags, links = tags_of(case)
        c.executemany("INSERT INTO tags VALUES (%s, %s)", tags)
        c.executemany(
            "INSERT INTO order_tags (order_id, tag_id) VALUES (%s, %s)", links
        )
        c.executemany("INSERT INTO profiles VALUES (%s, %s, %s)", profiles_of(users))
    seen = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    raised = None
    try:
        with connection.execute_wrapper(capture):
            k = case.get("loaded", 0)
            kept = list(DjUser.objects.filter(id__lte=k)) if k else []
            if case.get("relation") == "order.user":
                django_many_to_one(case)
            elif case.get("relation") == "order.tags":
                django_many_to_many(case)
            elif case.get("relation") == "user.profile":
                django_one_to_one(case)
            else:
                django_one_to_many(case)
            del kept
    except FieldFetchBlocked as e:  # a FieldError: before it
        raised = f"{type(e).__name__}: {named(str(e))}"
    except Raised as e:
        raised = str(e)
    except FieldError as e:
        return {"refused": f"FieldError: {e}"}
    except ValueError as e:
        return {"refused": str(e)}
    except Exception as e:  # noqa: BLE001 - the error is the finding
        return {"error": f"{type(e).__name__}: {e}", "statements": summary(seen)}
    with connection.cursor() as c:
        out = [describe(sql.replace("%s", "?"), params, c) for sql, params in seen]
    return {"statements": out, **({"raised": raised} if raised else {})}


def django_queryset(qs, strategy, path, batch):
    """The queryset of one Django strategy, listed (or iterated in chunks)."""
    if strategy == "lazy":
        return list(qs)
    if strategy == "selectin":
        pf = qs.prefetch_related(path)
        # A batch size is Django's only chunking of a prefetch:
        # .iterator(chunk_size=) prefetches per chunk of parents.
        return list(pf.iterator(chunk_size=batch) if batch else pf)
    if strategy == "joined":
        return list(qs.select_related(path))
    if strategy == "peers":
        return list(qs.fetch_mode(models.FETCH_PEERS))
    if strategy == "raise":
        return list(qs.fetch_mode(models.FETCH_RAISE))
    raise ValueError(f"Django has no strategy {strategy!r}")


def django_one_to_many(case):
    strategy, nested = case["strategy"], case["depth"] == 2
    path = "orders__items" if nested else "orders"
    then = case.get("then") or strategy
    if nested and then != strategy:
        return django_mixed(case, strategy, then)
    if strategy == "prefetch_objects":
        inner = [Prefetch("items", queryset=DjItem.objects.all())] if nested else []
        p = Prefetch("orders", queryset=DjOrder.objects.prefetch_related(*inner))
        users = list(DjUser.objects.prefetch_related(p))
    else:
        users = django_queryset(DjUser.objects.all(), strategy, path, case["batch"])
    for _ in range(case.get("touch", 1)):
        touch(users, nested, lambda u: u.orders.all(), lambda o: o.items.all())


def django_items(then, objects):
    """How each order's items load under a strategy per level: the orders
    queryset's own lookups (None for lazy items)."""
    if then == "lazy":
        return None
    if then == "selectin":
        return Prefetch("items", queryset=DjItem.objects.all()) if objects else "items"
    if then == "joined":
        # A reverse foreign key: select_related raises FieldError.
        return ("select_related", "items")
    raise ValueError(f"Django has no strategy {then!r} for order.items")


def django_mixed(case, strategy, then):
    """A strategy per level: prefetched orders (a lookup path, or Prefetch
    objects) with the items loaded per `then`, or lazy orders (Django's
    fetch modes leave a reverse relation lazy), each user's orders query
    carrying the items' lookup; a batch size is .iterator(chunk_size=)
    on the queryset the prefetch runs from."""
    try:
        django_levels(case, strategy, then)
    except FieldError as e:
        # Raised when the orders query that joins the items in compiles,
        # after the users query ran: what the loop meets, not a refusal
        # (a select_related("orders") on the users is one).
        if "'items'" not in str(e):
            raise
        raise Raised(f"FieldError: {e}") from e


class Raised(Exception):
    """An error the ORM raised while the loop ran, after some statements."""


def django_levels(case, strategy, then):
    objects = strategy == "prefetch_objects"
    below, batch = django_items(then, objects), case["batch"]

    def orders_qs(qs):
        if isinstance(below, tuple):
            return qs.select_related(below[1])
        return qs.prefetch_related(below) if below is not None else qs

    def listed(qs):
        return list(qs.iterator(chunk_size=batch) if batch else qs)

    if strategy in ("selectin", "prefetch_objects"):
        inner = orders_qs(DjOrder.objects.all())
        lookup = Prefetch("orders", queryset=inner) if objects or below is not None else "orders"
        users = listed(DjUser.objects.prefetch_related(lookup))
        orders_of = lambda u: u.orders.all()  # noqa: E731
    else:
        users = django_queryset(DjUser.objects.all(), strategy, "orders", None)
        orders_of = lambda u: listed(orders_qs(u.orders.all()))  # noqa: E731
    for _ in range(case.get("touch", 1)):
        touch(users, True, orders_of, lambda o: o.items.all())


def django_one_to_one(case):
    users = django_queryset(DjUser.objects.all(), case["strategy"], "profile", case["batch"])
    for _ in range(case.get("touch", 1)):
        for user in users:
            _ = user.profile


def django_many_to_many(case):
    qs = DjOrder.objects.all()
    orders = django_queryset(qs, case["strategy"], "tags", case["batch"])
    for _ in range(case.get("touch", 1)):
        for order in orders:
            list(order.tags.all())


def django_many_to_one(case):
    qs = DjOrder.objects.all()
    orders = django_queryset(qs, case["strategy"], "user", case["batch"])
    for _ in range(case.get("touch", 1)):
        for order in orders:
            _ = order.user


def summary(seen):
    return [
        {"sql": sql[:200], "params": len(params)} for sql, params in seen
    ]


# -- Both ---------------------------------------------------------------------

FIRST = re.compile(r'^\s*SELECT\s+\(?"?([a-z_]+?)(?:_\d+)?"?\.', re.I)
IN = re.compile(r"\bIN\s*\(", re.I)
UPTO = re.compile(r"<=\s*\?", re.I)
EQ = re.compile(r'(?:=\s*\?|\?\s*=|=\s*%s)', re.I)


def describe(sql, params, cursor):
    """A captured statement: its kind, keys and the rows it returns."""
    rows = len(cursor.execute(sql, params).fetchall())
    m = FIRST.search(sql)
    table = m.group(1) if m else ""
    # A many-to-many's rows are tags, whichever column comes first.
    table = "tags" if table == "order_tags" else table
    if sql.upper().count("SELECT") > 1:
        kind = "subquery"
    elif IN.search(sql):
        kind = "in"
    elif UPTO.search(sql):
        kind = "upto"
    elif EQ.search(sql):
        kind = "eq"
    elif re.search(r"\bJOIN\b", sql, re.I):
        kind = "join"
    else:
        kind = "all"
    return {
        "sql": sql,
        "params": params,
        "table": table,
        "kind": kind,
        "keys": params if kind in ("in", "eq", "upto") else [],
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
