"""Settings for the GPU Server Image console.

Everything comes from environment variables read through the typed helpers in
``console.env``. Without any variable set the console runs on embedded
defaults (SQLite, a filesystem Celery broker and file storage, all under
``var/``), so it starts on a fresh machine with no server to install.
``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``DEBUG`` and ``ALLOWED_HOSTS``
switch to production parts.
"""

import datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from console.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_storage,
    env_str,
    env_time_zone,
    generated_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONSOLE_VAR_DIR", str(BASE_DIR / "var")))

# Off unless asked for (DEBUG=true, development): error pages never show tracebacks or
# URL patterns by accident.
DEBUG = env_bool("DEBUG", False)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# Served on this machine alone (`make run`): plain http, and a secret key of its own.
LOCAL_ONLY = all(host in {"127.0.0.1", "localhost", "[::1]", "::1"} for host in ALLOWED_HOSTS)
# Served to others: https only (redirect, secure cookies, HSTS).
CONSOLE_HTTPS = env_bool("CONSOLE_HTTPS", not DEBUG and not LOCAL_ONLY)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or LOCAL_ONLY):
        # Every web process must sign with the same key: one generated per machine
        # would sign people out whenever the load balancer switches machines.
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is false and the console is served beyond "
            "this machine (ALLOWED_HOSTS)."
        )
    SECRET_KEY = generated_secret(VAR_DIR / "secret_key")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The SRN of a resource: srn:{offering}::{account_id}:{region}::gpuserver:image/{id}
CONSOLE_REGION = env_str("CONSOLE_REGION", "kr-west1")
CONSOLE_OFFERING = env_str("CONSOLE_OFFERING", "e")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "axes",
    "console",
    "images",
    "sharing",
    "servers",
    "demo",
    "ninja",
    "api",
]

MIDDLEWARE = [
    # The header middlewares come first so that every answer carries their headers:
    # static files (whitenoise answers below them) and errors raised by any middleware
    # further down, such as a 400 for a Host header not in ALLOWED_HOSTS.
    "console.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (the cookie set by the language switch, else Accept-Language);
    # UserPreferencesMiddleware below puts a signed-in user's saved choice first.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "console.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.middleware.CurrentAccountMiddleware",
    "console.middleware.HtmxMessagesMiddleware",
    "console.middleware.HtmxSignInMiddleware",
    # Last, as axes asks: it turns a locked sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

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
                "django.template.context_processors.csp",
                "console.context_processors.console",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
_postgres = env_database("DATABASE_URL")
if _postgres:
    DATABASES = {"default": _postgres}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "console.sqlite3",
            "OPTIONS": {
                # The web server and the worker write from separate processes: WAL lets
                # readers go on during a write, IMMEDIATE takes the write lock when a
                # transaction starts (no lock upgrade that fails), and the timeout waits
                # for the lock instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
                ),
            },
            "TEST": {"NAME": VAR_DIR / "test-console.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "images:list"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes): 10 failures for one user name from one address
# lock that pair for 15 minutes, on the console's and the admin's sign-in. The count
# lives in the database, shared by every web process on every machine.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("CONSOLE_SIGNIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env_int("CONSOLE_SIGNIN_LOCK_MINUTES", 15, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked neither count nor extend the lock: it ends 15 minutes after
# the failure that set it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "console.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "console.signin.client_ip"
AXES_USERNAME_CALLABLE = "console.signin.client_username"
AXES_VERBOSE = False
# Load balancers in front of the web servers that append the client's address to
# X-Forwarded-For (0: the peer address is the client's).
CONSOLE_TRUSTED_PROXIES = env_int("CONSOLE_TRUSTED_PROXIES", 0, minimum=0)

# --- Internationalisation -----------------------------------------------------
# English unless the user saved another choice or the browser asks for Korean.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch works before sign-in too, through this cookie; signing in puts the
# user's saved choice into it, so the sign-in page after signing out speaks it as well.
LANGUAGE_COOKIE_NAME = "console_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
# The default time zone of every user; each user may choose another in the user menu.
TIME_ZONE = env_time_zone("CONSOLE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Dates in the formats of console.locale_formats. Numbers are grouped where they are shown
# (console.formats.number, the |number filter), never by a global switch that would also
# group the IDs written into URLs and element IDs.
FORMAT_MODULE_PATH = ["console.locale_formats"]

# --- Static and uploaded files -----------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    # Image files: the local folder, or a bucket of S3-compatible object storage that web
    # and worker processes on several machines share (CONSOLE_STORAGE_URL=s3://...).
    "default": env_storage("CONSOLE_STORAGE_URL", MEDIA_ROOT),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Browser uploads stream into the bucket when image files are in object storage, else to a
# temporary file on disk; never into memory.
FILE_UPLOAD_HANDLERS = [
    "images.uploads.BucketUploadHandler",
    "images.uploads.CappedTemporaryFileUploadHandler",
]
FILE_UPLOAD_TEMP_DIR = env_str("CONSOLE_UPLOAD_TEMP_DIR", str(VAR_DIR / "uploads"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
# The multipart body of an image upload is not counted against this limit (files are
# streamed to disk); it only caps the non-file fields of a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Image imports ------------------------------------------------------------
GIB = 1024**3
TIB = 1024**4
CONSOLE_MAX_IMAGE_BYTES = env_int("CONSOLE_MAX_IMAGE_BYTES", 64 * GIB, minimum=1)
# Largest virtual size a qcow2 may claim: a header claiming exabytes describes no disk a GPU
# server could boot (QEMU itself refuses such images).
CONSOLE_MAX_VIRTUAL_BYTES = env_int("CONSOLE_MAX_VIRTUAL_BYTES", 64 * TIB, minimum=1)
# Host names or IPs that may be fetched even though they resolve to private or
# loopback addresses (on-premises object storage).
CONSOLE_IMPORT_ALLOW_HOSTS = env_list("CONSOLE_IMPORT_ALLOW_HOSTS", [])
CONSOLE_IMPORT_CONNECT_TIMEOUT = env_int("CONSOLE_IMPORT_CONNECT_TIMEOUT", 10, minimum=1)
CONSOLE_IMPORT_READ_TIMEOUT = env_int("CONSOLE_IMPORT_READ_TIMEOUT", 60, minimum=1)
# Hard limit of one import: 64 GiB at a slow 10 MB/s is under two hours; leave room.
CONSOLE_IMPORT_TIME_LIMIT = env_int("CONSOLE_IMPORT_TIME_LIMIT", 4 * 3600, minimum=60)
CONSOLE_IMPORT_MAX_ATTEMPTS = env_int("CONSOLE_IMPORT_MAX_ATTEMPTS", 3, minimum=1)
# Import leases: a running import renews its image's heartbeat this often; one whose
# heartbeat is older than the lease is dead (its worker was lost) and is taken back by the
# reaper, which beat runs at its own interval.
CONSOLE_IMPORT_HEARTBEAT_SECONDS = env_int("CONSOLE_IMPORT_HEARTBEAT_SECONDS", 5, minimum=1)
CONSOLE_IMPORT_LEASE_SECONDS = env_int("CONSOLE_IMPORT_LEASE_SECONDS", 60, minimum=2)
CONSOLE_REAPER_INTERVAL_SECONDS = env_int("CONSOLE_REAPER_INTERVAL_SECONDS", 15, minimum=1)
if CONSOLE_IMPORT_HEARTBEAT_SECONDS * 2 > CONSOLE_IMPORT_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "CONSOLE_IMPORT_LEASE_SECONDS must be at least twice CONSOLE_IMPORT_HEARTBEAT_SECONDS."
    )
# Images left Queued this long are enqueued again (the broker lost the message).
CONSOLE_REQUEUE_AFTER_SECONDS = env_int("CONSOLE_REQUEUE_AFTER_SECONDS", 300, minimum=1)
# Stored image files no image refers to (a worker died between storing and recording, a
# web process died while staging an upload) are removed once they are this old.
CONSOLE_ORPHAN_FILE_GRACE_SECONDS = env_int("CONSOLE_ORPHAN_FILE_GRACE_SECONDS", 3600, minimum=1)
CONSOLE_ORPHAN_SWEEP_INTERVAL_SECONDS = env_int(
    "CONSOLE_ORPHAN_SWEEP_INTERVAL_SECONDS", 900, minimum=1
)
# Object storage: an import or a browser upload is sent in parts of this size (at least the
# 5 MiB S3 asks for), two at a time, so a process holds about three parts in memory per file.
CONSOLE_STORAGE_PART_BYTES = env_int("CONSOLE_STORAGE_PART_BYTES", 8 * 1024**2, minimum=5 * 1024**2)

# --- API ----------------------------------------------------------------------
# Requests one API key may send per window (seconds), counted across every web process.
CONSOLE_API_RATE_LIMIT = env_int("CONSOLE_API_RATE_LIMIT", 600, minimum=1)
CONSOLE_API_RATE_WINDOW = env_int("CONSOLE_API_RATE_WINDOW", 60, minimum=1)

# --- Celery -------------------------------------------------------------------
REDIS_URL = env_redis_url("REDIS_URL")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis hands an unacknowledged message to another worker after this long; it
        # must outlast the longest import or a running import would be started twice.
        "visibility_timeout": CONSOLE_IMPORT_TIME_LIMIT + 3600,
    }
else:
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
for _folder in (
    FILE_UPLOAD_TEMP_DIR,
    *([] if REDIS_URL else [CELERY_BROKER_DIR / "queue", CELERY_BROKER_DIR / "control"]),
):
    Path(_folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CONSOLE_TASK_QUEUE", "console")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The one place that lists periodic work.
CELERY_BEAT_SCHEDULE = {
    "images-recover-stalled-imports": {
        "task": "images.tasks.image_recover_stalled",
        "schedule": float(CONSOLE_REAPER_INTERVAL_SECONDS),
        # A run that waited longer than the interval is superseded by the next one.
        "options": {"expires": float(CONSOLE_REAPER_INTERVAL_SECONDS)},
    },
    "images-sweep-orphan-files": {
        "task": "images.tasks.image_files_sweep",
        "schedule": float(CONSOLE_ORPHAN_SWEEP_INTERVAL_SECONDS),
        "options": {"expires": float(CONSOLE_ORPHAN_SWEEP_INTERVAL_SECONDS)},
    },
}

# --- Cache --------------------------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if CONSOLE_HTTPS:
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL", False):
        # Behind a load balancer that terminates TLS and sets X-Forwarded-Proto.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
