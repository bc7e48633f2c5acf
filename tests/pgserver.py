"""A throw-away PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder, on
a free port of 127.0.0.1, password authentication over TCP, stopped and deleted at the end.

The binaries are found on PATH or in Debian's /usr/lib/postgresql/<version>/bin. Without
them the tests that need a server are skipped with the reason — except under CI (CI=true),
where .ci/run installs Debian's postgresql and a missing server is a failure. PostgreSQL
refuses to run as root: as root, the server runs as the `postgres` user (or `nobody`).

A test server must never outlive its test run nor run away: every statement is cut at
`statement_timeout` (60 s unless asked), and a watchdog process (its own session, so a
signal to pytest's process group spares it) stops the server and deletes its folder as soon
as the process that started it is gone — killed, interrupted or crashed alike. Servers left
by runs older than this guard are stopped by the next start.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
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


# Runs in its own process: waits until its parent (the process that started the server) is
# gone or the server's folder is deleted, then stops the server and deletes the folder.
_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, root, data, pg_ctl, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
while os.getppid() == parent and os.path.isdir(data):
    time.sleep(0.5)
if os.path.isdir(data):
    subprocess.run([*prefix, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_orphans(bindir: Path, prefix: list[str]) -> None:
    """Stop the servers of earlier runs whose starting process is gone (left by a run killed
    before the watchdog existed, or by a watchdog killed itself)."""
    for owner in Path(tempfile.gettempdir()).glob("tier-pg-*/owner"):
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        root = owner.parent
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def start(statement_timeout: str = "60s") -> tuple[Server, callable]:
    """Start a server; returns it and a function that stops it and deletes its files.
    `statement_timeout` bounds every statement (PostgreSQL's units: "60s", "10min")."""
    bindir = find_bin()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin")
    prefix, uid, gid = _runner()
    _stop_orphans(bindir, prefix)
    root = Path(tempfile.mkdtemp(prefix="tier-pg-"))
    (root / "owner").write_text(str(os.getpid()))
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
    opts = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        f" -c statement_timeout={statement_timeout}"
    )
    pg_ctl = str(bindir / "pg_ctl")
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(root), str(data), pg_ctl, *prefix],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
            check=True,
            capture_output=True,
            env=env,
        )
    except BaseException:
        watchdog.send_signal(signal.SIGKILL)
        watchdog.wait()
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, env=env)
        shutil.rmtree(root, ignore_errors=True)
        raise
    server = Server("127.0.0.1", port)

    def stop() -> None:
        watchdog.send_signal(signal.SIGKILL)
        watchdog.wait()
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True, env=env)
        for _ in range(50):
            if not (data / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)

    return server, stop
