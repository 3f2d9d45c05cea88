"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the services are
there, every file they name exists, every module they run imports under the production
settings, and the app services run with DEBUG off and no default secret.

Paths inside the image are /app/... (the Dockerfile's WORKDIR), i.e. the repository root.
docker-compose.yml reads `.env`, which is never committed: `.env.example` stands for it.
"""

import json
import os
import re
import runpy
import secrets
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
IMAGE_ROOT = "/app/"
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "worker-rollups", "beat")
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()


def words(value) -> list[str]:
    """A compose command, entrypoint or healthcheck test as a list of words."""
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    if value and value[0] in ("CMD", "CMD-SHELL"):
        return [w for item in value[1:] for w in shlex.split(item)]
    return list(value)


def service_words(service: dict) -> list[str]:
    return (
        words(service.get("entrypoint"))
        + words(service.get("command"))
        + words(service.get("healthcheck", {}).get("test"))
    )


def env_file_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def dockerfile_copy_sources() -> list[str]:
    sources = []
    for line in DOCKERFILE.splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            sources += [p for p in parts[1:-1] if not p.startswith("--")]
    return sources


def test_the_six_services_exist():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "worker-rollups", "beat"}
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_from_the_dockerfile_and_read_env_file(name):
    service = SERVICES[name]
    assert service["build"] == "."
    assert (BASE_DIR / "Dockerfile").is_file()
    assert service["env_file"] == ".env"
    # .env holds the secrets and is not in the repository; its committed template is:
    assert (BASE_DIR / ".env.example").is_file()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_files_a_service_names_exist(name):
    service = SERVICES[name]
    image_paths = [
        w
        for w in service_words(service)
        if w.startswith(IMAGE_ROOT) and not w.startswith(IMAGE_ROOT + "var/")
    ]
    for path in image_paths:
        local = BASE_DIR / path.removeprefix(IMAGE_ROOT)
        assert local.is_file(), f"{name} runs {path}, missing as {local}"
        if path in words(service.get("entrypoint")):
            assert os.access(local, os.X_OK), f"{local} must be executable"

    declared = set(COMPOSE.get("volumes") or {})
    for volume in service.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith((".", "/")):  # a bind mount
            assert (BASE_DIR / source).exists(), f"{name} mounts missing {source}"
        else:
            assert source in declared, f"{name} uses undeclared volume {source}"


def test_named_volumes_keep_the_database_and_media():
    postgres_volumes = SERVICES["postgres"]["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in postgres_volumes
    for name in APP_SERVICES:
        assert "media:/app/var/media" in SERVICES[name]["volumes"]
        assert SERVICES[name]["environment"]["MEDIA_ROOT"] == "/app/var/media"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_with_debug_off_and_no_default_secret(name):
    environment = SERVICES[name]["environment"]

    assert str(environment["DEBUG"]).lower() == "false"
    assert "SECRET_KEY" not in environment  # only from .env, which the operator writes
    assert env_file_values(BASE_DIR / ".env.example")["SECRET_KEY"] == ""


def test_no_secret_key_is_baked_into_the_image_or_compose_file():
    compose_text = (BASE_DIR / "docker-compose.yml").read_text()
    assert "SECRET_KEY" not in DOCKERFILE
    assert not re.search(r"^[^#]*SECRET_KEY", compose_text, flags=re.MULTILINE)


def test_depends_on_healthy_services_have_a_healthcheck():
    for name, service in SERVICES.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            if condition.get("condition") == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], f"{dependency} has no healthcheck"


def test_web_migrates_collects_static_and_runs_gunicorn_without_control_socket():
    web = SERVICES["web"]
    command = words(web["command"])
    entrypoint = BASE_DIR / words(web["entrypoint"])[0].removeprefix(IMAGE_ROOT)
    script = entrypoint.read_text()

    assert command[:2] == ["gunicorn", "congress.wsgi"]
    assert "--no-control-socket" in command
    assert "manage.py migrate --noinput" in script
    assert "manage.py collectstatic --noinput" in script
    assert 'exec "$@"' in script
    assert subprocess.run(["sh", "-n", str(entrypoint)]).returncode == 0


def test_web_healthcheck_asks_healthz():
    test = words(SERVICES["web"]["healthcheck"]["test"])
    script = BASE_DIR / test[-1].removeprefix(IMAGE_ROOT)

    assert test[0] == "python"
    assert "/healthz" in script.read_text()


def worker_queues() -> dict[str, set[str]]:
    queues = {}
    for name, service in SERVICES.items():
        command = words(service.get("command"))
        if command[:4] == ["celery", "-A", "congress", "worker"]:
            queues[name] = set(command[command.index("-Q") + 1].split(","))
    return queues


def test_workers_consume_every_queue_tasks_are_sent_to():
    consumed = set().union(*worker_queues().values())
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}

    assert {q.name for q in settings.CELERY_TASK_QUEUES} == consumed
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= consumed


def test_rollups_never_share_a_worker_with_reminders():
    for name, queues in worker_queues().items():
        assert not {"rollups", "reminders"} <= queues, f"{name} consumes both"


def test_beat_runs_celery_beat():
    assert words(SERVICES["beat"]["command"])[:4] == ["celery", "-A", "congress", "beat"]


def test_modules_the_services_run_import_under_production_settings(tmp_path):
    gunicorn_apps, celery_apps = set(), set()
    for service in SERVICES.values():
        command = service_words(service)
        if "gunicorn" in command:
            gunicorn_apps.add(
                next(w for w in command[command.index("gunicorn") + 1 :] if not w.startswith("-"))
            )
        if "celery" in command:
            celery_apps.add(command[command.index("-A") + 1])
    assert gunicorn_apps == {"congress.wsgi"}
    assert celery_apps == {"congress"}

    code = "\n".join(
        [
            "import importlib",
            "from celery.app.utils import find_app",
            "from django.core.management import call_command",
            *[
                f"assert callable(importlib.import_module({m!r}).application)"
                for m in gunicorn_apps
            ],
            *[f"assert find_app({m!r}).main == 'congress'" for m in celery_apps],
            "call_command('check', '--deploy', '--fail-level', 'ERROR')",
        ]
    )
    env = {
        **os.environ,
        **env_file_values(BASE_DIR / ".env.example"),
        **{k: str(v) for k, v in SERVICES["web"]["environment"].items()},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PORTAL_VAR_DIR": str(tmp_path),  # /app/var in the image
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "congress.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr


def test_the_dockerfile_copies_files_that_exist_and_are_not_docker_ignored():
    ignored = {
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    sources = dockerfile_copy_sources()

    assert "congress" in sources and "manage.py" in sources
    for source in sources:
        assert (BASE_DIR / source).exists(), f"COPY {source}: missing"
        assert source not in ignored, f"COPY {source}: excluded by .dockerignore"


def test_the_dockerfile_copies_every_app_and_runs_as_non_root():
    sources = set(dockerfile_copy_sources())
    ours = [a for a in settings.INSTALLED_APPS if (BASE_DIR / a / "apps.py").is_file()]
    assert "suggestions" in ours and "dashboards" in ours
    for app in ("congress", *ours, "templates", "static"):
        assert app in sources, f"the image lacks {app}/"
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, flags=re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")


def test_the_web_healthcheck_passes_against_the_web_command_under_production_settings(tmp_path):
    # The compose web command itself (gunicorn), on a free local port, with DEBUG off; the
    # health check must get past ALLOWED_HOSTS. A throw-away SQLite file stands for PostgreSQL
    # (SELECT 1 needs no tables) and the in-memory broker for Redis.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        w for w in words(SERVICES["web"]["command"]) if not w.startswith(("--bind", "--workers"))
    ]
    command += [f"--bind=127.0.0.1:{port}", "--workers=1"]
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "congress.settings",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(gunicorn), *command[1:]], cwd=BASE_DIR, env=env, stdout=log, stderr=log
        )
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + 30
        while (result := run_healthcheck(url, "portal.example.org")).returncode != 0:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, result.stdout + result.stderr
            time.sleep(0.3)
        # With a Host header Django does not know (no ALLOWED_HOSTS: "localhost") it fails.
        wrong_host = run_healthcheck(url, "")
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert result.stdout.strip() == '200 {"status": "ok", "database": "ok", "broker": "ok"}'
    assert wrong_host.returncode == 1
    assert wrong_host.stdout.startswith("400 ")


def test_the_web_healthcheck_script_fails_when_nothing_answers():
    result = run_healthcheck("http://127.0.0.1:1/healthz", allowed_hosts="portal.example.org")

    assert result.returncode == 1
    assert "unhealthy" in result.stderr


def run_healthcheck(url: str, allowed_hosts: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HEALTHCHECK_URL": url, "ALLOWED_HOSTS": allowed_hosts}
    script = BASE_DIR / "scripts" / "docker_healthcheck.py"
    return subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=30
    )


def test_gunicorn_reads_its_workers_from_the_config_file_in_the_image(monkeypatch):
    # gunicorn reads ./gunicorn.conf.py from its working directory, /app in the image: the
    # compose web command and the Dockerfile's CMD leave the workers to it.
    assert "gunicorn.conf.py" in dockerfile_copy_sources()
    for command in (words(SERVICES["web"]["command"]), json_cmd(DOCKERFILE)):
        assert command[:2] == ["gunicorn", "congress.wsgi"]
        assert not any(
            w.startswith(("--workers", "-w", "--threads", "-c", "--config")) for w in command
        )
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert (config["workers"], config["threads"], config["timeout"]) == (3, 1, 60)

    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["workers"] == 5


def json_cmd(dockerfile: str) -> list[str]:
    line = next(x for x in dockerfile.splitlines() if x.startswith("CMD "))
    return json.loads(line.removeprefix("CMD "))


def test_web_and_worker_act_as_the_role_row_level_security_binds():
    """The services that serve requests and run the congresses' tasks act as the application
    role; migrations (web's entrypoint) step out of it, and the rest run as the owner."""
    for name in ("web", "worker"):
        assert SERVICES[name]["environment"]["PORTAL_DB_APP_ROLE"] == "portal_app"
        assert SERVICES[name]["environment"]["DEBUG"] == "false"
    for name in ("worker-rollups", "beat"):
        assert "PORTAL_DB_APP_ROLE" not in SERVICES[name]["environment"]
