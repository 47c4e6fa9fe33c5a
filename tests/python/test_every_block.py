"""Every Python block of content/ is run by a test here or marked as a
fragment with its reason; each failure names the file and line."""

import ast
from pathlib import Path

import blocks
import conftest


def marked_blocks() -> set[str]:
    """The ids in @pytest.mark.block("ID") anywhere in this folder's tests
    (read from the source, so that running a subset changes nothing)."""
    ids = set()
    for path in Path(__file__).parent.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "block" and ast.unparse(node.func.value) == "pytest.mark"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                ids.add(node.args[0].value)
    return ids


def test_every_block_runs_or_is_marked():
    covered = marked_blocks()
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


def test_the_scan_finds_the_blocks(tmp_path):
    assert len(conftest.ALL) >= 30 and all(b.code.strip() for b in conftest.ALL)
    page = tmp_path / "page.md"
    page.write_text(
        "Text.\n\n"
        "````markdown\n```python id=inside-another-fence\nx\n```\n````\n\n"
        "- a list item:\n\n  ```python id=in-a-list\n  def f():\n      return 1\n  ```\n\n"
        "~~~python fragment: needs an app\napp.run()\n~~~\n"
    )
    found = blocks.blocks_in(page)
    assert [(b.line, b.id, b.fragment) for b in found] == [
        (11, "in-a-list", None), (16, None, "needs an app")]
    assert found[0].code == "def f():\n    return 1\n"     # the list's indent removed
    assert found[0].execute().f() == 1


def test_markers_are_parsed_as_the_build_parses_them():
    assert blocks.marker("id=a-1") == ("a-1", None, None)
    assert blocks.marker("fragment: needs an app") == (None, "needs an app", None)
    assert blocks.marker("fragment:")[2]
    assert blocks.marker("")[2]
    assert blocks.marker("id=Bad")[2]
