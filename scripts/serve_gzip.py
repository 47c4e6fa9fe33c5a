#!/usr/bin/env python3
"""Serves a built site (dist/) from a sub-path on 127.0.0.1, the way a static
host would: gzip for text and wasm when the client accepts it, correct
Content-Type, index.html for directory URLs ("dir" redirects to "dir/"),
Cache-Control no-cache for HTML and a year, immutable, for hashed assets.
Prints the URL it serves on, then logs only errors.

Usage: python3 scripts/serve_gzip.py DIRECTORY PORT [SUB_PATH]
  e.g. python3 scripts/serve_gzip.py dist 8080 some/dir
       -> http://127.0.0.1:8080/some/dir/   (PORT 0 picks a free port)
"""
import email.utils
import gzip
import http.server
import os
import posixpath
import re
import sys
import threading
import urllib.parse

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".xml": "application/xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
COMPRESSIBLE = {".html", ".htm", ".css", ".js", ".mjs", ".json", ".map", ".webmanifest",
                ".wasm", ".svg", ".txt", ".md", ".xml", ".ico"}
# Trunk-style content hashes: name-<hex>.ext or name-<hex>_bg.wasm.
HASHED = re.compile(r"-[0-9a-f]{8,}(?:_bg)?\.[A-Za-z0-9]+$")

_gzip_cache: dict[tuple[str, int, int], bytes] = {}
_gzip_lock = threading.Lock()


def accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        token, _, params = part.strip().partition(";")
        if token.strip().lower() not in ("gzip", "*"):
            continue
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if q > 0:
            return True
    return False


def gzipped(path: str, st: os.stat_result) -> bytes:
    key = (path, st.st_mtime_ns, st.st_size)
    with _gzip_lock:
        hit = _gzip_cache.get(key)
    if hit is None:
        with open(path, "rb") as f:
            hit = gzip.compress(f.read(), 9, mtime=0)
        with _gzip_lock:
            _gzip_cache[key] = hit
    return hit


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "serve_gzip"
    sys_version = ""
    root = "."
    prefix = "/"

    def log_message(self, format, *args):
        pass

    def log_error(self, format, *args):
        sys.stderr.write("serve_gzip: %s %s\n" % (self.requestline, format % args))

    def do_GET(self):
        self.respond(body=True)

    def do_HEAD(self):
        self.respond(body=False)

    def send_simple(self, code: int, text: str, body: bool, extra: dict | None = None):
        data = (text + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def not_found(self, body: bool):
        page = os.path.join(self.root, "404.html")
        if os.path.isfile(page):
            self.send_file(page, body, status=404)
        else:
            self.send_simple(404, "404 Not Found", body)
        self.log_error("404")

    def resolve(self, url_path: str) -> str | None:
        """The file system path for url_path inside the root, or None."""
        if not url_path.startswith(self.prefix):
            return None
        rel = url_path[len(self.prefix):]
        parts = []
        for seg in rel.split("/"):
            if seg in ("", "."):
                continue
            if seg == ".." or "\\" in seg or "\0" in seg:
                return None
            parts.append(seg)
        full = os.path.join(self.root, *parts)
        real = os.path.realpath(full)
        if real != self.root and not real.startswith(self.root + os.sep):
            return None
        return full

    def respond(self, body: bool):
        split = urllib.parse.urlsplit(self.path)
        url_path = urllib.parse.unquote(split.path)
        if url_path + "/" == self.prefix:
            self.redirect(self.prefix, split.query, body)
            return
        fs_path = self.resolve(url_path)
        if fs_path is None or not os.path.exists(fs_path):
            self.not_found(body)
            return
        if os.path.isdir(fs_path):
            if not url_path.endswith("/"):
                self.redirect(split.path + "/", split.query, body)
                return
            fs_path = os.path.join(fs_path, "index.html")
            if not os.path.isfile(fs_path):
                self.not_found(body)
                return
        elif url_path.endswith("/"):
            self.not_found(body)
            return
        self.send_file(fs_path, body)

    def redirect(self, location: str, query: str, body: bool):
        if query:
            location += "?" + query
        self.send_simple(301, "Moved Permanently: " + location, body, {"Location": location})

    def send_file(self, fs_path: str, body: bool, status: int = 200):
        try:
            st = os.stat(fs_path)
        except OSError:
            self.send_simple(404, "404 Not Found", body)
            return
        name = os.path.basename(fs_path)
        ext = os.path.splitext(name)[1].lower()
        ctype = TYPES.get(ext, "application/octet-stream")
        compress = (ext in COMPRESSIBLE or ctype.startswith("text/")) and accepts_gzip(
            self.headers.get("Accept-Encoding"))
        etag = '"%x-%x%s"' % (st.st_mtime_ns, st.st_size, "-gz" if compress else "")
        if ext in (".html", ".htm") or status != 200:
            cache = "no-cache"
        elif HASHED.search(name):
            cache = "public, max-age=31536000, immutable"
        else:
            cache = "no-cache"
        if status == 200 and etag in [t.strip() for t in self.headers.get("If-None-Match", "").split(",")]:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", cache)
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            if compress:
                data = gzipped(fs_path, st)
            else:
                with open(fs_path, "rb") as f:
                    data = f.read()
        except OSError:
            self.send_simple(404, "404 Not Found", body)
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if compress:
            self.send_header("Content-Encoding", "gzip")
        if ext in COMPRESSIBLE or ctype.startswith("text/"):
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", cache)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = os.path.realpath(sys.argv[1])
    if not os.path.isdir(root):
        print(f"error: {sys.argv[1]} is not a directory", file=sys.stderr)
        return 2
    port = int(sys.argv[2])
    sub = posixpath.normpath("/" + (sys.argv[3] if len(sys.argv) == 4 else "").strip("/"))
    Handler.root = root
    Handler.prefix = sub if sub.endswith("/") else sub + "/"
    httpd = Server(("127.0.0.1", port), Handler)
    print(f"serving {root} at http://127.0.0.1:{httpd.server_address[1]}{Handler.prefix}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
