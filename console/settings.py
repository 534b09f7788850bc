"""Settings for the GPU Server Image console.

Everything comes from environment variables read through the typed helpers in
``console.env``. Without any variable set the console runs on embedded
defaults (SQLite, a filesystem Celery broker and file storage, all under
``var/``), so it starts on a fresh machine with no server to install.
``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``DEBUG`` and ``ALLOWED_HOSTS``
switch to production parts.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from console.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONSOLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
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
    "console",
    "images",
    "sharing",
    "servers",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.middleware.CurrentAccountMiddleware",
    "console.middleware.HtmxMessagesMiddleware",
]

if not DEBUG:
    # Production serves its collected static files itself (``collectstatic`` first).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

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

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CONSOLE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Browser uploads go straight to a temporary file on disk, never into memory.
FILE_UPLOAD_HANDLERS = ["images.uploads.CappedTemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env_str("CONSOLE_UPLOAD_TEMP_DIR", str(VAR_DIR / "uploads"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
# The multipart body of an image upload is not counted against this limit (files are
# streamed to disk); it only caps the non-file fields of a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Image imports ------------------------------------------------------------
GIB = 1024**3
CONSOLE_MAX_IMAGE_BYTES = env_int("CONSOLE_MAX_IMAGE_BYTES", 64 * GIB, minimum=1)
# Host names or IPs that may be fetched even though they resolve to private or
# loopback addresses (on-premises object storage).
CONSOLE_IMPORT_ALLOW_HOSTS = env_list("CONSOLE_IMPORT_ALLOW_HOSTS", [])
CONSOLE_IMPORT_CONNECT_TIMEOUT = env_int("CONSOLE_IMPORT_CONNECT_TIMEOUT", 10, minimum=1)
CONSOLE_IMPORT_READ_TIMEOUT = env_int("CONSOLE_IMPORT_READ_TIMEOUT", 60, minimum=1)
# Hard limit of one import: 64 GiB at a slow 10 MB/s is under two hours; leave room.
CONSOLE_IMPORT_TIME_LIMIT = env_int("CONSOLE_IMPORT_TIME_LIMIT", 4 * 3600, minimum=60)
CONSOLE_IMPORT_MAX_ATTEMPTS = env_int("CONSOLE_IMPORT_MAX_ATTEMPTS", 3, minimum=1)
# An import whose progress has not moved for this long is taken as dead (worker lost).
CONSOLE_IMPORT_STALE_SECONDS = env_int("CONSOLE_IMPORT_STALE_SECONDS", 300, minimum=30)
# Images left Queued this long are enqueued again (the broker lost the message).
CONSOLE_REQUEUE_AFTER_SECONDS = env_int("CONSOLE_REQUEUE_AFTER_SECONDS", 300, minimum=10)

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
        "schedule": 60.0,
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
if not DEBUG:
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
