"""`make run` (scripts/run_dev.py): serves the portal with a Celery worker, and Ctrl-C leaves
no process behind.

It runs the real script on a free port against SQLite and the filesystem broker in a
temporary var/ folder, so it needs no server and touches nothing of the developer's.
"""

import datetime as dt
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (BASE_DIR / "congress" / "settings.py").read_text()
SETTINGS_VARIABLES = set(
    re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', SETTINGS_SOURCE)
)
START_SECONDS = 180  # migrate and seed_demo on a fresh database come first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> set[int]:
    """Every live descendant of pid, whatever session it moved to."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


# Packages only the dev extras bring (pyproject.toml): `make run` installs none of them, so
# the script and every process it starts must serve the demo without them.
DEV_ONLY = ("pytest", "_pytest", "pytest_django", "factory", "faker", "hypothesis")
DEV_ONLY += ("playwright", "schemathesis", "requests")
BLOCKER = f"""
import sys

class _DevOnly:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {DEV_ONLY!r}:
            raise ImportError(f"{{name}} comes with the dev extras only")
        return None

sys.meta_path.insert(0, _DevOnly())
"""


@pytest.fixture
def dev_stack(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(PORT=str(port), PORTAL_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    # As on a machine with the runtime dependencies only: each Python process that
    # run_dev.py starts imports this sitecustomize first, and it refuses the dev packages.
    blocker = tmp_path / "runtime-only"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    env["PYTHONPATH"] = str(blocker)
    log_path = tmp_path / "run_dev.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "scripts/run_dev.py"],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    seen: set[int] = set()
    yield proc, f"http://127.0.0.1:{port}", log_path, seen
    # Whatever a failed test left running: the script and everything it started.
    for pid in [proc.pid, *seen]:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=10)


def wait_until_serving(proc, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text()
        try:
            status, _ = get(f"{base_url}/healthz")
        except OSError:
            status = None
        if status == 200 and " ready." in log_path.read_text():  # the worker too
            return
        time.sleep(0.5)
    pytest.fail(f"not serving after {START_SECONDS} s:\n{log_path.read_text()}")


def test_it_serves_the_portal_and_ctrl_c_stops_everything(dev_stack):
    proc, base_url, log_path, seen = dev_stack
    wait_until_serving(proc, base_url, log_path)

    status, body = get(f"{base_url}/healthz")
    assert (status, body) == (200, '{"status": "ok", "database": "ok", "broker": "ok"}')
    assert get(f"{base_url}/admin/login/")[0] == 200
    seen |= children_of(proc.pid)
    assert len(seen) >= 3, "runserver, its reloaded child and the worker"

    os.kill(proc.pid, signal.SIGINT)

    assert proc.wait(timeout=30) == 0, log_path.read_text()
    left = {pid for pid in seen if alive(pid)}
    assert left == set(), log_path.read_text()
    assert "Warm shutdown" in log_path.read_text()

    # Seeded with today as the demo's "today", and the stored figures computed: today and the
    # last twelve month-ends, so the dashboards read stored figures and the trend has a history.
    today = dt.date.today()
    assert f"基准日 {today:%Y-%m-%d}" in log_path.read_text()
    with sqlite3.connect(log_path.parent / "portal.sqlite3") as db:
        days = {row[0] for row in db.execute("SELECT DISTINCT day FROM rollups_rollupday")}
        latest = db.execute("SELECT MAX(submitted_on) FROM suggestions_suggestion").fetchone()[0]
    assert len(days) == 13 and today.isoformat() in days
    assert latest <= today.isoformat()


def dry_run(target: str, venv: Path) -> list[str]:
    """The commands `make <target>` would run on a machine with no virtualenv yet."""
    out = subprocess.run(
        ["make", "-n", "-B", target, f"VENV={venv}"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if "pip install" in line]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_installs_only_what_serving_needs(tmp_path):
    assert dry_run("run", tmp_path) == [f"{tmp_path}/bin/python -m pip install -e ."]
    for target in ("test", "lint", "install"):
        assert dry_run(target, tmp_path) == [f'{tmp_path}/bin/python -m pip install -e ".[dev]"']
