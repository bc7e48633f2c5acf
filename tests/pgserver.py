"""A throw-away PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder, on
a free port of 127.0.0.1, password authentication over TCP, stopped and deleted at the end.

The binaries are found on PATH or in Debian's /usr/lib/postgresql/<version>/bin. Without
them the tests that need a server are skipped with the reason — except under CI (CI=true),
where .ci/run installs Debian's postgresql and a missing server is a failure. PostgreSQL
refuses to run as root: as root, the server runs as the `postgres` user (or `nobody`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "tier"
PASSWORD = "s3cret-PW-never-printed"


@dataclass
class Server:
    host: str
    port: int
    database: str = "postgres"

    @property
    def url(self) -> str:
        """A URL with the password in it (what a user may type)."""
        return f"postgresql://{USER}:{PASSWORD}@{self.host}:{self.port}/{self.database}"

    @property
    def url_without_password(self) -> str:
        return f"postgresql://{USER}@{self.host}:{self.port}/{self.database}"


def find_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0
    )
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runner() -> tuple[list[str], int | None, int | None]:
    """(command prefix, uid, gid) to run the server's commands as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], pw.pw_uid, pw.pw_gid
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


def start() -> tuple[Server, callable]:
    """Start a server; returns it and a function that stops it and deletes its files."""
    bindir = find_bin()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin")
    prefix, uid, gid = _runner()
    root = Path(tempfile.mkdtemp(prefix="tier-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if uid is not None:
        for p in (root, sockets, pwfile):
            os.chown(p, uid, gid)
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    port = _free_port()
    opts = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
        env=env,
    )
    server = Server("127.0.0.1", port)

    def stop() -> None:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, env=env)
        for _ in range(50):
            if not (data / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)

    return server, stop
