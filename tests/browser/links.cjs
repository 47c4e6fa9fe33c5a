// Links written by hand that the browser tests and scripts/bench_links.mjs
// both open.

/**
 * The isolation lab's link of `sessions` sessions that each commit, insert
 * `rows` rows and then run `updates` autocommit updates of every row: a
 * pattern whose verdict once had to be judged again at every step, freezing
 * the tab.
 */
function autocommitPattern(sessions, rows, updates) {
  const parts = ["profile=postgres", "level=read-committed"];
  for (let s = 0; s < sessions; s++) {
    const values = Array.from({ length: rows }, (_, i) => `(${3 + s * rows + i},0)`).join(",");
    const statements = ["commit", `insert into test (id,value) values ${values}`];
    for (let u = 0; u < updates; u++) statements.push("update test set value=value+1");
    parts.push(`s${s + 1}=${encodeURIComponent(statements.join(";"))}`);
  }
  return parts.join("&");
}

module.exports = { autocommitPattern };
