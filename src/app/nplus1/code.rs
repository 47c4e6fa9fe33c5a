//! The code that produces each loading strategy, per ORM, for the panel
//! beside the query log.

use crate::sim::nplus1::{self, Depth, Params, Relation, Strategy, Then};

/// The libraries the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orm {
    /// SQLAlchemy 2.x (Python).
    SqlAlchemy,
    /// Django's ORM (Python).
    Django,
    /// GraphQL's DataLoader (JavaScript).
    DataLoader,
}

impl Orm {
    /// Every tab, in order.
    pub const ALL: [Orm; 3] = [Orm::SqlAlchemy, Orm::Django, Orm::DataLoader];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Orm::SqlAlchemy => "SQLAlchemy",
            Orm::Django => "Django",
            Orm::DataLoader => "DataLoader",
        }
    }

    /// A short id for element ids.
    pub fn id(self) -> &'static str {
        match self {
            Orm::SqlAlchemy => "sqlalchemy",
            Orm::Django => "django",
            Orm::DataLoader => "dataloader",
        }
    }
}

/// What the panel shows for a strategy in one ORM: the code, and a note.
pub struct Snippet {
    /// The code, when the ORM has this strategy.
    pub code: Option<String>,
    /// What to know about it.
    pub note: &'static str,
}

fn py_loop(depth: Depth, indent: &str) -> String {
    match depth {
        Depth::Orders => format!(
            "{indent}for user in users:\n{indent}    for order in user.orders:\n{indent}        print(user.name, order.total_cents)"
        ),
        Depth::Items => format!(
            "{indent}for user in users:\n{indent}    for order in user.orders:\n{indent}        for item in order.items:\n{indent}            print(user.name, item.sku, item.qty)"
        ),
    }
}

/// The loop over the relation walked, in Python, repeated for each pass;
/// `all` is Django's `.all()` on a related manager.
fn py_walk(p: &Params, all: &str) -> String {
    let body = match p.relation {
        Relation::Orders => py_loop(p.depth, "")
            .replace(".orders", &format!(".orders{all}"))
            .replace(".items", &format!(".items{all}")),
        Relation::User => "for order in orders:\n    print(order.id, order.user.name)".to_string(),
        Relation::Tags => format!(
            "for order in orders:\n    for tag in order.tags{all}:\n        print(order.id, tag.name)"
        ),
        Relation::Profile => "for user in users:\n    print(user.name, user.profile.bio)".to_string(),
    };
    if p.touch > 1 {
        let inner = body
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "for _ in range({}):  # passes of the loop\n{inner}",
            p.touch
        )
    } else {
        body
    }
}

/// The snippet for the tab `orm` of the run's parameters.
pub fn snippet(orm: Orm, p: &Params) -> Snippet {
    match orm {
        Orm::SqlAlchemy => sqlalchemy(p),
        Orm::Django => django(p),
        _ if p.relation != Relation::Orders => Snippet {
            code: None,
            note: "Shown for user.orders only: the model checks SQLAlchemy's and Django's statements for this relation, and has not checked this library's.",
        },
        Orm::DataLoader => dataloader(p.strategy, p.depth),
    }
}

/// Why the tab of `orm` has no code for these parameters, if it has none.
fn refused(orm: nplus1::Orm, p: &Params) -> Option<Snippet> {
    let note = Params { orm, ..p.clone() }.refusal()?;
    Some(Snippet { code: None, note })
}

/// SQLAlchemy's loader option for the parameters, on `attr` (and, nested,
/// on `Order.items` below it).
fn sa_option(p: &Params, attr: &str) -> Option<String> {
    let chunk = match p.batch {
        Some(b) if p.strategy == Strategy::SelectIn => format!(", chunksize={b}"),
        _ => String::new(),
    };
    let one = |name: &str, on: &str| match (p.strategy, name) {
        (Strategy::RaiseOnSql, _) => format!("raiseload({on}, sql_only=True)"),
        (Strategy::SelectIn, _) => format!("selectinload({on}{chunk})"),
        (_, n) => format!("{n}({on})"),
    };
    let name = match p.strategy {
        Strategy::Lazy | Strategy::DataLoader | Strategy::Peers => return None,
        Strategy::Joined => "joinedload",
        Strategy::SelectIn => "selectinload",
        Strategy::Subquery => "subqueryload",
        Strategy::Immediate => "immediateload",
        Strategy::Raise | Strategy::RaiseOnSql => "raiseload",
    };
    let top = one(name, attr);
    let nested = p.relation == Relation::Orders && p.depth == Depth::Items;
    let guard = matches!(p.strategy, Strategy::Raise | Strategy::RaiseOnSql);
    Some(if nested && !guard {
        let below = one(name, "Order.items").replacen(&format!("{name}("), &format!(".{name}("), 1);
        format!("\n    {top}{below}\n")
    } else {
        top
    })
}

/// SQLAlchemy's options for a strategy per level: the items' option
/// chained on the orders', a `chunksize=` on each `selectinload`.
fn sa_mixed(p: &Params) -> String {
    let chunk = match p.batch {
        Some(b) => format!(", chunksize={b}"),
        None => String::new(),
    };
    let option = |s: Option<Strategy>, on: &str| match s {
        Some(Strategy::Joined) => format!("joinedload({on})"),
        Some(Strategy::SelectIn) => format!("selectinload({on}{chunk})"),
        Some(Strategy::Subquery) => format!("subqueryload({on})"),
        Some(Strategy::Immediate) => format!("immediateload({on})"),
        Some(Strategy::Raise) => format!("raiseload({on})"),
        Some(Strategy::RaiseOnSql) => format!("raiseload({on}, sql_only=True)"),
        _ => format!("lazyload({on})"),
    };
    let top = option(Some(p.strategy), "User.orders");
    let below = option(p.then.strategy(), "Order.items");
    format!("\n    {top}.{below}\n")
}

/// What to know about a strategy per level, in SQLAlchemy.
const SA_MIXED_NOTE: &str = "The items' option is chained on the orders': it rides on whatever statement loads the orders. A joined second level joins into each of those statements, a subquery second level repeats each of them as a subquery, selectinload lists the keys each of them loaded, immediateload sends one query per order as soon as they are in, and raiseload makes the first touch of an order's items raise. Under immediateload(User.orders), a selectinload or immediateload of the items waits for the users query, so it runs once every user's orders are in.";

/// What to know about joining each order's items in, in Django.
const DJANGO_JOIN_ITEMS_NOTE: &str = "select_related cannot follow a reverse foreign key: the first orders query to carry select_related(\"items\") raises FieldError when it is compiled, after the users query ran (with no users, no orders query runs, and nothing raises). Load the items lazily or with prefetch_related.";

/// What to know about a strategy per level, in Django.
const DJANGO_MIXED_NOTE: &str = "A lookup on one level only: prefetch_related(\"orders\") leaves each order's items to their related manager (a query per order), and a prefetch_related(\"items\") on each user's orders queryset batches the items per user. A batch size is .iterator(chunk_size=N) on the queryset the prefetch runs from: each chunk is prefetched on its own.";

/// SQLAlchemy: the statement with its loader option, then the loop.
fn sqlalchemy(p: &Params) -> Snippet {
    if p.strategy == Strategy::DataLoader {
        return Snippet {
            code: None,
            note: "SQLAlchemy has no DataLoader; GraphQL servers built on it (Strawberry, Graphene) add one. Its own batching is selectinload.",
        };
    }
    if let Some(s) = refused(nplus1::Orm::SqlAlchemy, p) {
        return s;
    }
    let (model, list) = match p.relation {
        Relation::Orders | Relation::Profile => ("User", "users"),
        _ => ("Order", "orders"),
    };
    let attr = match p.relation {
        Relation::Orders => "User.orders",
        Relation::User => "Order.user",
        Relation::Tags => "Order.tags",
        Relation::Profile => "User.profile",
    };
    let option = if nplus1::mixes(p) {
        Some(sa_mixed(p))
    } else {
        sa_option(p, attr)
    };
    let stmt = match option {
        None => format!("select({model})"),
        Some(o) => format!("select({model}).options({o})"),
    };
    let unique = if p.strategy == Strategy::Joined
        && matches!(p.relation, Relation::Orders | Relation::Tags)
    {
        ".unique()"
    } else {
        ""
    };
    let mut code = String::new();
    if p.loaded > 0 {
        code.push_str(&format!(
            "# Loaded earlier in the session, and still referenced:\nkept = session.scalars(select(User).where(User.id <= {})).all()\n",
            p.loaded
        ));
    }
    code.push_str(&format!(
        "{list} = session.scalars({stmt}){unique}.all()\n{}",
        py_walk(p, "")
    ));
    let note = match p.strategy {
        _ if nplus1::mixes(p) => SA_MIXED_NOTE,
        Strategy::Lazy if p.relation == Relation::User => "lazy=\"select\": order.user looks in the session's identity map first, so only users not yet loaded cost a query.",
        Strategy::Lazy => "lazy=\"select\" is the default: each collection sends its own SELECT the first time it is read, even when it turns out empty.",
        Strategy::Joined => "One LEFT OUTER JOIN. A joined collection needs .unique(), because the parent comes back once per child row.",
        Strategy::SelectIn => "One SELECT ... IN (...) per 500 keys; SQLAlchemy 2.1 makes the 500 configurable (chunksize=). For a many-to-one it lists every distinct key, even those already in the identity map.",
        Strategy::Subquery => "Legacy: the second SELECT repeats the first query as a subquery. selectinload has replaced it.",
        Strategy::Immediate => "Eager, but one SELECT per parent, sent while the parents load: the N+1 moved earlier, not removed.",
        Strategy::Raise => "Touching the relation raises InvalidRequestError instead of loading: an N+1 becomes an error in tests.",
        _ => "Raises only where loading would send SQL: a many-to-one found in the identity map is allowed.",
    };
    Snippet {
        code: Some(code),
        note,
    }
}

/// Django: the queryset for the strategy, then the loop.
fn django(p: &Params) -> Snippet {
    if p.strategy == Strategy::DataLoader {
        return Snippet {
            code: None,
            note: "Django has no DataLoader; GraphQL servers built on it (Strawberry, Graphene) add one. Its own batching is prefetch_related.",
        };
    }
    if let Some(s) = refused(nplus1::Orm::Django, p) {
        return s;
    }
    let (model, list, path) = match p.relation {
        Relation::Orders if nplus1::mixes(p) => ("User", "users", "orders"),
        Relation::Orders if p.depth == Depth::Items => ("User", "users", "orders__items"),
        Relation::Orders => ("User", "users", "orders"),
        Relation::User => ("Order", "orders", "user"),
        Relation::Tags => ("Order", "orders", "tags"),
        Relation::Profile => ("User", "users", "profile"),
    };
    let mixed = nplus1::mixes(p);
    let qs = match p.strategy {
        Strategy::SelectIn if mixed && p.then == Then::Joined => format!("{model}.objects.prefetch_related(\n    Prefetch(\"orders\", queryset=Order.objects.select_related(\"items\"))\n)"),
        Strategy::SelectIn => format!("{model}.objects.prefetch_related(\"{path}\")"),
        Strategy::Joined => format!("{model}.objects.select_related(\"{path}\")"),
        Strategy::Peers => format!("{model}.objects.fetch_mode(models.FETCH_PEERS)"),
        Strategy::Raise => format!("{model}.objects.fetch_mode(models.FETCH_RAISE)"),
        _ => format!("{model}.objects.all()"),
    };
    let qs = match p.batch {
        Some(b) if p.strategy == Strategy::SelectIn => format!("{qs}.iterator(chunk_size={b})"),
        _ => qs,
    };
    let mut code = String::new();
    if p.loaded > 0 {
        code.push_str(&format!(
            "# Loaded earlier; Django keeps no identity map, so they do not help:\nkept = list(User.objects.filter(id__lte={}))\n",
            p.loaded
        ));
    }
    let mut walk = py_walk(p, ".all()");
    if mixed && p.strategy != Strategy::SelectIn {
        // Each user's orders, fetched lazily, carry the items' lookup.
        let chunked = match p.batch {
            Some(b) => format!(".iterator(chunk_size={b})"),
            None => String::new(),
        };
        let lookup = match p.then {
            Then::SelectIn => "prefetch_related(\"items\")",
            Then::Joined => "select_related(\"items\")",
            _ => "all()",
        };
        walk = walk.replacen(
            "user.orders.all()",
            &format!("user.orders.{lookup}{chunked}"),
            1,
        );
    }
    code.push_str(&format!("{list} = list({qs})\n{walk}"));
    let note = match (p.strategy, p.relation) {
        _ if mixed && p.then == Then::Joined => DJANGO_JOIN_ITEMS_NOTE,
        _ if mixed => DJANGO_MIXED_NOTE,
        (Strategy::Lazy, Relation::User) => "Each order fetches its own user: no identity map, so the same user is fetched again for every order.",
        (Strategy::Lazy, _) => "Each .all() on a related manager queries the database, every time it is called, on every pass.",
        (Strategy::SelectIn, _) => "One query per level with every key in one IN list, never split. To load in chunks, iterate with .iterator(chunk_size=N): each chunk is prefetched on its own; the batch size field sets N.",
        (Strategy::Joined, _) => "select_related follows foreign keys and one-to-one fields with a JOIN (INNER here: the key is not nullable).",
        (Strategy::Peers, Relation::User) => "Django 6.1: the first order.user fetches the users of every order the queryset loaded, in one IN list (a lone instance is fetched alone).",
        (Strategy::Raise, Relation::User | Relation::Profile) => "Django 6.1: fetching a foreign key or one-to-one that was not loaded raises FieldFetchBlocked.",
        (Strategy::Peers, Relation::Profile) => "Django 6.1: the first user.profile fetches the profiles of every user the queryset loaded, in one IN list (a lone instance is fetched alone).",
        _ => "Django 6.1's fetch modes cover foreign keys and one-to-one fields only: a reverse or many-to-many relation stays lazy, and nothing raises.",
    };
    Snippet {
        code: Some(code),
        note,
    }
}

/// GraphQL's DataLoader: the loaders of the DataLoader strategy only.
fn dataloader(s: Strategy, depth: Depth) -> Snippet {
    if s != Strategy::DataLoader {
        return Snippet {
            code: None,
            note: "Choose the DataLoader strategy to see the loader that batches these queries.",
        };
    }
    let items = if depth == Depth::Items {
        "\nconst itemsByOrder = new DataLoader(async (orderIds) => {\n  const rows = await sql`SELECT * FROM items WHERE order_id = ANY(${orderIds}) ORDER BY id`;\n  return orderIds.map((id) => rows.filter((r) => r.order_id === id));\n});\n// Order.items resolver: (order) => itemsByOrder.load(order.id)"
    } else {
        ""
    };
    Snippet {
        code: Some(format!(
            "// One loader per request, so its cache never outlives the request.\nconst ordersByUser = new DataLoader(async (userIds) => {{\n  const rows = await sql`SELECT * FROM orders WHERE user_id = ANY(${{userIds}}) ORDER BY id`;\n  // One result per key, in the order of the keys.\n  return userIds.map((id) => rows.filter((r) => r.user_id === id));\n}});\n// User.orders resolver: (user) => ordersByUser.load(user.id){items}"
        )),
        note: "Every load() in one tick joins one batch; repeated keys are answered from the loader's cache. maxBatchSize (no limit by default) splits large batches. When the SQL awaits real I/O, each orders batch resolves on its own, and its items are asked for in a tick of their own: with a maxBatchSize and uneven counts, more batches.",
    }
}

/// The panel of `orm` for the run's parameters, as HTML.
pub fn panel(orm: Orm, p: &Params) -> String {
    let s = snippet(orm, p);
    let code = s
        .code
        .map(|c| format!("<pre><code>{}</code></pre>", crate::app::html::escape(&c)))
        .unwrap_or_default();
    format!(
        r#"{code}<p class="note">{}</p>"#,
        crate::app::html::escape(s.note)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(strategy: Strategy, relation: Relation, depth: Depth) -> Params {
        Params {
            strategy,
            relation,
            depth,
            ..Params::default()
        }
    }

    #[test]
    fn every_combination_has_something_to_show() {
        for orm in Orm::ALL {
            for s in Strategy::EVERY {
                for rel in [Relation::Orders, Relation::User, Relation::Tags] {
                    for d in [Depth::Orders, Depth::Items] {
                        let sn = snippet(orm, &params(s, rel, d));
                        assert!(sn.code.is_some() || !sn.note.is_empty(), "{orm:?} {s:?}");
                    }
                }
            }
        }
        let p = params(Strategy::SelectIn, Relation::Orders, Depth::Items);
        let sa = snippet(Orm::SqlAlchemy, &p).code.unwrap_or_default();
        assert!(
            sa.contains("selectinload(User.orders).selectinload(Order.items)"),
            "{sa}"
        );
    }

    #[test]
    fn the_code_is_the_code_the_conformance_runs() {
        let p = Params {
            batch: Some(3),
            loaded: 4,
            touch: 2,
            ..params(Strategy::SelectIn, Relation::User, Depth::Orders)
        };
        let sa = snippet(Orm::SqlAlchemy, &p).code.unwrap_or_default();
        assert!(
            sa.contains("select(Order).options(selectinload(Order.user, chunksize=3))"),
            "{sa}"
        );
        assert!(
            sa.contains("User.id <= 4") && sa.contains("range(2)"),
            "{sa}"
        );
        let dj = snippet(Orm::Django, &p).code.unwrap_or_default();
        assert!(
            dj.contains("Order.objects.prefetch_related(\"user\").iterator(chunk_size=3)"),
            "{dj}"
        );
        let peers = params(Strategy::Peers, Relation::User, Depth::Orders);
        assert!(snippet(Orm::Django, &peers)
            .code
            .unwrap_or_default()
            .contains("FETCH_PEERS"));
        // A strategy the ORM refuses shows the refusal, not another ORM's code.
        assert!(snippet(Orm::SqlAlchemy, &peers).code.is_none());
        let raise = params(Strategy::RaiseOnSql, Relation::Orders, Depth::Items);
        let sa = snippet(Orm::SqlAlchemy, &raise).code.unwrap_or_default();
        assert!(sa.contains("raiseload(User.orders, sql_only=True)"), "{sa}");
        assert!(snippet(Orm::Django, &raise).code.is_none());
        let tags = params(Strategy::Joined, Relation::Tags, Depth::Orders);
        assert!(snippet(Orm::Django, &tags).note.contains("FieldError"));
    }

    #[test]
    fn a_strategy_per_level_is_the_chain_the_conformance_runs() {
        let mix = |strategy, then, batch| Params {
            then,
            batch,
            ..params(strategy, Relation::Orders, Depth::Items)
        };
        let sa = |p: &Params| snippet(Orm::SqlAlchemy, p).code.unwrap_or_default();
        let dj = |p: &Params| snippet(Orm::Django, p).code.unwrap_or_default();
        for (strategy, then, batch, chain) in [
            (
                Strategy::Joined,
                Then::SelectIn,
                None,
                "joinedload(User.orders).selectinload(Order.items)",
            ),
            (
                Strategy::SelectIn,
                Then::Joined,
                Some(2),
                "selectinload(User.orders, chunksize=2).joinedload(Order.items)",
            ),
            (
                Strategy::Subquery,
                Then::Lazy,
                None,
                "subqueryload(User.orders).lazyload(Order.items)",
            ),
            (
                Strategy::Lazy,
                Then::Subquery,
                None,
                "lazyload(User.orders).subqueryload(Order.items)",
            ),
            (
                Strategy::SelectIn,
                Then::RaiseOnSql,
                None,
                "selectinload(User.orders).raiseload(Order.items, sql_only=True)",
            ),
            (
                Strategy::Raise,
                Then::SelectIn,
                Some(3),
                "raiseload(User.orders).selectinload(Order.items, chunksize=3)",
            ),
        ] {
            let code = sa(&mix(strategy, then, batch));
            assert!(
                code.contains(&format!("select(User).options(\n    {chain}\n)")),
                "{code}"
            );
            assert_eq!(
                code.contains(".unique()"),
                strategy == Strategy::Joined,
                "{code}"
            );
        }
        let code = dj(&mix(Strategy::SelectIn, Then::Lazy, Some(4)));
        assert!(
            code.contains("User.objects.prefetch_related(\"orders\").iterator(chunk_size=4)"),
            "{code}"
        );
        let code = dj(&mix(Strategy::Lazy, Then::SelectIn, Some(4)));
        assert!(
            code.contains("user.orders.prefetch_related(\"items\").iterator(chunk_size=4)"),
            "{code}"
        );
        let code = dj(&mix(Strategy::Raise, Then::SelectIn, None));
        assert!(
            code.contains("FETCH_RAISE") && code.contains("prefetch_related(\"items\")"),
            "{code}"
        );
        // What Django cannot express shows why, never another ORM's code.
        let code = dj(&mix(Strategy::SelectIn, Then::Joined, None));
        assert!(
            code.contains("Prefetch(\"orders\", queryset=Order.objects.select_related(\"items\"))"),
            "{code}"
        );
        let code = dj(&mix(Strategy::Lazy, Then::Joined, None));
        assert!(
            code.contains("user.orders.select_related(\"items\")"),
            "{code}"
        );
        for then in [
            Then::Subquery,
            Then::Raise,
            Then::RaiseOnSql,
            Then::Immediate,
        ] {
            let s = snippet(Orm::Django, &mix(Strategy::SelectIn, then, None));
            assert!(s.code.is_none() && s.note.contains("items"), "{then:?}");
        }
    }

    #[test]
    fn an_immediate_level_is_the_chain_the_conformance_runs() {
        let mix = |strategy, then, batch| Params {
            then,
            batch,
            ..params(strategy, Relation::Orders, Depth::Items)
        };
        for (strategy, then, batch, chain) in [
            (
                Strategy::Immediate,
                Then::SelectIn,
                Some(2),
                "immediateload(User.orders).selectinload(Order.items, chunksize=2)",
            ),
            (
                Strategy::Joined,
                Then::Immediate,
                None,
                "joinedload(User.orders).immediateload(Order.items)",
            ),
            (
                Strategy::Immediate,
                Then::Raise,
                None,
                "immediateload(User.orders).raiseload(Order.items)",
            ),
        ] {
            let code = snippet(Orm::SqlAlchemy, &mix(strategy, then, batch))
                .code
                .unwrap_or_default();
            assert!(
                code.contains(&format!("select(User).options(\n    {chain}\n)")),
                "{code}"
            );
        }
        // Neither level can be immediateload in Django: the tab says so.
        for (first, then) in [
            (Strategy::Lazy, Then::Immediate),
            (Strategy::Immediate, Then::SelectIn),
            (Strategy::SelectIn, Then::Immediate),
        ] {
            let s = snippet(Orm::Django, &mix(first, then, None));
            assert!(
                s.code.is_none() && s.note.contains("eager-per-row"),
                "{first:?} {then:?}: {}",
                s.note
            );
        }
    }
}
