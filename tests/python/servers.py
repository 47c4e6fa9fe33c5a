"""Private PostgreSQL and Redis servers for the tests: started in a temporary
directory, listening on a unix socket only, stopped at the end. Debian's
packages provide the programs (scripts/setup.sh installs them)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def _wait_for(path: Path, what: str, log: Path | None = None, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            detail = log.read_text(errors="replace") if log and log.exists() else ""
            raise RuntimeError(f"{what} did not start\n{detail}")
        time.sleep(0.02)


class Postgres:
    """initdb and pg_ctl of the newest installed PostgreSQL, run as the
    postgres user when the tests run as root (the server refuses root)."""

    def __init__(self):
        found = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        )
        if not found:
            raise RuntimeError("PostgreSQL is not installed (scripts/test.sh installs Debian's postgresql)")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="bp-py-pg-"))
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.log = self.dir / "log"
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-k {self.dir} -c listen_addresses= -c fsync=off -c max_connections=60"
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")
        _wait_for(self.dir / ".s.PGSQL.5432", "PostgreSQL", self.log)
        self._databases = 0

    def _run(self, program, *args):
        cmd = [str(self.bin / program), *map(str, args)]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{program} failed:\n{done.stdout}\n{log}")

    def dsn(self, dbname="postgres") -> str:
        return f"host={self.dir} port=5432 user=postgres dbname={dbname}"

    def url(self, dbname="postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.dir}"

    def create_database(self) -> str:
        import psycopg

        self._databases += 1
        name = f"t{self._databases}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str):
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self):
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """Debian's redis-server, on a unix socket, with nothing saved to disk."""

    def __init__(self):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(exe):
            raise RuntimeError("redis-server is not installed (scripts/test.sh installs Debian's redis-server)")
        self.dir = Path(tempfile.mkdtemp(prefix="bp-py-redis-"))
        self.socket = self.dir / "redis.sock"
        self.log = self.dir / "log"
        self.process = subprocess.Popen(
            [exe, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_for(self.socket, "redis-server", self.log)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
