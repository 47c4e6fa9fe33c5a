"""Every Python block of content/ is run by a test here or marked as a
fragment with its reason; each failure names the file and line."""

import blocks
import conftest


def test_every_block_runs_or_is_marked(request):
    covered = {m.args[0] for item in request.session.items for m in item.iter_markers("block")}
    problems = []
    seen = {}
    for b in conftest.ALL:
        if b.problem:
            problems.append(f"{b.where}: {b.problem}")
        elif b.id and b.id in seen:
            problems.append(f"{b.where}: id={b.id} is also used at {seen[b.id]}")
        elif b.id and b.id not in covered:
            problems.append(f"{b.where}: no test runs it (mark one @pytest.mark.block({b.id!r}))")
        if b.id:
            seen.setdefault(b.id, b.where)
    for block_id in sorted(covered - set(conftest.BY_ID)):
        problems.append(f"a test is marked with block {block_id!r}, which no block in content/ has")
    assert not problems, "\n" + "\n".join(problems)


def test_the_scan_finds_the_blocks():
    assert len(conftest.ALL) >= 30
    # Code after an indented fence keeps its own indentation.
    assert all(b.code.strip() for b in conftest.ALL)


def test_markers_are_parsed_as_the_build_parses_them():
    assert blocks.marker("id=a-1") == ("a-1", None, None)
    assert blocks.marker("fragment: needs an app") == (None, "needs an app", None)
    assert blocks.marker("fragment:")[2]
    assert blocks.marker("")[2]
    assert blocks.marker("id=Bad")[2]
