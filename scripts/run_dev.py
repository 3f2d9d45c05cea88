"""`make run`: the whole portal on one machine, no PostgreSQL or Redis needed.

1. `manage.py migrate`, then `manage.py seed_demo` (idempotent, so every start is alike; its
   "today" is the real today), then `manage.py compute_rollups --months 12`: the stored
   figures of today and of the last twelve month-ends, so the dashboards read stored figures
   and the monthly trend has a history.
2. Start `manage.py runserver 127.0.0.1:$PORT` and a Celery worker with embedded beat on the
   broker settings choose (kombu's filesystem transport under var/ unless CELERY_BROKER_URL is
   set), each in its own session so that a terminal's Ctrl-C reaches them only through here.
3. On Ctrl-C or SIGTERM, or when either child exits by itself, stop both: runserver by SIGINT
   (what a terminal would send it), the worker by SIGTERM to its main PID — a warm shutdown
   that also ends the embedded beat — with SIGKILL after 10 s. Signalling the worker's whole
   process group once left its main process hung in a pool lock (shared/STACK.md), so the
   group is signalled only after the main process is gone, to reap a leftover child.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WORKER_STOP_SECONDS = 10
WEB_STOP_SECONDS = 5


def log(message: str) -> None:
    print(f"[run_dev] {message}", flush=True)


def manage(*args: str, check: bool = True) -> int:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=check).returncode


def spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=BASE_DIR, stdin=subprocess.DEVNULL, start_new_session=True)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def reap_group(pgid: int) -> None:
    """Kill whatever is left in a child's session once its main process has exited."""
    deadline = time.monotonic() + 2
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_alive(pgid):
        log(f"killing processes left over in group {pgid}")
        os.killpg(pgid, signal.SIGKILL)


def stop(proc: subprocess.Popen, name: str, sig: signal.Signals, whole_group: bool, grace: float):
    if proc.poll() is None:
        log(f"stopping {name} (pid {proc.pid}) with {sig.name}")
        if whole_group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log(f"{name} still running after {grace:.0f} s: SIGKILL")
            proc.kill()
            proc.wait()
    reap_group(proc.pid)


def main() -> int:
    port = os.environ.get("PORT", "8000")
    manage("migrate", "--noinput")
    # A database whose own data clashes with the demo (seed_demo explains why) still serves.
    if manage("seed_demo", check=False) != 0:
        log("seed_demo refused to load demo data (see above); serving the database as it is")
    if manage("compute_rollups", "--months", "12", check=False) != 0:
        log("compute_rollups failed (see above); the dashboards compute their figures live")

    stop_signal: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: stop_signal.append(signum))

    web = spawn([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"])
    worker = spawn(
        [PYTHON, "-m", "celery", "-A", "congress", "worker", "-B", "--pool=solo", "--loglevel=INFO"]
    )
    log(f"serving http://127.0.0.1:{port}/ with a Celery worker (pid {worker.pid}); Ctrl-C stops")
    try:
        while not stop_signal and web.poll() is None and worker.poll() is None:
            time.sleep(0.2)
    finally:
        # Runserver's reloader and its child both take SIGINT as a terminal's Ctrl-C.
        stop(web, "runserver", signal.SIGINT, whole_group=True, grace=WEB_STOP_SECONDS)
        stop(worker, "celery worker", signal.SIGTERM, whole_group=False, grace=WORKER_STOP_SECONDS)
    if stop_signal:
        log("stopped")
        return 0
    log("a process exited by itself (see its output above); stopped the other")
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C during migrate or seeding
        sys.exit(130)
    except subprocess.CalledProcessError as exc:
        log(f"failed: {' '.join(map(str, exc.cmd))} exited with {exc.returncode}")
        sys.exit(exc.returncode or 1)
