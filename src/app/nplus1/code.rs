//! The code that produces each loading strategy, per ORM, for the panel
//! beside the query log.

use crate::sim::nplus1::{Depth, Strategy};

/// The libraries the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orm {
    /// SQLAlchemy 2.x (Python).
    SqlAlchemy,
    /// Django's ORM (Python).
    Django,
    /// Rails' Active Record (Ruby).
    ActiveRecord,
    /// GraphQL's DataLoader (JavaScript).
    DataLoader,
}

impl Orm {
    /// Every tab, in order.
    pub const ALL: [Orm; 4] = [
        Orm::SqlAlchemy,
        Orm::Django,
        Orm::ActiveRecord,
        Orm::DataLoader,
    ];

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Orm::SqlAlchemy => "SQLAlchemy",
            Orm::Django => "Django",
            Orm::ActiveRecord => "Active Record",
            Orm::DataLoader => "DataLoader",
        }
    }

    /// A short id for element ids.
    pub fn id(self) -> &'static str {
        match self {
            Orm::SqlAlchemy => "sqlalchemy",
            Orm::Django => "django",
            Orm::ActiveRecord => "rails",
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

/// The snippet for `strategy` in `orm` at `depth`.
pub fn snippet(orm: Orm, strategy: Strategy, depth: Depth) -> Snippet {
    match orm {
        Orm::SqlAlchemy => sqlalchemy(strategy, depth),
        Orm::Django => django(strategy, depth),
        Orm::ActiveRecord => active_record(strategy, depth),
        Orm::DataLoader => dataloader(strategy, depth),
    }
}

/// SQLAlchemy: a loader option per strategy, no DataLoader.
fn sqlalchemy(s: Strategy, depth: Depth) -> Snippet {
    let nested = depth == Depth::Items;
    let option = match s {
        Strategy::Lazy => None,
        Strategy::Joined => Some("joinedload"),
        Strategy::SelectIn => Some("selectinload"),
        Strategy::Subquery => Some("subqueryload"),
        Strategy::Immediate => Some("immediateload"),
        Strategy::Raise | Strategy::RaiseOnSql => Some("raiseload"),
        Strategy::DataLoader => {
            return Snippet {
                code: None,
                note: "SQLAlchemy has no DataLoader; GraphQL servers built on it (Strawberry, Graphene) add one. Its own batching is selectinload.",
            }
        }
        Strategy::Peers => {
            return Snippet {
                code: None,
                note: "SQLAlchemy has no fetch-peers mode; selectinload loads a relation for every parent of the query, up front.",
            }
        }
    };
    let stmt = match (option, nested) {
        (None, _) => "select(User)".to_string(),
        (Some(o), false) => format!("select(User).options({o}(User.orders))"),
        (Some(o), true) => {
            format!("select(User).options(\n    {o}(User.orders).{o}(Order.items)\n)")
        }
    };
    let unique = if s == Strategy::Joined {
        ".unique()"
    } else {
        ""
    };
    let code = format!(
        "users = session.scalars({stmt}){unique}.all()\n{}",
        py_loop(depth, "")
    );
    let note = match s {
        Strategy::Lazy => "lazy=\"select\" is the default: each user.orders (and order.items) sends its own SELECT the first time it is read, even when the collection turns out empty.",
        Strategy::Joined => "One LEFT OUTER JOIN. A joined collection needs .unique(), because the parent comes back once per child row.",
        Strategy::SelectIn => "One SELECT ... WHERE user_id IN (...) per 500 keys; SQLAlchemy 2.1 makes the 500 configurable (chunksize=). Usually the best default for collections.",
        Strategy::Subquery => "Legacy: the second SELECT repeats the first query as a subquery. selectinload has replaced it.",
        Strategy::Immediate => "Eager, but one SELECT per parent, sent while the parents load: the N+1 moved earlier, not removed.",
        Strategy::Raise => "Touching the relation raises InvalidRequestError instead of loading: an N+1 becomes an error in tests.",
        Strategy::RaiseOnSql => "Raises only where loading would send SQL: a many-to-one found in the identity map is allowed.",
        Strategy::DataLoader | Strategy::Peers => "",
    };
    Snippet {
        code: Some(code),
        note,
    }
}

/// Django: lazy related managers and prefetch_related; select_related
/// cannot follow a collection.
fn django(s: Strategy, depth: Depth) -> Snippet {
    let nested = depth == Depth::Items;
    match s {
        Strategy::Lazy => Snippet {
            code: Some(format!(
                "users = User.objects.all()\n{}",
                py_loop(depth, "").replace(".orders", ".orders.all()").replace(".items", ".items.all()")
            )),
            note: "Each .all() on a related manager queries the database, every time it is called.",
        },
        Strategy::SelectIn => Snippet {
            code: Some(format!(
                "users = User.objects.prefetch_related(\"{}\")\n{}",
                if nested { "orders__items" } else { "orders" },
                py_loop(depth, "").replace(".orders", ".orders.all()").replace(".items", ".items.all()")
            )),
            note: "One query per level with every key in one IN list, never split (choose Django's statements above to see them). To load in chunks, iterate with .iterator(chunk_size=N): each chunk of users is prefetched on its own; the batch size field sets N.",
        },
        Strategy::Joined => Snippet {
            code: Some("# select_related joins single-valued relations only:\norders = Order.objects.select_related(\"user\")".to_string()),
            note: "select_related follows ForeignKey and one-to-one fields, not collections, so users-to-orders cannot be JOIN-loaded; load from the order side, or prefetch.",
        },
        _ => Snippet {
            code: None,
            note: "Django has no such strategy; prefetch_related (batch loading) is its answer for collections.",
        },
    }
}

/// Active Record: lazy associations, preload and eager_load.
fn active_record(s: Strategy, depth: Depth) -> Snippet {
    let nested = depth == Depth::Items;
    let method = match s {
        Strategy::Lazy => None,
        Strategy::Joined => Some("eager_load"),
        Strategy::SelectIn => Some("preload"),
        _ => {
            return Snippet {
                code: None,
                note: "Active Record has no such strategy; preload (batch loading) and eager_load (JOIN) are its two. GraphQL Ruby apps batch with graphql-batch.",
            }
        }
    };
    let assoc = if nested { "orders: :items" } else { ":orders" };
    let scope = match method {
        None => "User.all".to_string(),
        Some(m) => format!("User.{m}({assoc})"),
    };
    let body = if nested {
        "  user.orders.each do |order|\n    order.items.each { |item| puts \"#{user.name} #{item.sku} #{item.qty}\" }\n  end"
    } else {
        "  user.orders.each { |order| puts \"#{user.name} #{order.total_cents}\" }"
    };
    let note = match s {
        Strategy::Lazy => "Each association is loaded on first use. Outside a request there is no query cache, so every load is a round trip; strict_loading turns these into errors.",
        Strategy::Joined => "One LEFT OUTER JOIN with aliased columns. includes switches to this when a condition references the included table.",
        _ => "One query per association with every key in one IN list (no chunking), so set the batch size to 10,000 to match. includes does this by default.",
    };
    Snippet {
        code: Some(format!("{scope}.each do |user|\n{body}\nend")),
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
        note: "Every load() in one tick joins one batch; repeated keys are answered from the loader's cache. maxBatchSize (no limit by default) splits large batches.",
    }
}

/// The panel of `orm` for `strategy` at `depth`, as HTML.
pub fn panel(orm: Orm, strategy: Strategy, depth: Depth) -> String {
    let s = snippet(orm, strategy, depth);
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

    #[test]
    fn every_combination_has_something_to_show() {
        for orm in Orm::ALL {
            for s in Strategy::ALL {
                for d in [Depth::Orders, Depth::Items] {
                    let sn = snippet(orm, s, d);
                    assert!(sn.code.is_some() || !sn.note.is_empty(), "{orm:?} {s:?}");
                    if let Some(code) = sn.code {
                        let expect_items =
                            d == Depth::Items && !(orm == Orm::Django && s == Strategy::Joined);
                        assert_eq!(
                            code.contains("item"),
                            expect_items,
                            "{orm:?} {s:?} {d:?}:\n{code}"
                        );
                    }
                }
            }
        }
        let sa = snippet(Orm::SqlAlchemy, Strategy::SelectIn, Depth::Items);
        assert!(sa
            .code
            .unwrap_or_default()
            .contains("selectinload(User.orders).selectinload(Order.items)"));
    }
}
