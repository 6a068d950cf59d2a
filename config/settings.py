"""Settings for the whole project, read from the environment (see .env.example).

One file, no settings tree: every value either has a documented default or comes
from a variable whose malformed value stops the start-up (config/env.py).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) in the environment; "
            "only DEBUG=1 may run without one."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "guardian",
    "django_htmx",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "areas",
    "households",
    "identification",
    "assistance",
    "exits",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.IdleTimeoutMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "core.middleware.BadRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database: PostgreSQL in production and CI, SQLite under var/ by default (DESIGN.md decision 5).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several processes (web, in-process tasks, tests) write to one file: wait rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when there is one (shared by all web processes), else per-process memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and object permissions (DESIGN.md decision 2).
AUTHENTICATION_BACKENDS = [
    # first: a locked username or address is refused before a password is checked (core/auth.py)
    "core.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No anonymous guardian user: anonymous visitors hold no role anywhere.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: failures per username (then that name waits), and per address (higher: an
# office behind one address is not locked out by one person's mistakes), within the cool-off
LOGIN_FAILURES_PER_USER = env_int("LOGIN_FAILURES_PER_USER", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 50)
LOGIN_COOL_OFF_SECONDS = env_int("LOGIN_COOL_OFF_SECONDS", 15 * 60)
# The client address of throttles and lockouts: 0 (served directly, as by `make run`) takes the
# connection's address and ignores X-Forwarded-For, which the client can write; behind proxies that
# each append to X-Forwarded-For, their number (1 behind deploy/nginx.conf alone, 2 with an outer
# gateway in front of it). More than the real number lets clients choose their address.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"NUM_PROXIES must be 0 or more, not {NUM_PROXIES}")
# API tokens end this many hours after they were issued; the caller asks for a new one
# (/api/v1/auth/token/). A password change or reset ends them at once (core/tokens.py).
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 12)
if API_TOKEN_HOURS < 1:
    raise ImproperlyConfigured(f"API_TOKEN_HOURS must be 1 or more, not {API_TOKEN_HOURS}")

# Idle sessions end after SESSION_IDLE_MINUTES: core.middleware.IdleTimeoutMiddleware renews the
# session at most once a minute while the user is active (not on every request: that is a write).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
# With Redis, sessions live in the cache shared by all web processes; without it, in the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cache" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- HTTPS: on behind the production proxy (HTTPS=1), off for `make run` on 127.0.0.1.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content security policy (core.middleware.ContentSecurityPolicyMiddleware): everything from our own
# origin, nothing inline, no plugins, no framing. img-src allows data: for the icons of the API docs.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# CSP_REPORT_ONLY=1 sends the policy as Report-Only (to try a changed policy without breaking pages).
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)

# --- Language and time: Chinese first, English selectable (DESIGN.md decision 8).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files: served by WhiteNoise from the web process, no CDN.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Uploads: workbooks and attachments have their own limits; nothing larger reaches memory.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# A whole request (the largest file plus the form around it) is refused above this with 413, by
# core.middleware.RequestSizeLimitMiddleware and, with the same figure, by nginx (client_max_body_size).
REQUEST_MAX_BYTES = UPLOAD_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- API (DESIGN.md decision 9).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes an anonymous call answer 401, not 403.
        # Tokens expire after API_TOKEN_HOURS (core/tokens.py).
        "core.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    # JSON refusing NUL characters (core.parsers.JSONParser); form bodies: core.middleware.BadRequestMiddleware
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # throttles and the login lockout take the client address from the trusted proxies only
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "扶贫建档立卡管理系统 API",
    "DESCRIPTION": "Households, identification, assistance, exits and reports, scoped to the caller's areas.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # several models have a "status" with different choices: name each set in the schema
    "ENUM_NAME_OVERRIDES": {
        "HouseholdStatusEnum": "households.choices.HouseholdStatus",
        "JobStatusEnum": "core.models.JobStatus",
        "MeasureStatusEnum": "assistance.choices.MeasureStatus",
        "MonitoringKindEnum": "exits.monitoring_choices.MonitoringKind",
        "RiskKindEnum": "exits.monitoring_choices.RiskKind",
        "FlagKindEnum": "exits.monitoring_choices.FlagKind",
        "MonitoringChannelEnum": "exits.monitoring_choices.MonitoringChannel",
        "MonitoringStateEnum": "exits.monitoring_choices.MonitoringState",
        "EliminationModeEnum": "exits.monitoring_choices.EliminationMode",
    },
}

# --- Background work: Celery on Redis, in-process without REDIS_URL (DESIGN.md decision 6).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 2 * 60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# The visibility timeout must exceed the longest task, or Redis hands a running task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 2),
    # a restarted worker looks for messages of workers that died at this pace (seconds)
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "fupin")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # uploads of import checks never committed are deleted after a week (personal data)
    "purge-import-uploads": {"task": "households.purge_import_uploads", "schedule": 24 * 60 * 60},
    # reports (reporting.tasks): the rolling plan on the first of each month, the summaries nightly
    "reports-rolling-plan-monthly": {
        "task": "reporting.scheduled_reports",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
        "args": (["rolling_plan"], "month"),
    },
    "reports-summaries-nightly": {
        "task": "reporting.scheduled_reports",
        "schedule": crontab(minute=30, hour=1),
        "args": (["registry", "causes", "coverage", "quality"], "day"),
    },
}
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)

# --- Logging: to the console, never with personal data (the filter masks ID-like numbers).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "core.logging.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Domain settings whose numbers DOMAIN.md leaves open (documented defaults).
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "fupin-demo-2026")
# publicity (DOMAIN.md section 12): the sources show 5 and 7 days; 7 unless a campaign says otherwise
PUBLICITY_DAYS = env_int("PUBLICITY_DAYS", 7)
PUBLICITY_MIN_DAYS = env_int("PUBLICITY_MIN_DAYS", 5)
# field checks (DOMAIN.md section 6): the township at least 20 % of cases, the county at least 10 %
TOWNSHIP_FIELD_CHECK_SHARE = float(env_str("TOWNSHIP_FIELD_CHECK_SHARE", "0.2"))
COUNTY_FIELD_CHECK_SHARE = float(env_str("COUNTY_FIELD_CHECK_SHARE", "0.1"))
# poor village and county exit (DOMAIN.md section 8): incidence under 2 %, 3 % in western provinces
POVERTY_INCIDENCE_THRESHOLD = float(env_str("POVERTY_INCIDENCE_THRESHOLD", "0.02"))
POVERTY_INCIDENCE_THRESHOLD_WESTERN = float(env_str("POVERTY_INCIDENCE_THRESHOLD_WESTERN", "0.03"))
# a village's other exit conditions (DOMAIN.md section 8): collective income above this (yuan a year)
VILLAGE_EXIT_MIN_COLLECTIVE_INCOME = env_int("VILLAGE_EXIT_MIN_COLLECTIVE_INCOME", 0)
# household exit publicity (DOMAIN.md section 8): at least a week
EXIT_PUBLICITY_DAYS = max(7, env_int("EXIT_PUBLICITY_DAYS", 7))
# monitoring (防返贫监测, DOMAIN.md section 8): the line is about 1.5 × the poverty line where a
# province has entered none for the year
MONITORING_LINE_FACTOR = env_str("MONITORING_LINE_FACTOR", "1.5")
# months a monitored household waits before its risk may be eliminated. Neither DOMAIN.md nor the
# seeds state it ("the waiting time is a setting"); 6 is a placeholder until the province's rule
# (its 防返贫监测 implementation notice) is entered here
MONITORING_ELIMINATION_WAIT_MONTHS = env_int("MONITORING_ELIMINATION_WAIT_MONTHS", 6)
# attention flag "sharp fall in income": income per person down by at least this share on the year
MONITORING_INCOME_FALL_SHARE = env_str("MONITORING_INCOME_FALL_SHARE", "0.3")
# the largest amount one measure or one payment to a household may carry (an "absurd" figure above it)
ASSISTANCE_AMOUNT_MAX = env_int("ASSISTANCE_AMOUNT_MAX", 500_000)
# the most people one project of the library may plan to benefit (a township's population); above it, absurd
ASSISTANCE_PROJECT_PEOPLE_MAX = env_int("ASSISTANCE_PROJECT_PEOPLE_MAX", 100_000)
# attachments (photos, scanned minutes): images and PDF only
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# reports (DOMAIN.md section 11): the first year offered, the rolling plan's length and start
# (0: the current year); the monitoring report uses MONITORING_LINE_FACTOR above
REPORT_FIRST_YEAR = env_int("REPORT_FIRST_YEAR", 2014)
ROLLING_PLAN_YEARS = env_int("ROLLING_PLAN_YEARS", 3)
ROLLING_PLAN_START_YEAR = env_int("ROLLING_PLAN_START_YEAR", 0)
# at most this many rows a sheet (Excel's limit is 1,048,576); a longer table continues on another
REPORT_SHEET_MAX_ROWS = env_int("REPORT_SHEET_MAX_ROWS", 1_000_000)
#: the household list counts its rows exactly when the narrowest area (the user's scope or the
#: "area code" filter) has at least this many code digits (6: a county); over more it shows
#: PostgreSQL's estimate ("约 N 户") with the exact count on request (docs/performance.md)
HOUSEHOLD_LIST_EXACT_COUNT_DIGITS = env_int("HOUSEHOLD_LIST_EXACT_COUNT_DIGITS", 6)
#: live ID-number checks one user may make in a minute (households.views.check_id answers 429
#: beyond): a clerk types one number at a time, while many checks a minute would be someone
#: testing numbers for whether they are registered
ID_CHECKS_PER_MINUTE = env_int("ID_CHECKS_PER_MINUTE", 30)
# scheduled builds: the areas (empty: every county with households and its province) and their requester
REPORT_SCHEDULED_AREAS = env_list("REPORT_SCHEDULED_AREAS", [])
REPORT_SYSTEM_USERNAME = env_str("REPORT_SYSTEM_USERNAME", "report-scheduler")
