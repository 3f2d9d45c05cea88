"""Settings for the portal, read from the environment.

Development defaults need no server: SQLite under var/ and kombu's filesystem broker under
var/. Production (DEBUG off) refuses to start with the development secret key.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from kombu import Queue

from .env import ConfigError, env_bool, env_int, env_list, env_str
from .storage import s3_storage_options

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ConfigError(
        "SECRET_KEY must be set to a random value of 32+ characters when DEBUG is off"
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS must be set when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "congresses",
    "accounts",
    "units",
    "deputies",
    "suggestions",
    "planning",
    "notifications",
    "rollups",
    "imports",
    "api",
    "dashboards",
    "supervision",
    "evaluation",
    "commitments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "congress.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "congresses.middleware.CongressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "congress.urls"
WSGI_APPLICATION = "congress.wsgi.application"
ASGI_APPLICATION = "congress.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suggestions.context_processors.calendar_warning",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
# Production keeps each worker's connection for a minute: opening one per request cost a
# trivial page three quarters of its time (105 against 425 requests per second on 2 cores,
# shared/STACK.md). The health check replaces a connection that died between requests (a
# database restart, a failover) before the next request uses it. Development closes it after
# each request, as runserver starts a thread per request.
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 60)
if DB_CONN_MAX_AGE < 0:
    raise ConfigError("DB_CONN_MAX_AGE must be 0 or more seconds")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web server and a Celery worker write at once: WAL plus immediate transactions
    # avoids "database is locked" (see shared/STACK.md).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
# PostgreSQL: the portal's backend tells the server the congress acted in, for row-level
# security (congresses.rls). PORTAL_DB_APP_ROLE, set for the web and worker services only,
# makes their connections act as that role (no BYPASSRLS, not the tables' owner), so the
# policies bind them; migrate and flush act as the login role, as do commands run elsewhere.
PORTAL_DB_APP_ROLE = env_str("PORTAL_DB_APP_ROLE", "")
if PORTAL_DB_APP_ROLE and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", PORTAL_DB_APP_ROLE):
    raise ConfigError("PORTAL_DB_APP_ROLE must be a lower-case PostgreSQL role name")
# The application role's own password (PORTAL_DB_APP_PASSWORD): `migrate` then lets the role
# log in, and the web and worker services connect as it (their DATABASE_URL names it), so no
# statement of theirs can step back to the owner the way RESET ROLE steps out of a SET ROLE.
PORTAL_DB_APP_PASSWORD = env_str("PORTAL_DB_APP_PASSWORD", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "congresses.db.postgresql"
    if PORTAL_DB_APP_ROLE:
        DATABASES["default"].setdefault("OPTIONS", {})["assume_role"] = PORTAL_DB_APP_ROLE
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# ModelBackend that loads the user's unread notification count in the same query.
AUTHENTICATION_BACKENDS = ["notifications.backends.ModelBackendWithUnreadCount"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Ten characters at least: accounts here open public records and personal data.
    {
        "NAME": "accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Dates read 2026-03-01 everywhere (pages, admin, forms).
FORMAT_MODULE_PATH = ["congress.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# var/ is not in git: create it so a fresh clone's SQLite file and static root can exist.
for _folder in (VAR_DIR, STATIC_ROOT):
    _folder.mkdir(parents=True, exist_ok=True)
# Uploaded files (reply attachments, evidence, milestone files, import workbooks) go through
# Django's storage API only, never a path: "filesystem" keeps them under MEDIA_ROOT (one
# machine); "s3" puts them in a private bucket of S3-compatible object storage (MinIO in
# docker-compose.yml), so any number of web and worker nodes share them. Downloads are still
# served by the portal's own views after its access check, never by a link to the bucket.
PORTAL_STORAGE = env_str("PORTAL_STORAGE", "filesystem")
if PORTAL_STORAGE == "filesystem":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif PORTAL_STORAGE == "s3":
    PORTAL_S3_BUCKET = env_str("PORTAL_S3_BUCKET", "")
    if not PORTAL_S3_BUCKET:
        raise ConfigError("PORTAL_S3_BUCKET must name the bucket when PORTAL_STORAGE is s3")
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(
            bucket=PORTAL_S3_BUCKET,
            # Empty: Amazon S3 itself; MinIO and other S3-compatible stores: their URL.
            endpoint_url=env_str("PORTAL_S3_ENDPOINT_URL", ""),
            # Empty: boto3's own lookup (AWS_ACCESS_KEY_ID, an instance role, ...).
            access_key=env_str("PORTAL_S3_ACCESS_KEY_ID", ""),
            secret_key=env_str("PORTAL_S3_SECRET_ACCESS_KEY", ""),
            region=env_str("PORTAL_S3_REGION", "us-east-1"),
        ),
    }
else:
    raise ConfigError("PORTAL_STORAGE must be filesystem or s3")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail -----------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "代表建议办理平台 <noreply@localhost>")

# --- SMS (notifications.sms) --------------------------------------------------------------
# Default: the file backend, one JSON line per message under var/ (nothing leaves the machine).
# Production: notifications.sms.AliyunSmsBackend (Alibaba Cloud SMS SendSms).
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.sms.FileSmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms" / "outbox.jsonl"))
SMS_ALIYUN_ENDPOINT = env_str("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
SMS_ACCESS_KEY_ID = env_str("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = env_str("SMS_ACCESS_KEY_SECRET", "")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "")  # 短信签名, as approved by the provider
# The provider's approved template for each kind of message; its variables are listed in
# README ("SMS").
SMS_TEMPLATES = {
    "reminder": env_str("SMS_TEMPLATE_REMINDER", ""),
    "reply": env_str("SMS_TEMPLATE_REPLY", ""),
}
# At most this many messages to one phone per hour and per day; more wait their turn.
SMS_MAX_PER_PHONE_HOUR = env_int("SMS_MAX_PER_PHONE_HOUR", 5)
SMS_MAX_PER_PHONE_DAY = env_int("SMS_MAX_PER_PHONE_DAY", 20)

# --- Celery -----------------------------------------------------------------------------
# Default: kombu's filesystem transport under var/, so `make run` needs no Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
# Three queues, so a long rollup never delays a reminder: docker-compose.yml runs one worker
# for `reminders` and `default` and another for `rollups`. A worker without -Q (`make run`)
# consumes all three.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue("default"), Queue("reminders"), Queue("rollups")]
CELERY_TASK_ROUTES = {
    "notifications.tasks.*": {"queue": "reminders"},
    "rollups.tasks.*": {"queue": "rollups"},
}
# In code, not django-celery-beat: the times are part of the deployment, reviewed in git;
# staff have no need to change them (see README, "Jobs and queues").
# Each periodic job runs once per active congress, acting in it (congresses.runs): its records
# are that congress's, and one congress's failure is logged without stopping the others.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        # Hourly in office hours: the first run of a day sends its reminders; later runs
        # only retry e-mails (each reminder is recorded once per assignment, kind, deadline).
        "schedule": crontab(minute=5, hour="8-18"),
    },
    "rollups-refresh": {
        "task": "rollups.tasks.refresh_rollups",
        # Reads the audit events since the last run and brings the stored days they change up
        # to date (rollups/changes.py): every write is covered, whoever made it.
        "schedule": timedelta(seconds=max(env_int("PORTAL_ROLLUP_DEBOUNCE_SECONDS", 60), 1)),
    },
    "rollups-nightly": {
        "task": "rollups.tasks.compute_rollups_nightly",
        # Just after midnight: closes yesterday's figures, then stores today's.
        "schedule": crontab(minute=15, hour=0),
    },
}
# Beat's state, embedded (`make run`) or standalone (compose), kept out of the source tree.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# A broker that is down must not hang a page. Queuing a task (always after commit) tries
# three times within about a second, each connection attempt cut off after 2 s, then gives
# up; the caller logs it and the page answers (notifications.services, imports.services).
# Celery's defaults (4 s, four tries) held a request for up to 17 s on an unreachable host.
# Workers keep retrying their own connection to the broker as before.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# --- The congress of a single-congress deployment (DESIGN.md §11) ------------------------
# Records made outside a request or task belong to it; migrations carried today's data into it.
PORTAL_DEFAULT_CONGRESS = {
    "code": env_str("PORTAL_CONGRESS_CODE", "default"),
    "name": env_str("PORTAL_CONGRESS_NAME", "市人大常委会"),
    "short_name": env_str("PORTAL_CONGRESS_SHORT_NAME", "市人大"),
    "level": env_str("PORTAL_CONGRESS_LEVEL", "city"),
}

# --- Domain rules (DESIGN.md §4); every default is a setting ------------------------------
PORTAL = {
    # Working days within which staff assign a suggestion received between meetings.
    "STAFF_ASSIGN_WORKING_DAYS": env_int("PORTAL_STAFF_ASSIGN_WORKING_DAYS", 5),
    # Working days within which a unit acknowledges a leader's 督办意见; unacknowledged ones
    # are reminded once after (notifications.reminders, supervision).
    "INSTRUCTION_ACK_WORKING_DAYS": env_int("PORTAL_INSTRUCTION_ACK_WORKING_DAYS", 3),
    # 预交办: working days after a plan's publication within which units accept or object.
    "PREASSIGN_WINDOW_WORKING_DAYS": env_int("PORTAL_PREASSIGN_WINDOW_WORKING_DAYS", 3),
    # Reminder offsets in days before a deadline, and the escalation threshold after it.
    "REMINDER_DAYS_BEFORE": [14, 7, 3],
    "OVERDUE_ESCALATION_DAYS": env_int("PORTAL_OVERDUE_ESCALATION_DAYS", 15),
    # Units with fewer assignments in scope are shown apart, unranked (DESIGN.md §5).
    "RANKING_MIN_ASSIGNMENTS": env_int("PORTAL_RANKING_MIN_ASSIGNMENTS", 5),
    # Largest reply attachment accepted, in MB (checked on the upload, by content and size).
    "ATTACHMENT_MAX_MB": env_int("PORTAL_ATTACHMENT_MAX_MB", 20),
    # At most this many attachments per reply, together at most this many MB.
    "ATTACHMENT_MAX_COUNT": env_int("PORTAL_ATTACHMENT_MAX_COUNT", 10),
    "ATTACHMENT_MAX_TOTAL_MB": env_int("PORTAL_ATTACHMENT_MAX_TOTAL_MB", 50),
    # An open assignment is "due soon" within this many days of its deadline: the inbox tab,
    # the deadline chips and the API (suggestions.models.deadline_status, Assignment.due_soon_q).
    "DUE_SOON_DAYS": env_int("PORTAL_DUE_SOON_DAYS", 14),
    # Seconds between runs of the job that brings stored figures up to the audit trail
    # (rollups.tasks.refresh_rollups in CELERY_BEAT_SCHEDULE); changes in between share a run.
    "ROLLUP_DEBOUNCE_SECONDS": env_int("PORTAL_ROLLUP_DEBOUNCE_SECONDS", 60),
    # Excel files with more data rows are checked and imported by a Celery task with a
    # progress bar; smaller ones run within the request.
    "IMPORT_INLINE_MAX_ROWS": env_int("PORTAL_IMPORT_INLINE_MAX_ROWS", 1000),
    # One import holds at most this many data rows; a workbook unpacking to more than
    # IMPORT_MAX_UNPACKED_MB, or with shared strings (or any part read whole) above
    # IMPORT_MAX_SHARED_STRINGS_MB, is refused before it is parsed.
    "IMPORT_MAX_ROWS": env_int("PORTAL_IMPORT_MAX_ROWS", 20_000),
    "IMPORT_MAX_UNPACKED_MB": env_int("PORTAL_IMPORT_MAX_UNPACKED_MB", 300),
    "IMPORT_MAX_SHARED_STRINGS_MB": env_int("PORTAL_IMPORT_MAX_SHARED_STRINGS_MB", 20),
    # One suggestions export (a request) holds at most this many suggestions: ~10,000 rows
    # take a few seconds to write; more would hold a web worker (filter, export in parts).
    "EXPORT_MAX_ROWS": env_int("PORTAL_EXPORT_MAX_ROWS", 10_000),
    # Login lockout: this many wrong passwords within the window lock the account (or, at the
    # per-address limit, the client address) until the window has passed since the last one.
    "LOGIN_MAX_FAILURES": env_int("PORTAL_LOGIN_MAX_FAILURES", 5),
    "LOGIN_MAX_FAILURES_PER_IP": env_int("PORTAL_LOGIN_MAX_FAILURES_PER_IP", 30),
    "LOGIN_LOCKOUT_MINUTES": env_int("PORTAL_LOGIN_LOCKOUT_MINUTES", 15),
    # The longest list one request may carry (suggestions/limits.py words the refusal): far
    # above real use (a suggestion has a handful of co-signers, an assignment a few units),
    # low enough that validating one never holds a worker.
    "MAX_CO_SIGNERS": 200,
    "MAX_UNITS_PER_ASSIGNMENT": 30,
    # Ticked ids on the staff list's bulk action, or the rows "all matching" may touch.
    "MAX_BULK_ITEMS": 500,
    # Which signed replies a reviewer (staff, or 督查室 for government units) releases before
    # they reach the deputy (DESIGN.md §8): "key" (key suggestions), "all" or "off".
    "REPLY_REVIEW": env_str("PORTAL_REPLY_REVIEW", "key"),
    # A public reply appears on the public page at the latest this many working days after
    # its release (DESIGN.md §4a).
    "PUBLISH_WITHIN_WORKING_DAYS": env_int("PORTAL_PUBLISH_WITHIN_WORKING_DAYS", 20),
}
if PORTAL["REPLY_REVIEW"] not in ("key", "all", "off"):
    raise ConfigError("PORTAL_REPLY_REVIEW must be key, all or off")

# --- Request size ------------------------------------------------------------------------
# Bodies beyond these are refused with 400 before they are parsed (pages: the 400 page; the
# API: its JSON error). The largest real body is a reply of 50,000 Chinese characters,
# about 450 KB form-encoded; uploaded files do not count here (their own caps apply).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Form fields per request: a bulk action with MAX_BULK_ITEMS ticked rows stays well below.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Cache -------------------------------------------------------------------------------
# The API's request throttles count here. Without CACHE_URL each process keeps its own counts
# in memory (fine for one process and for tests); with several gunicorn workers, point it at
# Redis (e.g. redis://redis:6379/1) so the limits hold across them.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://")):
        raise ConfigError("CACHE_URL must be a redis:// or rediss:// URL")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions stay in the database: every web node reads the same ones (no sticky load
# balancing), and a Redis outage logs no one out. Django's cache-backed sessions would turn
# that outage into a 500 on every signed-in page (cached_db writes to the cache on each load).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- API (/api/v1/, schema /api/schema/, docs /api/docs/) ---------------------------------
REST_FRAMEWORK = {
    # Token first: its authenticate_header makes unauthenticated requests 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonThrottle",
        "api.throttling.UserThrottle",
        "api.throttling.TokenThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "30/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
        "token": env_str("API_THROTTLE_TOKEN", "120/min"),
    },
    "DATE_FORMAT": "%Y-%m-%d",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "代表建议办理平台 接口",
    "DESCRIPTION": (
        "建议、交办、答复、沟通、反馈、代表、承办单位、分类和统计。浏览器用登录会话"
        "(写操作须带 CSRF 令牌),其他系统用工作人员签发的令牌:Authorization: Bearer dp_…。"
        '拒绝的请求返回 {"errors": [{"field", "code", "message"}]}。'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the drf-spectacular-sidecar package, served under /static/: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RequestStateEnum": "suggestions.models.RequestState",
        "VerdictEnum": "suggestions.models.Verdict",
        "AssignmentStateEnum": "suggestions.models.AssignmentState",
        "SuggestionStatusEnum": "suggestions.models.SuggestionStatus",
        "SuggestionKindEnum": "suggestions.models.SuggestionKind",
        "ContactKindEnum": "suggestions.models.ContactKind",
        "DeadlineChangeKindEnum": "suggestions.models.DeadlineChangeKind",
        "RejectReasonEnum": "suggestions.models.RejectReason",
        "AssignmentRoleEnum": "suggestions.models.AssignmentRole",
        "DeliveryRoleEnum": "suggestions.models.DeliveryRole",
        "CoSignatureStateEnum": "suggestions.models.CoSignatureState",
        "MilestoneKindEnum": "supervision.models.MilestoneKind",
        "SupervisionActionKindEnum": "supervision.models.ActionKind",
        "TopicStateEnum": "supervision.models.TopicState",
    },
}

# --- Security ---------------------------------------------------------------------------
# SECURE_COOKIES=true (the default) means "served over HTTPS": secure cookies, a redirect to
# HTTPS and HSTS. Only a plain-HTTP trial turns it off. Parsed even in DEBUG.
HTTPS_ONLY = env_bool("SECURE_COOKIES", True) and not DEBUG
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SESSION_COOKIE_HTTPONLY = True
# A working day; public records should not stay open on an unattended screen for longer.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SECURE_SSL_REDIRECT = HTTPS_ONLY
# The containers' own health check speaks plain HTTP on the inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
# Intranet host names are not submitted to browsers' public HSTS preload list.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (congress.middleware): scripts only from our own static files (no
# inline script, no eval), no framing. Every page's JavaScript lives in static/js/. Styles
# also allow inline style attributes: the vendored chart library (ECharts) styles its
# tooltips and labels with them; our own templates keep theirs in CSS files (a test checks).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# Proxies in front of the portal that append the address they received the request from to
# X-Forwarded-For. The client is that many entries from the right; anything further left was
# sent by the client and is never trusted (accounts.services.client_ip: login lockout, API
# throttles). 0: X-Forwarded-For is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ConfigError("TRUSTED_PROXY_COUNT must be 0 or more")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
