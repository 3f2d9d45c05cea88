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
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

from congresses import rls

BASE_DIR = Path(__file__).resolve().parent.parent
IMAGE_ROOT = "/app/"
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "worker-rollups", "beat")
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
SETTINGS_SOURCE = (BASE_DIR / "congress" / "settings.py").read_text()
NGINX_CONF = BASE_DIR / "deploy" / "nginx" / "portal.conf"
CREATE_BUCKET = BASE_DIR / "deploy" / "minio" / "create-bucket.sh"


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


def interpolated(value: str, values: dict[str, str]) -> str:
    """`${NAME}`, `${NAME:-default}` and `${NAME:?error}` as compose fills them from .env."""

    def fill(match):
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if values.get(name):
            return values[name]
        assert operator != ":?", f"compose would refuse to start: {rest}"
        return rest if operator == ":-" else ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", fill, value)


def dockerfile_copy_sources() -> list[str]:
    sources = []
    for line in DOCKERFILE.splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            sources += [p for p in parts[1:-1] if not p.startswith("--")]
    return sources


def test_the_services_exist():
    assert set(SERVICES) == {
        *("postgres", "redis", "minio", "createbuckets", "nginx"),
        *APP_SERVICES,
    }
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["minio"]["image"].startswith("minio/minio")
    assert SERVICES["createbuckets"]["image"].startswith("minio/mc")
    assert SERVICES["nginx"]["image"].startswith("nginx:")


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


def test_named_volumes_keep_the_database_and_the_uploaded_files():
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert words(SERVICES["minio"]["command"]) == ["server", "/data"]
    assert "miniodata:/data" in SERVICES["minio"]["volumes"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_keep_no_files_of_their_own(name):
    # Uploaded files are in the bucket: a replica can be added or dropped, nothing is lost.
    service = SERVICES[name]
    assert not service.get("volumes"), f"{name} mounts {service.get('volumes')}"
    assert "media" not in (COMPOSE.get("volumes") or {})
    assert service["environment"]["PORTAL_STORAGE"] == "s3"
    assert "MEDIA_ROOT" not in service["environment"]


def test_app_services_reach_the_bucket_createbuckets_makes():
    endpoint = urlsplit(SERVICES["web"]["environment"]["PORTAL_S3_ENDPOINT_URL"])
    # MinIO's S3 API listens on 9000 unless told otherwise (its command sets no --address).
    assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", "minio", 9000)
    assert "--address" not in words(SERVICES["minio"]["command"])
    for name in APP_SERVICES:
        assert SERVICES[name]["environment"]["PORTAL_S3_ENDPOINT_URL"] == endpoint.geturl()

    create = SERVICES["createbuckets"]
    assert words(create["entrypoint"]) == ["/bin/sh", "/deploy/minio/create-bucket.sh"]
    assert "./deploy/minio/create-bucket.sh:/deploy/minio/create-bucket.sh:ro" in create["volumes"]
    assert create["env_file"] == ".env" and create["restart"] == "no"
    assert create["depends_on"] == {"minio": {"condition": "service_healthy"}}
    script = CREATE_BUCKET.read_text()
    assert f"mc alias set portal {endpoint.geturl()} " in script
    assert 'mc mb --ignore-existing "portal/$PORTAL_S3_BUCKET"' in script
    assert 'mc anonymous set none "portal/$PORTAL_S3_BUCKET"' in script  # private
    assert 'mc admin user add portal "$PORTAL_S3_ACCESS_KEY_ID" "$PORTAL_S3_SECRET_ACCESS_KEY"' in (
        script
    )
    assert subprocess.run(["sh", "-n", str(CREATE_BUCKET)]).returncode == 0
    # The names it reads are the ones the settings read, all in .env.example.
    example = env_file_values(BASE_DIR / ".env.example")
    for variable in ("PORTAL_S3_BUCKET", "PORTAL_S3_ACCESS_KEY_ID", "PORTAL_S3_SECRET_ACCESS_KEY"):
        assert f"${{{variable}:?" in script and example[variable]
        assert f'"{variable}"' in SETTINGS_SOURCE
    assert example["MINIO_ROOT_USER"] and len(example["MINIO_ROOT_PASSWORD"]) >= 8


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
            if condition.get("condition") == "service_completed_successfully":
                # A one-shot: restarted, it would never complete.
                assert SERVICES[dependency]["restart"] == "no", f"{dependency} restarts"


@pytest.mark.parametrize(
    "name", ["postgres", "redis", "minio", "web", "nginx", "worker", "worker-rollups"]
)
def test_long_running_services_have_a_healthcheck(name):
    assert words(SERVICES[name]["healthcheck"]["test"])


def test_migrations_run_once_before_any_web_or_worker_starts():
    migrate = SERVICES["migrate"]
    assert words(migrate["command"]) == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no" and "deploy" not in migrate
    for name in ("web", "worker", "worker-rollups", "beat"):
        depends_on = SERVICES[name]["depends_on"]
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends_on["createbuckets"] == {"condition": "service_completed_successfully"}
        assert "migrate" not in service_words(SERVICES[name])


def test_web_collects_static_and_runs_gunicorn_without_control_socket():
    web = SERVICES["web"]
    command = words(web["command"])
    entrypoint = BASE_DIR / words(web["entrypoint"])[0].removeprefix(IMAGE_ROOT)
    script = entrypoint.read_text()

    assert command[:2] == ["gunicorn", "congress.wsgi"]
    assert "--no-control-socket" in command
    # Not here: web replicas starting together would run migrations at once.
    assert not re.search(r"^[^#]*manage\.py migrate", script, flags=re.MULTILINE)
    assert "manage.py collectstatic --noinput" in script
    assert 'exec "$@"' in script
    assert subprocess.run(["sh", "-n", str(entrypoint)]).returncode == 0


def nginx_upstreams() -> dict[str, list[str]]:
    config = NGINX_CONF.read_text()
    return {
        name: re.findall(r"^\s*server\s+(\S+)", body, flags=re.MULTILINE)
        for name, body in re.findall(r"upstream\s+(\w+)\s*\{(.*?)\}", config, flags=re.DOTALL)
    }


def test_nginx_balances_over_every_web_replica_and_is_the_one_published_port():
    nginx, web = SERVICES["nginx"], SERVICES["web"]
    config = NGINX_CONF.read_text()
    bind = next(w for w in words(web["command"]) if w.startswith("--bind="))
    web_port = bind.rsplit(":", 1)[1]

    assert "./deploy/nginx/portal.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert nginx["ports"] == ["${WEB_PORT:-8000}:80"] and re.search(r"listen 80;", config)
    assert "ports" not in web and web["expose"] == [web_port]
    assert web["deploy"]["replicas"] >= 2
    # Every replica, looked up again as they come and go (Docker's DNS).
    upstreams = nginx_upstreams()
    assert len(upstreams) == 1
    ((upstream, servers),) = upstreams.items()
    assert servers == [f"web:{web_port}"]
    assert re.search(rf"server web:{web_port} resolve;", config)
    assert re.search(r"resolver 127\.0\.0\.11 ", config)
    assert re.search(rf"proxy_pass http://{upstream};", config)
    assert nginx["depends_on"] == {"web": {"condition": "service_healthy"}}
    # The client address the portal trusts (TRUSTED_PROXY_COUNT), and the scheme.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    assert "proxy_set_header X-Forwarded-Proto" in config
    assert "proxy_set_header Host $host;" in config
    # A reply with the largest attachments allowed gets through.
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", config).group(1))
    assert body_mb > settings.PORTAL["ATTACHMENT_MAX_TOTAL_MB"]
    # nginx's health check asks nginx itself, so one slow web replica does not fail it.
    assert "http://127.0.0.1/nginx-health" in words(nginx["healthcheck"]["test"])
    assert re.search(r"location = /nginx-health \{[^}]*return 200", config)


def test_trusted_proxy_count_of_env_example_counts_nginx_and_a_tls_proxy():
    example = env_file_values(BASE_DIR / ".env.example")
    assert example["BEHIND_TLS_PROXY"] == "true"
    assert example["TRUSTED_PROXY_COUNT"] == "2"


def test_exactly_one_beat_and_workers_free_to_scale():
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    for name in ("worker", "worker-rollups"):
        assert "container_name" not in SERVICES[name]  # a fixed name cannot be scaled
        assert "ports" not in SERVICES[name]
    assert not any("container_name" in service for service in SERVICES.values())


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
            # Uploaded files go to the bucket .env.example names, on the minio service.
            "from django.core.files.storage import storages",
            "s = storages['default']",
            "assert type(s).__name__ == 'S3Storage', type(s)",
            f"assert s.bucket_name == {env_file_values(BASE_DIR / '.env.example')['PORTAL_S3_BUCKET']!r}",
            "assert s.endpoint_url == 'http://minio:9000', s.endpoint_url",
        ]
    )
    example = env_file_values(BASE_DIR / ".env.example")
    env = {
        **os.environ,
        **example,
        **{k: interpolated(str(v), example) for k, v in SERVICES["web"]["environment"].items()},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PORTAL_VAR_DIR": str(tmp_path),  # /app/var in the image
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


def test_web_and_worker_log_in_as_the_role_row_level_security_binds():
    """The services that serve requests and run the congresses' tasks log in as the
    application role itself (no owner session to RESET ROLE back to); migrations, the
    rollups worker and beat keep the owner's DATABASE_URL from .env."""
    example = env_file_values(BASE_DIR / ".env.example")
    for name in ("web", "worker"):
        environment = SERVICES[name]["environment"]
        assert environment["DATABASE_URL"] == (
            f"postgres://{rls.app_role()}:"
            "${PORTAL_DB_APP_PASSWORD:?set PORTAL_DB_APP_PASSWORD in .env}"
            "@postgres:5432/${POSTGRES_DB:-portal}"
        )
        assert "PORTAL_DB_APP_ROLE" not in environment
        assert environment["DEBUG"] == "false"
    for name in ("migrate", "worker-rollups", "beat"):
        assert "DATABASE_URL" not in SERVICES[name].get("environment", {})
    # `migrate` reads the password from .env (env_file) to give the role its login.
    assert SERVICES["migrate"]["env_file"] == ".env" and example["PORTAL_DB_APP_PASSWORD"]
    assert urlsplit(example["DATABASE_URL"]).username == example["POSTGRES_USER"] != "portal_app"
    assert '"PORTAL_DB_APP_PASSWORD"' in SETTINGS_SOURCE
