#!/usr/bin/env python3
"""Prints the raw and gzip sizes of every file a first load of the built site
fetches: index.html and everything it references (styles, icon, the JS glue
and the wasm it preloads), and their totals.

Usage: scripts/size_report.py [DIST]   (default: dist)
"""
import gzip
import pathlib
import re
import sys


def referenced(html: str) -> list[str]:
    """Local files named by href/src attributes and by imports in inline scripts."""
    names = re.findall(r'''(?:href|src)\s*=\s*["']([^"'#?]+)''', html)
    names += re.findall(r'''(?:from|import\()\s*["']([^"'#?]+)["']''', html)
    names += re.findall(r'''module_or_path\s*:\s*["']([^"'#?]+)["']''', html)
    out = []
    for n in names:
        if re.match(r"^[a-z]+:", n) or n.startswith("//"):
            continue
        n = n.lstrip("./") if n.startswith("./") else n.lstrip("/")
        if n and n not in out:
            out.append(n)
    return out


def main() -> int:
    dist = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
    index = dist / "index.html"
    if not index.is_file():
        print(f"error: {index} not found; build the site first", file=sys.stderr)
        return 1
    html = index.read_text(encoding="utf-8")
    files = ["index.html"] + [n for n in referenced(html) if (dist / n).is_file()]
    missing = [n for n in referenced(html) if not (dist / n).is_file()]
    rows = []
    for name in files:
        data = (dist / name).read_bytes()
        rows.append((name, len(data), len(gzip.compress(data, 9))))
    width = max(len(r[0]) for r in rows + [("total", 0, 0)])
    print("First load of the site (gzip -9):")
    print(f"  {'file':<{width}}  {'raw':>10}  {'gzip':>10}")
    for name, raw, gz in rows:
        print(f"  {name:<{width}}  {raw:>10,}  {gz:>10,}")
    total_raw = sum(r[1] for r in rows)
    total_gz = sum(r[2] for r in rows)
    print(f"  {'total':<{width}}  {total_raw:>10,}  {total_gz:>10,}")
    print(f"first-load total: {total_raw / 1000:.1f} kB raw, {total_gz / 1000:.1f} kB gzip")
    if missing:
        print("error: index.html references files that are not in dist: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
