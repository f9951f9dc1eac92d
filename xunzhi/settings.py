"""Django settings for xunzhi, read from the environment through checked helpers.

Variables (all optional for the demo):

- ``XUNZHI_DEBUG``          true/false, default false: debug pages only when asked for
- ``XUNZHI_SECRET_KEY``     at least 50 characters; by default one is generated once and kept in
                            ``$XUNZHI_DATA_DIR/secret_key``
- ``XUNZHI_ALLOWED_HOSTS``  comma separated, default ``127.0.0.1,localhost``
- ``XUNZHI_DATA_DIR``       data folder (SQLite file, reports, uploads), default ``./data``
- ``DATABASE_URL``          e.g. ``postgres://user@127.0.0.1:5432/xunzhi``; SQLite by default
- ``XUNZHI_HTTPS``          true when served over TLS (secure cookies, HSTS, redirect)
- ``XUNZHI_PG_OPTIONS``     PostgreSQL session settings, default ``-c jit=off -c work_mem=32MB``
                            (docs/scaling.md: JIT compiling cost more than it saved on every
                            report query, and 4 MB sent the province's groupings to disk)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url

from xunzhi.lib.env import (
    EnvError,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    stored_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("XUNZHI_DEBUG", False)
DATA_DIR = env_path("XUNZHI_DATA_DIR", BASE_DIR / "data")

# Never a key written in the code: the one given, else one generated once into the data folder.
SECRET_KEY = env_str("XUNZHI_SECRET_KEY", "")
if not SECRET_KEY:
    SECRET_KEY = stored_secret_key(DATA_DIR)
elif len(SECRET_KEY) < 50:
    raise EnvError("环境变量 XUNZHI_SECRET_KEY 太短：至少需要 50 个字符。")

ALLOWED_HOSTS = env_list("XUNZHI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("XUNZHI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "js_lib_htmx",
    "axes",
    "auditlog",
    "csp",
    "xunzhi.organisations",
    "xunzhi.campaigns",
    "xunzhi.ledgers",
    "xunzhi.intake",
    "xunzhi.figures",
    "xunzhi.reports",
    "xunzhi.web",
    "xunzhi.demo",
    "xunzhi.audit",
    "xunzhi.backups",
    "xunzhi.supervision",
    "xunzhi.drafts",
    "xunzhi.evaluation",
    "xunzhi.city",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xunzhi.audit.middleware.AuditMiddleware",
    "xunzhi.campaigns.middleware.CampaignInUrlMiddleware",
    "xunzhi.web.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last: turns a locked-out login into the Chinese lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xunzhi.urls"
WSGI_APPLICATION = "xunzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_DEFAULT_DB_URL = f"sqlite:///{DATA_DIR / 'xunzhi.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", "") or _DEFAULT_DB_URL
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except Exception as exc:  # dj_database_url raises bare exceptions on unknown schemes
    raise EnvError(f"环境变量 DATABASE_URL 无法识别：{exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A worker keeps its connection between requests, as on PostgreSQL: opening one and running
    # the pragmas below cost ~2.5 ms, more than most pages' queries. A restore writes into the
    # same file (SQLite's backup API), so a kept connection never reads a replaced file.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web app read while a background import or report writes; a writer
        # waits up to 30 s for another (an import holds the lock only while it writes, a few
        # seconds for 200 000 rows) instead of failing with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise EnvError("DATABASE_URL 只支持 sqlite:// 与 postgres:// 两种数据库。")
else:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _session = env_str("XUNZHI_PG_OPTIONS", "-c jit=off -c work_mem=32MB")
    _options["options"] = f"{_options.get('options', '')} {_session}".strip()
# Parallel developers and CI jobs can isolate their PostgreSQL test database by name.
_test_db_name = env_str("XUNZHI_TEST_DB_NAME", "")
if _test_db_name and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["TEST"] = {"NAME": _test_db_name}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS: list[tuple[str, str]] = []
try:  # Bootstrap is served from the installed xstatic package, never from a CDN.
    import xstatic.pkg.bootstrap as _xstatic_bootstrap

    STATICFILES_DIRS.append(("bootstrap", _xstatic_bootstrap.BASE_DIR))
except ImportError:  # pragma: no cover - the lock file always installs it
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Audit log (django-auditlog with our entry model, see xunzhi/audit).
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEntry"
# django-auditlog's own migrations create its default entry table even when it is swapped out
# for ours: an unused table that would only hold foreign keys to the users.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_USE_FK_STRING_REPRESENTATION = True  # "东山镇", not "12", in before → after
AUDITLOG_MASK_CALLABLE = "xunzhi.audit.registry.mask"
AUDITLOG_DISABLE_ON_RAW_SAVE = True  # fixtures and restores are not a person's writes

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Login guard (django-axes): after XUNZHI_LOGIN_FAILURES wrong passwords for one account, or
# XUNZHI_LOGIN_ADDRESS_FAILURES from one address (an office behind one NAT address shares it),
# logins are refused for XUNZHI_LOGIN_LOCKOUT_MINUTES; the office can unlock an account earlier.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURES_ADDRESS = env_int("XUNZHI_LOGIN_ADDRESS_FAILURES", 30, minimum=1)
AXES_FAILURE_LIMIT = env_int("XUNZHI_LOGIN_FAILURES", 5, minimum=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # this order: see LoginGuardHandler
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("XUNZHI_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = False  # else one's own login would clear the address's failures
AXES_HANDLER = "xunzhi.web.login_guard.LoginGuardHandler"
AXES_LOCKOUT_CALLABLE = "xunzhi.web.login_guard.lockout_response"
# Behind a reverse proxy, the client's address is taken from X-Forwarded-For (that many proxies).
PROXY_COUNT = env_int("XUNZHI_PROXY_COUNT", 0)
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Limits on uploads, imports and background jobs (README, "Limits"); all in the environment.
UPLOAD_MAX_FILE_MB = env_int("XUNZHI_UPLOAD_MAX_FILE_MB", 50, minimum=1)
UPLOAD_MAX_REQUEST_MB = env_int("XUNZHI_UPLOAD_MAX_REQUEST_MB", 100, minimum=1)
#: A campaign file or report template uploaded in the browser: refused above this, before parsing.
CAMPAIGN_UPLOAD_MAX_KB = env_int("XUNZHI_CAMPAIGN_UPLOAD_MAX_KB", 512, minimum=1)
UPLOAD_KEEP_HOURS = env_int("XUNZHI_UPLOAD_KEEP_HOURS", 24, minimum=1)
ANNOTATED_KEEP_DAYS = env_int("XUNZHI_ANNOTATED_KEEP_DAYS", 7, minimum=1)
IMPORT_MAX_UNCOMPRESSED_MB = env_int("XUNZHI_IMPORT_MAX_UNCOMPRESSED_MB", 400, minimum=1)
IMPORT_MAX_ROWS = env_int("XUNZHI_IMPORT_MAX_ROWS", 500_000, minimum=10)
IMPORT_MAX_COLUMNS = env_int("XUNZHI_IMPORT_MAX_COLUMNS", 256, minimum=10)
IMPORT_MAX_CELLS = env_int("XUNZHI_IMPORT_MAX_CELLS", 6_000_000, minimum=100)
# Files attached to a rectification (整改情况): size of one file, number per submission.
RECTIFICATION_MAX_FILE_MB = env_int("XUNZHI_RECTIFICATION_MAX_FILE_MB", 20, minimum=1)
RECTIFICATION_MAX_FILES = env_int("XUNZHI_RECTIFICATION_MAX_FILES", 10, minimum=1)
JOB_ISOLATION = env_bool("XUNZHI_JOB_ISOLATION", True)
JOB_MEMORY_MB = env_int("XUNZHI_JOB_MEMORY_MB", 2048, minimum=256)
JOB_TIMEOUT_SECONDS = env_int("XUNZHI_JOB_TIMEOUT_SECONDS", 1800, minimum=10)

# Production hardening: on whenever debug is off; TLS-only parts follow XUNZHI_HTTPS.
HTTPS = env_bool("XUNZHI_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("XUNZHI_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("XUNZHI_HSTS_PRELOAD", HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this site only
# (Bootstrap's icons are data: URIs); no inline script or style, no eval, no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SILENCED_SYSTEM_CHECKS = (
    [] if HTTPS else ["security.W004", "security.W008", "security.W012", "security.W016"]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
