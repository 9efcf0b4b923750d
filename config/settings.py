"""Jixiao settings. Everything that differs between machines comes from the environment (see docs/deploy.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# Demo mode shows the demo logins on the login page; never enable it in production.
DEMO_MODE = env_bool("JIXIAO_DEMO", False)
# Under pytest the settings are imported before any conftest runs, so detect it here.
TESTING = env_bool("JIXIAO_TESTING", "pytest" in sys.modules)

SECRET_KEY = env_str(
    "SECRET_KEY", "" if not (DEBUG or DEMO_MODE or TESTING) else "insecure-dev-key-only-for-demo-and-tests"
)
if not SECRET_KEY or (len(SECRET_KEY) < 50 and not (DEBUG or DEMO_MODE or TESTING)):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or DEMO_MODE or TESTING) else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "jixiao.core",
    "jixiao.accounts",
    "jixiao.organizations",
    "jixiao.indicators",
    "jixiao.projects",
    "jixiao.targets",
    "jixiao.preassessment",
    "jixiao.experts",  # after 事前评估 and before 执行: the 待办 list follows the menu
    "jixiao.execution",
    "jixiao.monitoring",
    "jixiao.alerts",
    "jixiao.evaluation",
    "jixiao.keyeval",
    "jixiao.documents",
    "jixiao.training",
    "jixiao.regulations",
    "jixiao.inspections",
    "jixiao.rectification",
    "jixiao.results",
    "jixiao.disclosure",
    "jixiao.appraisals",
    "jixiao.bulletins",
    "jixiao.reports",
    "jixiao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jixiao.core.middleware.RequestContextMiddleware",
    "jixiao.core.ratelimit.RateLimitMiddleware",
    "jixiao.accounts.middleware.ActiveMembershipMiddleware",
    "jixiao.accounts.middleware.SessionPolicyMiddleware",
    "jixiao.accounts.middleware.ForcePasswordChangeMiddleware",
    "jixiao.core.middleware.SecurityHeadersMiddleware",
    "jixiao.core.middleware.NotFoundMiddleware",
    "jixiao.core.middleware.DeniedAccessAuditMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "jixiao.accounts.context_processors.navigation",
            ],
            "builtins": ["jixiao.core.templatetags.jixiao"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'jixiao.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the timeout absorbs short write bursts.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A PostgreSQL streaming replica for report reads (jixiao/core/db_router.py); unset = every query on the primary.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["jixiao.core.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Region/year configuration rows are unique with NULLs not distinct; PostgreSQL enforces it, SQLite (demo and tests)
# cannot, and the services that write those rows look them up before writing.
# Covering indexes (INCLUDE columns, e.g. budgets per department) are index-only scans on PostgreSQL; SQLite builds
# the same index without the included columns (W040).
SILENCED_SYSTEM_CHECKS = ["models.W047", "models.W040"]

# Background work (imports, exports, sweeps): rows in the database, run by `manage.py db_worker`.
# Tests run each task at once, in the calling thread.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend" if TESTING else "django_tasks_db.DatabaseBackend"
        )
    }
}
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "jixiao.accounts.hashers.PBKDF2SM3PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# 密评 deployments store passwords with PBKDF2-SM3: JIXIAO_PASSWORD_HASHER=pbkdf2_sm3 puts it first.
if env_str("JIXIAO_PASSWORD_HASHER", "argon2") == "pbkdf2_sm3":
    PASSWORD_HASHERS.insert(0, PASSWORD_HASHERS.pop(1))
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
# Length, classes, username and history come from the security policy row (accounts.SecurityPolicy).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jixiao.accounts.passwords.PolicyPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Our zh_Hans input formats put the ISO date first, so an <input type="date"> shows a stored date (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING or DEMO_MODE)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or DEMO_MODE or TESTING
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / "var" / "media")
# Uploaded files are served only through scoped views, never from a public URL.
MEDIA_URL = "/_media_not_served/"

# Import limits (bytes): spreadsheets larger than this are refused before parsing.
JIXIAO_MAX_UPLOAD_BYTES = env_int("JIXIAO_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# SM4 field-encryption keys (jixiao.core.crypto): "id:<32 hex>[,id:<32 hex>…]", first one encrypts. Required in
# production; demo and test mode derive one from SECRET_KEY when unset.
JIXIAO_FIELD_KEYS = env_str("JIXIAO_FIELD_KEYS", "")
if not JIXIAO_FIELD_KEYS and not (DEBUG or DEMO_MODE or TESTING):
    raise ImproperlyConfigured("JIXIAO_FIELD_KEYS must be set (SM4 field-encryption keys, see docs/deploy.md)")
if JIXIAO_FIELD_KEYS:
    from jixiao.core.crypto import parse_keys

    parse_keys(JIXIAO_FIELD_KEYS)  # a malformed key stops the start, not the first encryption
# HMAC-SM3 key(s) of the audit chain (jixiao.core.audit_chain): "id:<32–128 hex>[,id:<hex>…]", first one signs.
# Required in production; demo and test mode derive one from SECRET_KEY when unset.
JIXIAO_AUDIT_KEY = env_str("JIXIAO_AUDIT_KEY", "")
if not JIXIAO_AUDIT_KEY and not (DEBUG or DEMO_MODE or TESTING):
    raise ImproperlyConfigured("JIXIAO_AUDIT_KEY must be set (audit chain HMAC key, see docs/deploy.md)")
if JIXIAO_AUDIT_KEY:
    from jixiao.core.audit_chain import parse_audit_keys

    parse_audit_keys(JIXIAO_AUDIT_KEY)
# Rate limits (jixiao.core.ratelimit): "count/seconds" per scope; an empty value switches that scope off. Under
# pytest the limits are high so tests that log in or export many times are not throttled; the rate-limit tests set
# their own (tests/security/test_rate_limits.py).
JIXIAO_RATE_LIMIT_ENABLED = env_bool("JIXIAO_RATE_LIMIT_ENABLED", True)
JIXIAO_RATE_LIMITS = {
    "login_ip": env_str("JIXIAO_RATE_LOGIN_IP", "1000/60" if TESTING else "30/60"),
    "login_user": env_str("JIXIAO_RATE_LOGIN_USER", "1000/60" if TESTING else "10/60"),
    "import": env_str("JIXIAO_RATE_IMPORT", "1000/600" if TESTING else "20/600"),
    "export": env_str("JIXIAO_RATE_EXPORT", "1000/600" if TESTING else "60/600"),
}
# Antivirus scan of uploads (jixiao.core.uploads): the clamd unix socket; unset = no scanner (a warning is logged).
JIXIAO_CLAMD_SOCKET = env_str("JIXIAO_CLAMD_SOCKET", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
# Not on every request: SessionPolicyMiddleware refreshes LAST_SEEN (and so saves the session and slides its expiry)
# at most once a minute of activity, which keeps an active session alive and lets parallel requests run unserialised.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL = env_bool("SECURE_SSL", not (DEBUG or DEMO_MODE or TESTING))
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
if env_bool("BEHIND_TRUSTED_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["jixiao.core.api.ScopedFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jixiao.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jixiao 预算绩效管理信息系统 API",
    "DESCRIPTION": "版本 v1。所有接口按登录用户的当前身份进行数据范围限制。金额单位：元。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API description is for signed-in users only (found by the authorization matrix, checklist C11).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
