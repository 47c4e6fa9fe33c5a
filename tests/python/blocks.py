"""The Python blocks of content/: where each is, what its fence says, its code.

A block's fence says how the tests treat it (build/content.rs checks the same
syntax and rejects a python block that says neither):

    ```python id=NAME            a complete program; a test marked
                                 @pytest.mark.block("NAME") runs it
    ```python fragment: REASON   does not run alone, for that reason
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"

OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int            # the line of the opening fence, from 1
    id: str | None
    fragment: str | None
    problem: str | None  # what is wrong with the fence's marker, if anything
    code: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def execute(self) -> types.ModuleType:
        """Runs the block as a module of its own and returns it. Its lines keep
        their numbers in the markdown file, so a traceback points into it."""
        name = "content_" + re.sub(r"\W", "_", self.id or f"line_{self.line}")
        module = types.ModuleType(name)
        module.__file__ = str(self.path)
        # dataclasses and SQLAlchemy look the defining module up by name.
        sys.modules[name] = module
        code = compile("\n" * self.line + self.code, str(self.path), "exec")
        exec(code, module.__dict__)
        return module


def marker(info: str) -> tuple[str | None, str | None, str | None]:
    """(id, fragment reason, problem) from the words after the language."""
    rest = info.strip()
    if rest.startswith("fragment:"):
        reason = rest[len("fragment:"):].strip()
        return None, reason or None, None if reason else "`fragment:` needs a reason"
    if rest.startswith("id="):
        name = rest[len("id="):]
        ok = re.fullmatch(r"[a-z0-9-]+", name) is not None
        return (name, None, None) if ok else (None, None, f"bad id `{name}`")
    if rest:
        return None, None, f"unknown marker `{rest}`"
    return None, None, "neither `id=NAME` nor `fragment: REASON`"


def blocks_in(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").split("\n")
    found = []
    i = 0
    while i < len(lines):
        m = OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        language, _, rest = info.partition(" ")
        close = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if language == "python":
            indent = len(m.group("indent"))
            code = "\n".join(l[indent:] if l[:indent].isspace() else l for l in lines[i + 1:j])
            found.append(Block(path, i + 1, *marker(rest), code + "\n"))
        i = j + 1
    return found


def all_blocks() -> list[Block]:
    return [b for p in sorted(CONTENT.rglob("*.md")) for b in blocks_in(p)]
