#!/usr/bin/env python3
"""Prints what a first load of each kind of page of the built site costs, raw
and gzip -9: the page's HTML plus every file its <head> references
(stylesheet, icon, manifest, modulepreload'ed JS, preloaded wasm, script src,
imports in inline scripts, and the wasm a wasm-bindgen script loads\nbeside it). Page kinds: the overview, a text-only
topic, each topic with a live model (found by the model module it
references), sheet, drill and not-found, as far as they exist; a site with
only dist/index.html reports that page. Then every *.wasm and *.js, raw and
gzip -9, with how many pages reference it. Figures only.

Usage: python3 scripts/size_report.py [DIST]   (default: dist)
Exits 1 if no page is found or a page references a file that is not in DIST.
"""
import gzip
import html.parser
import pathlib
import posixpath
import re
import sys
import urllib.parse

HASHED = re.compile(r"^(?P<name>.+?)-[0-9a-f]{8,}$")
LINK_RELS = {"stylesheet", "icon", "apple-touch-icon", "manifest", "modulepreload", "preload"}
FIXED_PAGES = [("sheet", "sheet/index.html"), ("drill", "drill/index.html"), ("not-found", "not-found/index.html")]
PREFERRED_TEXT_TOPIC = "rest-api-design"


class HeadRefs(html.parser.HTMLParser):
    """URLs that the document's head asks the browser to fetch on load."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.done = False
        self.in_script = False
        self.script = ""

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "body":
            self.done = True
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & LINK_RELS and a.get("href"):
                self.urls.append(a["href"])
        elif tag == "script":
            if a.get("src"):
                self.urls.append(a["src"])
            else:
                self.in_script, self.script = True, ""

    def handle_endtag(self, tag):
        if tag == "head":
            self.done = True
        elif tag == "script" and self.in_script:
            self.in_script = False
            s = self.script
            self.urls += re.findall(r'''\bfrom\s*["']([^"']+)["']''', s)
            self.urls += re.findall(r'''\bimport\s*\(\s*["']([^"']+)["']''', s)
            self.urls += re.findall(r'''\bimport\s*["']([^"']+)["']''', s)
            self.urls += re.findall(r'''module_or_path\s*:\s*["']([^"']+)["']''', s)

    def handle_data(self, data):
        if self.in_script and not self.done:
            self.script += data


class Site:
    def __init__(self, dist: pathlib.Path):
        self.dist = dist
        self._gz: dict[str, int] = {}
        self.missing: dict[str, list[str]] = {}

    def sizes(self, rel: str) -> tuple[int, int]:
        data = (self.dist / rel).read_bytes()
        if rel not in self._gz:
            self._gz[rel] = len(gzip.compress(data, 9, mtime=0))
        return len(data), self._gz[rel]

    def refs(self, page: str) -> list[str]:
        """dist-relative paths of the files `page` (dist-relative) loads first."""
        parser = HeadRefs()
        parser.feed((self.dist / page).read_text(encoding="utf-8", errors="replace"))
        base = posixpath.dirname(page)
        out = []
        for url in parser.urls:
            parts = urllib.parse.urlsplit(url.strip())
            if parts.scheme or parts.netloc or not parts.path:
                continue
            path = urllib.parse.unquote(parts.path)
            if path.startswith("/"):
                rel = posixpath.normpath(path.lstrip("/"))
            else:
                rel = posixpath.normpath(posixpath.join(base, path))
            if rel.startswith("../") or rel == ".." or not (self.dist / rel).is_file():
                self.missing.setdefault(page, []).append(url)
                continue
            if rel not in out:
                out.append(rel)
            # A wasm-bindgen module's script loads its wasm beside it.
            wasm = rel[: -len(".js")] + "_bg.wasm"
            if rel.endswith(".js") and (self.dist / wasm).is_file() and wasm not in out:
                out.append(wasm)
        return out


def module_name(rel: str) -> str | None:
    """'nplus1' for 'nplus1-0123abcd.js' or 'nplus1-0123abcd_bg.wasm'; None if not a module."""
    name = posixpath.basename(rel)
    if name.endswith("_bg.wasm"):
        stem = name[: -len("_bg.wasm")]
    elif name.endswith(".wasm") or name.endswith(".js") or name.endswith(".mjs"):
        stem = name.rsplit(".", 1)[0]
    else:
        return None
    m = HASHED.match(stem)
    return m.group("name") if m else stem


def kind_of(rel: str) -> str:
    ext = posixpath.splitext(rel)[1].lower()
    if ext in (".html", ".htm"):
        return "html"
    if ext == ".css":
        return "css"
    if ext in (".js", ".mjs"):
        return "js"
    if ext == ".wasm":
        return "wasm"
    return "other"


def table(header: list[str], rows: list[list[str]], right: set[int], indent: str = "  ") -> None:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]

    def fmt(r):
        return indent + "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    print(fmt(header))
    print(indent + "  ".join("-" * w for w in widths))
    for r in rows:
        print(fmt(r))


def n(x: int) -> str:
    return f"{x:,}"


def main() -> int:
    dist = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
    if not dist.is_dir():
        print(f"error: {dist} not found; build the site first", file=sys.stderr)
        return 1
    site = Site(dist)

    all_pages = sorted(p.relative_to(dist).as_posix() for p in dist.glob("index.html"))
    all_pages += sorted(p.relative_to(dist).as_posix() for p in dist.glob("*/index.html"))
    all_pages += sorted(p.relative_to(dist).as_posix() for p in dist.glob("topics/*/index.html"))
    if not all_pages:
        print(f"error: no index.html in {dist}; build the site first", file=sys.stderr)
        return 1
    refs = {p: site.refs(p) for p in all_pages}
    modules_of = {p: {m for m in map(module_name, refs[p]) if m} for p in all_pages}
    every_module = set().union(*modules_of.values())
    if "shell" in every_module:
        shell = {"shell"}
    elif "index.html" in modules_of:
        shell = modules_of["index.html"]
    else:
        shell = set()

    chosen: list[tuple[str, str]] = []
    if "index.html" in refs:
        chosen.append(("overview", "index.html"))
    topics = [p for p in all_pages if p.startswith("topics/")]
    text_topics = [p for p in topics if not (modules_of[p] - shell)]
    if text_topics:
        pick = next((p for p in text_topics if p.split("/")[1] == PREFERRED_TEXT_TOPIC), text_topics[0])
        chosen.append(("text topic", pick))
    for p in topics:
        models = sorted(modules_of[p] - shell)
        if models:
            chosen.append((f"model topic ({', '.join(models)})", p))
    for label, p in FIXED_PAGES:
        if p in refs:
            chosen.append((label, p))
    known = {p for _, p in chosen} | set(topics) | {p for _, p in FIXED_PAGES}
    for p in all_pages:
        if p not in known:
            chosen.append(("page", p))

    print(f"First load per page kind of {dist} (bytes; per-type columns and 'gzip' are gzip -9)")
    summary = []
    for label, page in chosen:
        files = [page] + refs[page]
        by_kind = {k: 0 for k in ("html", "css", "js", "wasm", "other")}
        raw_total = gz_total = 0
        for f in files:
            raw, gz = site.sizes(f)
            raw_total += raw
            gz_total += gz
            by_kind[kind_of(f)] += gz
        summary.append([label, posixpath.dirname(page) + "/" if "/" in page else "./", str(len(files))]
                       + [n(by_kind[k]) for k in ("html", "css", "js", "wasm", "other")]
                       + [n(raw_total), n(gz_total), f"{gz_total / 1000:.1f} kB"])
    table(["page", "path", "files", "html", "css", "js", "wasm", "other", "raw", "gzip", "gzip kB"],
          summary, set(range(2, 11)))

    print()
    print("Files of each first load (bytes)")
    for label, page in chosen:
        print(f"  {label}: {page}")
        rows = []
        for f in [page] + refs[page]:
            raw, gz = site.sizes(f)
            rows.append([f, n(raw), n(gz)])
        table(["file", "raw", "gzip -9"], rows, {1, 2}, indent="    ")

    print()
    print(f"Modules in {dist} (bytes; 'pages' = how many of the {len(all_pages)} pages reference the file)")
    module_files = sorted(
        (p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file() and p.suffix in (".wasm", ".js", ".mjs")),
        key=lambda r: (module_name(r) not in shell, module_name(r) or "", r.endswith(".wasm"), r))
    rows = []
    tot_raw = tot_gz = 0
    for f in module_files:
        raw, gz = site.sizes(f)
        tot_raw += raw
        tot_gz += gz
        users = sum(1 for p in all_pages if f in refs[p])
        rows.append([module_name(f) or "", f, n(raw), n(gz), str(users)])
    rows.append(["total", "", n(tot_raw), n(tot_gz), ""])
    table(["module", "file", "raw", "gzip -9", "pages"], rows, {2, 3, 4})

    if site.missing:
        print()
        for page, urls in site.missing.items():
            print(f"error: {page} references files that are not in {dist}: {', '.join(urls)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
