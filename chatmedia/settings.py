"""All configuration of chatmedia, read from the environment.

Every external part has an embedded default (SQLite, local disk, in-process cache, queue and channel
layer) so `make run` needs no service; one environment variable switches each part to the real one
(see the configuration table in README.md). Every limit is a named setting with a comment saying why.
Nothing secret lives in this file or in the repository.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chatmedia.media import kinds as media_kinds
from chatmedia.media.storage.config import local_storage_setting, s3_storage_setting

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value is not None else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


# Writable state of the embedded defaults: SQLite file, local media, generated secret key.
VAR_DIR = Path(env("CHATMEDIA_VAR_DIR", str(BASE_DIR / "var")))


def _secret_key_from_var_dir() -> str:
    """Reuse (or create once) a random key in ./var so a dev install never ships a known key."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY") or _secret_key_from_var_dir()


def _credentials_key_from_var_dir() -> str:
    """Like the secret key: a dev install gets its own random key for connection credentials."""
    from cryptography.fernet import Fernet

    path = VAR_DIR / "credentials_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode())
    return path.read_text().strip()


# Encrypts WhatsApp connections' credentials at rest (a Fernet key: `manage.py
# generate_credentials_key`). Earlier keys, comma-separated, are still read while rotating.
CREDENTIALS_KEY = env("CREDENTIALS_KEY") or _credentials_key_from_var_dir()
CREDENTIALS_KEY_FALLBACKS = env_list("CREDENTIALS_KEY_FALLBACKS")
# Earlier keys, comma-separated: what they signed (sessions, media URLs) stays valid while rotating.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The address browsers use to reach this server; used for absolute URLs handed to clients
# (e.g. the local-storage upload endpoint). Must match what the browser sees.
PUBLIC_BASE_URL = (env("PUBLIC_BASE_URL") or f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")

# Behind a TLS-terminating proxy: secure cookies, HSTS, redirect. `check --deploy` is clean with it on.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "storages",
    "chatmedia.tenancy",
    "chatmedia.chat",
    "chatmedia.media",
    "chatmedia.whatsapp",
    "chatmedia.realtime",
    "chatmedia.privacy",
    "chatmedia.ops",
    "chatmedia.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chatmedia.request_thread.OneThreadMiddleware",  # last: the whole chain in one thread (its docstring)
]

ROOT_URLCONF = "chatmedia.urls"
ASGI_APPLICATION = "chatmedia.asgi.application"

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

# --- database: SQLite in ./var unless DATABASE_URL is set --------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env("SQLITE_PATH", str(VAR_DIR / "chatmedia.sqlite3"))),
            # The in-process worker writes while the web thread reads: WAL + a busy timeout.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory, so the server and worker processes of integration tests share it.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- storage: local disk in ./var/media unless S3_BUCKET is set --------------------------------------
S3_BUCKET = env("S3_BUCKET")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")  # unset with S3_BUCKET set = AWS
S3_REGION = env("S3_REGION", "us-east-1")
S3_ACCESS_KEY = env("S3_ACCESS_KEY")
S3_SECRET_KEY = env("S3_SECRET_KEY")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Nothing serves MEDIA_ROOT as plain files (only authorized views do); Django needs some prefix.
MEDIA_URL = "/_media-not-served/"

# Timeouts of every S3 call from the server (seconds): a stuck S3 must not hang a worker or a request.
S3_CONNECT_TIMEOUT_SECONDS = float(env("S3_CONNECT_TIMEOUT_SECONDS", "3"))
S3_READ_TIMEOUT_SECONDS = float(env("S3_READ_TIMEOUT_SECONDS", "30"))
# Where browsers reach S3 if not at S3_ENDPOINT_URL (presigned URLs sign the host).
S3_PUBLIC_ENDPOINT_URL = env("S3_PUBLIC_ENDPOINT_URL")
S3_ADDRESSING_STYLE = env("S3_ADDRESSING_STYLE", "path")
if S3_BUCKET:
    _media_storage = s3_storage_setting(
        bucket=S3_BUCKET,
        endpoint_url=S3_ENDPOINT_URL,
        region=S3_REGION,
        access_key=S3_ACCESS_KEY,
        secret_key=S3_SECRET_KEY,
        addressing_style=S3_ADDRESSING_STYLE,
        connect_timeout=S3_CONNECT_TIMEOUT_SECONDS,
        read_timeout=S3_READ_TIMEOUT_SECONDS,
    )
else:
    _media_storage = local_storage_setting(MEDIA_ROOT)
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

# Wrong passwords from one address at any login form (web chat, admin) before that address is refused
# (429) for the window (chatmedia/tenancy/login_throttle.py).
LOGIN_FAILURES_MAX = env_int("LOGIN_FAILURES_MAX", 10)
LOGIN_FAILURES_WINDOW_SECONDS = env_int("LOGIN_FAILURES_WINDOW_SECONDS", 300)
AUTHENTICATION_BACKENDS = ["chatmedia.tenancy.login_throttle.ThrottledModelBackend"]

# --- the web chat (frontend/, built by Vite into frontend/dist, served under /static/app/) -----------
FRONTEND_DIST_DIR = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [("app", FRONTEND_DIST_DIR)] if FRONTEND_DIST_DIR.is_dir() else []
# Vite puts a content hash in every file name under assets/: browsers may keep them for good.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+/app/assets/.+-[0-9A-Za-z_-]{8,}\.\w+$"
# Origins the app may connect to besides its own: the S3 endpoint browsers upload to.
FRONTEND_CONNECT_SOURCES = [
    "{0.scheme}://{0.netloc}".format(urlsplit(url))
    for url in [S3_PUBLIC_ENDPOINT_URL or S3_ENDPOINT_URL]
    if url
] or (["https://*.amazonaws.com"] if S3_BUCKET else [])

# --- cache: in-process unless REDIS_URL is set ------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# How long a cache call may block before we treat Redis as down and go to storage instead.
CACHE_SOCKET_TIMEOUT_SECONDS = float(env("CACHE_SOCKET_TIMEOUT_SECONDS", "0.5"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "chatmedia"),
            "OPTIONS": {
                "socket_timeout": CACHE_SOCKET_TIMEOUT_SECONDS,
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "chatmedia",
            # Bound the in-process cache (entries, not bytes; entries are small variants only).
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCAL_CACHE_MAX_ENTRIES", 2000)},
        }
    }

# --- channel layer: in-memory (one process) unless REDIS_URL is set ---------------------------------

# The socket read timeout of the channel layer's Redis connections must outlast channels_redis's
# blocking pop (BZPOPMIN, 5 s): redis-py 8 reads with a 5 s timeout by default, so an idle WebSocket's
# pop raced its own reply and the consumer died with "Timeout reading from 127.0.0.1:6379" (seen in
# CI; redis/redis-py#4091).
CHANNEL_LAYER_SOCKET_TIMEOUT_SECONDS = float(env("CHANNEL_LAYER_SOCKET_TIMEOUT_SECONDS", "15"))


def channel_layer_hosts(url: str) -> list[dict]:
    return [{"address": url, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT_SECONDS}]


if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": channel_layer_hosts(REDIS_URL),
                "prefix": env("CHANNEL_LAYER_PREFIX", "chatmedia"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The web chat only ever sends `{"type": "ping"}`; a longer frame is closed (1009), not parsed.
REALTIME_CLIENT_FRAME_MAX_CHARS = env_int("REALTIME_CLIENT_FRAME_MAX_CHARS", 4096)

# --- queue: Celery; in-process broker unless CELERY_BROKER_URL is set --------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://")
QUEUE_IS_EMBEDDED = CELERY_BROKER_URL.startswith("memory://")
if QUEUE_IS_EMBEDDED:
    # The in-process transport is polled; kombu's 1 s default would add up to a second per task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.05}
else:
    # Publisher confirms: a publish returns once RabbitMQ has the message, so a webhook is answered
    # 200 only when its queued copy is safe.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
# After a broker connection loss Celery lowers the prefetch count and restores it as acks of the new
# connection arrive; acks of tasks started before the loss never arrive there, and the worker was
# seen to stop consuming for good after a RabbitMQ restart (tools/faults.py). Keep the full count.
CELERY_WORKER_ENABLE_PREFETCH_COUNT_REDUCTION = False
# Seconds a readiness probe or an enqueue waits for the broker before calling it down.
BROKER_CONNECT_TIMEOUT_SECONDS = float(env("BROKER_CONNECT_TIMEOUT_SECONDS", "3"))
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT_SECONDS
# The embedded queue runs a worker thread inside the web process (off for one-off commands and tests
# that bring their own worker).
EMBEDDED_WORKER = env_bool("EMBEDDED_WORKER", True)
EMBEDDED_WORKER_CONCURRENCY = env_int("EMBEDDED_WORKER_CONCURRENCY", 2)
# Retries of media tasks on transient errors (network, 5xx): exponential backoff from the base,
# capped, with jitter so a recovering Evolution/CDN is not hit by every task at the same instant.
MEDIA_TASK_MAX_RETRIES = env_int("MEDIA_TASK_MAX_RETRIES", 8)
MEDIA_TASK_RETRY_BASE_SECONDS = float(env("MEDIA_TASK_RETRY_BASE_SECONDS", "5"))
MEDIA_TASK_RETRY_MAX_SECONDS = float(env("MEDIA_TASK_RETRY_MAX_SECONDS", "600"))
# Incoming media still waiting this long (its task was lost) is queued again by `recover_media`.
MEDIA_REQUEUE_AFTER_SECONDS = env_int("MEDIA_REQUEUE_AFTER_SECONDS", 15 * 60)
# A delivery/read receipt whose message never arrived is forgotten after this long.
EARLY_RECEIPT_TTL_SECONDS = env_int("EARLY_RECEIPT_TTL_SECONDS", 24 * 3600)

# --- auth and API -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/"

REST_FRAMEWORK = {
    # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "chatmedia.tenancy.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["chatmedia.tenancy.scoping.IsTenantMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "chatmedia.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "chatmedia.chat.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "EXCEPTION_HANDLER": "chatmedia.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Largest page a client may ask for with ?page_size=.
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200)
SPECTACULAR_SETTINGS = {
    "TITLE": "chatmedia API",
    "DESCRIPTION": "Media of a multi-tenant WhatsApp CRM chat",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several shapes have a `status`: name each set of choices once (and the web chat's types by it).
    "ENUM_NAME_OVERRIDES": {
        "MessageStatusEnum": "chatmedia.chat.models.Message.Status",
        "AttachmentStatusEnum": "chatmedia.chat.models.Attachment.Status",
    },
}

# --- tenancy -----------------------------------------------------------------------------------------
# Storage a new tenant may use unless set per tenant (bytes).
TENANT_DEFAULT_STORAGE_QUOTA_BYTES = env_int("TENANT_DEFAULT_STORAGE_QUOTA_BYTES", 50 * 1024**3)

# --- media storage limits ----------------------------------------------------------------------------
# Chunk size of every streamed read and write: the unit of memory per transfer.
MEDIA_STREAM_CHUNK_BYTES = env_int("MEDIA_STREAM_CHUNK_BYTES", 256 * 1024)
# Bytes of a stream kept in RAM while hashing it before storage; beyond that it spills to a temp file.
MEDIA_SPOOL_MEMORY_BYTES = env_int("MEDIA_SPOOL_MEMORY_BYTES", 1024 * 1024)
# Largest object the storage layer accepts at all (every category limit is below this).
MEDIA_MAX_OBJECT_BYTES = env_int("MEDIA_MAX_OBJECT_BYTES", 100 * 1024 * 1024)
# Part size of the server's own writes to S3 (objects larger go multipart): the memory per write.
S3_TRANSFER_PART_BYTES = env_int("S3_TRANSFER_PART_BYTES", 8 * 1024 * 1024)
# Objects deleted per S3 DeleteObjects request (S3 accepts at most 1 000), and blobs released per
# transaction when many go at once (retention, an erasure: media.storage.blobs.release_many).
S3_DELETE_BATCH = env_int("S3_DELETE_BATCH", 1000)
BLOB_RELEASE_BATCH = env_int("BLOB_RELEASE_BATCH", 500)
# Largest part of a browser multipart upload our local upload endpoint accepts
# (S3 needs >= 5 MiB for every part but the last).
UPLOAD_PART_BYTES = env_int("UPLOAD_PART_BYTES", 8 * 1024 * 1024)

# --- media processing (chatmedia.media.policy; every limit has a name and a safe default) -------------
_MB = 1024 * 1024
# Per kind (chatmedia/media/kinds.py holds each kind's defaults, its allowed types and reasons):
# - MEDIA_MAX_BYTES_<KIND>: largest file, both directions (e.g. MEDIA_MAX_BYTES_DOCUMENT=52428800);
# - MEDIA_ALLOWED_TYPES_<KIND>: types detected from the bytes (never declared) accepted, a comma
#   list (e.g. MEDIA_ALLOWED_TYPES_DOCUMENT="application/pdf,application/zip"); others are `failed`.
MEDIA_MAX_BYTES = {
    k.name: env_int(f"MEDIA_MAX_BYTES_{k.name.upper()}", k.max_bytes) for k in media_kinds.KINDS
}
MEDIA_ALLOWED_TYPES = {
    k.name: env_list(f"MEDIA_ALLOWED_TYPES_{k.name.upper()}", ",".join(k.allowed_types))
    for k in media_kinds.KINDS
}
# Images: largest picture decoded (width x height, read from the header before decoding; bigger
# files stay downloadable without previews), most frames of an animation kept animated.
MEDIA_IMAGE_MAX_PIXELS = env_int("MEDIA_IMAGE_MAX_PIXELS", 50_000_000)
MEDIA_IMAGE_MAX_FRAMES = env_int("MEDIA_IMAGE_MAX_FRAMES", 150)
# Renditions: `thumb` fits a chat bubble at 2x density, `preview` the lightbox (WhatsApp itself
# sends photos at 1600 px), animated thumbs (stickers, GIFs) are smaller as they keep every frame.
MEDIA_THUMB_MAX_PX = env_int("MEDIA_THUMB_MAX_PX", 640)
MEDIA_PREVIEW_MAX_PX = env_int("MEDIA_PREVIEW_MAX_PX", 1600)
MEDIA_ANIMATED_THUMB_MAX_PX = env_int("MEDIA_ANIMATED_THUMB_MAX_PX", 384)
MEDIA_WEBP_QUALITY = env_int("MEDIA_WEBP_QUALITY", 80)
# Audio: bitrate of the `playback` rendition made for sources Safari cannot play (OGG/Opus, WebM, AMR).
MEDIA_PLAYBACK_VOICE_BITRATE = env_int("MEDIA_PLAYBACK_VOICE_BITRATE", 64_000)
MEDIA_PLAYBACK_AUDIO_BITRATE = env_int("MEDIA_PLAYBACK_AUDIO_BITRATE", 128_000)
# A waveform and a playback copy are made of at most this much of an incoming recording: one whose
# declared (WhatsApp's `seconds`) or probed duration is longer is ready with its duration only, and
# decoding stops here when a container lies. Bounds a worker's time on a small file of hours of
# silence (measured here: a 15-minute voice note takes ~4 s; 3 hours unbounded took past the kill).
MEDIA_AUDIO_ANALYSIS_MAX_SECONDS = float(env("MEDIA_AUDIO_ANALYSIS_MAX_SECONDS", "900"))
# Incoming downloads of one tenant processed at once (chatmedia/ops/fairness.py): more wait their turn,
# queued again after MEDIA_TENANT_BUSY_RETRY_SECONDS, so one tenant's heavy files never hold every
# worker. Embedded (`make run`, EMBEDDED_WORKER_CONCURRENCY threads for every queue): half of them.
MEDIA_TENANT_MAX_CONCURRENT_DOWNLOADS = env_int(
    "MEDIA_TENANT_MAX_CONCURRENT_DOWNLOADS",
    max(1, EMBEDDED_WORKER_CONCURRENCY // 2) if QUEUE_IS_EMBEDDED else 2,
)
MEDIA_TENANT_BUSY_RETRY_SECONDS = float(env("MEDIA_TENANT_BUSY_RETRY_SECONDS", "1"))
# A slot is leased for this long and renewed every third of it while its job runs: a worker killed
# mid-download (SIGKILL, OOM) holds its tenant's slot at most this long.
MEDIA_TENANT_SLOT_LEASE_SECONDS = float(env("MEDIA_TENANT_SLOT_LEASE_SECONDS", "30"))
# Packets of a video read looking for a first frame that decodes (its poster); then no poster.
MEDIA_VIDEO_POSTER_MAX_PACKETS = env_int("MEDIA_VIDEO_POSTER_MAX_PACKETS", 600)
# Every file is analysed in a separate process with a wall-clock limit and an address-space budget:
# a hostile file that hangs or balloons a decoder kills that process, never a worker.
MEDIA_PROCESS_TIMEOUT_SECONDS = float(env("MEDIA_PROCESS_TIMEOUT_SECONDS", "120"))
MEDIA_PROCESS_MAX_MEMORY_BYTES = env_int("MEDIA_PROCESS_MAX_MEMORY_BYTES", 1024 * _MB)

# --- media serving (chatmedia.media.serving.app; design §5) ------------------------------------------------
# Signed media URLs live at least MEDIA_URL_TTL_SECONDS and their expiry is rounded up to a multiple
# of MEDIA_URL_STEP_SECONDS: within one step every URL of an object is the same string, so browsers
# keep what they downloaded. A URL therefore lives between TTL and TTL + step (default 6 to 12 hours).
MEDIA_URL_TTL_SECONDS = env_int("MEDIA_URL_TTL_SECONDS", 6 * 3600)
MEDIA_URL_STEP_SECONDS = env_int("MEDIA_URL_STEP_SECONDS", 6 * 3600)
# Bodies up to this size (thumbs, previews, avatars, short voice notes) are cached whole; larger
# ones are streamed from storage in MEDIA_STREAM_CHUNK_BYTES chunks and only their metadata is cached.
MEDIA_CACHE_MAX_BYTES = env_int("MEDIA_CACHE_MAX_BYTES", 512 * 1024)
# How long our cache and the browser keep a served object, per kind (kinds.py; seed: image 7 days,
# audio 3 days, document 1 day). Override one with e.g. MEDIA_CACHE_SECONDS_IMAGE=86400.
MEDIA_CACHE_SECONDS = {
    k.name: env_int(f"MEDIA_CACHE_SECONDS_{k.name.upper()}", k.cache_seconds) for k in media_kinds.KINDS
}
# Per-process tier in front of Redis for the hottest small objects (0 turns it off), and how long an
# entry stays there (also how long a deleted attachment can still be served by another process).
MEDIA_LOCAL_CACHE_BYTES = env_int("MEDIA_LOCAL_CACHE_BYTES", 64 * _MB)
MEDIA_LOCAL_CACHE_SECONDS = float(env("MEDIA_LOCAL_CACHE_SECONDS", "60"))
# After Redis fails a call, serving leaves it alone this long (each request would wait its timeout).
MEDIA_CACHE_RETRY_SECONDS = float(env("MEDIA_CACHE_RETRY_SECONDS", "5"))
# `Retry-After` of a 503 when storage does not answer.
MEDIA_RETRY_AFTER_SECONDS = env_int("MEDIA_RETRY_AFTER_SECONDS", 5)
# Threads that run the blocking parts of serving (database lookups, storage reads) per process.
MEDIA_SERVING_THREADS = env_int("MEDIA_SERVING_THREADS", 8)
# Types a browser may show in the page (Content-Disposition: inline); everything else downloads.
# SVG and HTML are never inline, whatever this says (chatmedia.media.serving.delivery.NEVER_INLINE).
MEDIA_INLINE_TYPES = env_list(
    "MEDIA_INLINE_TYPES",
    "image/jpeg,image/png,image/gif,image/webp,image/avif,"
    "audio/mpeg,audio/mp4,audio/aac,audio/ogg,audio/wav,audio/webm,audio/flac,"
    "video/mp4,video/webm,video/ogg,application/pdf,text/plain",
)
# Behind nginx: answer authorized requests for objects not in the cache with `X-Accel-Redirect:
# <prefix>files/<key>` (local disk) or `<prefix>s3/<host>/<presigned path>` (S3) and let nginx move
# the bytes (see deploy/nginx/chatmedia.conf). Unset: chatmedia streams them itself.
MEDIA_ACCEL_REDIRECT_PREFIX = env("MEDIA_ACCEL_REDIRECT_PREFIX")
# Lifetime of the presigned S3 URL inside an X-Accel-Redirect (nginx uses it at once).
MEDIA_ACCEL_PRESIGN_SECONDS = env_int("MEDIA_ACCEL_PRESIGN_SECONDS", 60)

# --- incoming WhatsApp media ---------------------------------------------------------------------------
# Largest webhook body: Evolution can inline a whole file as base64 (4/3 of its size). Django's
# 2.5 MB default would answer 400, which Evolution never retries: the media would be lost silently.
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", MEDIA_MAX_OBJECT_BYTES * 4 // 3 + 1024 * 1024)
# Webhooks up to this size (every event but inline base64 media) are authenticated, checked and
# queued by the ASGI fast path (chatmedia/whatsapp/webhook_app.py) and stored by a worker; bigger
# ones are stored by the Django view, which writes the inline file straight to storage.
WEBHOOK_QUEUE_MAX_BODY_BYTES = env_int("WEBHOOK_QUEUE_MAX_BODY_BYTES", 256 * 1024)
# How long a web process trusts its copy of a tenant's webhook secret, JWT key and instance (loaded
# again in the background past half of it).
WEBHOOK_TENANT_CACHE_SECONDS = env_int("WEBHOOK_TENANT_CACHE_SECONDS", 30)
# Clock skew tolerated on Evolution's webhook JWT (`iat`/`exp`).
WEBHOOK_JWT_LEEWAY_SECONDS = env_int("WEBHOOK_JWT_LEEWAY_SECONDS", 30)
# Hosts media may be downloaded from: `host`, `host:port`, or `*.domain`. Wildcards need https and
# public addresses; a host listed exactly may be private or plain http (tests' fake CDN).
# (Meta's Cloud API hands out media URLs on lookaside.fbsbx.com.)
WHATSAPP_MEDIA_HOSTS = env_list("WHATSAPP_MEDIA_HOSTS", "mmg.whatsapp.net,*.whatsapp.net,*.fbsbx.com")
# Meta's WhatsApp Cloud API: where the Graph API is (a connection may name its own), its version,
# how long a call may take, how files are handed over (upload to /media, or a link to a signed URL
# of ours valid CLOUD_MEDIA_LINK_TTL_SECONDS), and webhooks' size limit and replay window.
GRAPH_API_URL = env("GRAPH_API_URL", "https://graph.facebook.com")
GRAPH_API_VERSION = env("GRAPH_API_VERSION", "v21.0")
GRAPH_TIMEOUT_SECONDS = float(env("GRAPH_TIMEOUT_SECONDS", "30"))
CLOUD_SEND_MEDIA = env("CLOUD_SEND_MEDIA", "upload")
if CLOUD_SEND_MEDIA not in ("upload", "link"):
    raise ImproperlyConfigured("CLOUD_SEND_MEDIA is upload or link")
CLOUD_MEDIA_LINK_TTL_SECONDS = env_int("CLOUD_MEDIA_LINK_TTL_SECONDS", 900)
# Meta's webhook bodies are small (media comes by id): a few hundred KB is already odd.
CLOUD_WEBHOOK_MAX_BODY_BYTES = env_int("CLOUD_WEBHOOK_MAX_BODY_BYTES", 1024 * 1024)
CLOUD_WEBHOOK_REPLAY_SECONDS = env_int("CLOUD_WEBHOOK_REPLAY_SECONDS", 24 * 3600)
# Where `directPath` of an encrypted file is fetched from.
WHATSAPP_MEDIA_BASE_URL = env("WHATSAPP_MEDIA_BASE_URL", "https://mmg.whatsapp.net")
# Timeouts of server-side downloads (seconds): connect, each read, and the whole transfer.
OUTBOUND_CONNECT_TIMEOUT_SECONDS = float(env("OUTBOUND_CONNECT_TIMEOUT_SECONDS", "5"))
OUTBOUND_READ_TIMEOUT_SECONDS = float(env("OUTBOUND_READ_TIMEOUT_SECONDS", "30"))
OUTBOUND_TOTAL_TIMEOUT_SECONDS = float(env("OUTBOUND_TOTAL_TIMEOUT_SECONDS", "300"))
# Evolution API calls block until WhatsApp answered (sends upload the file first): be generous.
EVOLUTION_TIMEOUT_SECONDS = float(env("EVOLUTION_TIMEOUT_SECONDS", "120"))
# Profile pictures: largest accepted file, and the shortest time between two fetches for one contact.
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 5 * 1024 * 1024)
AVATAR_REFRESH_MIN_SECONDS = env_int("AVATAR_REFRESH_MIN_SECONDS", 600)
# How long a browser and our cache keep an avatar (it is invalidated when the picture changes).
AVATAR_CACHE_SECONDS = env_int("AVATAR_CACHE_SECONDS", 24 * 3600)

# --- outgoing media: browser uploads and sends to WhatsApp (media.uploads.direct, whatsapp.sending) -----
# Largest upload per kind an agent may send (kinds.py: WhatsApp's own limits, media 16 MB, documents
# 100 MB; pictures above WHATSAPP_IMAGE_MAX_BYTES are recompressed before sending, so they may be
# larger). Override one with e.g. UPLOAD_MAX_BYTES_VIDEO=8388608.
UPLOAD_MAX_BYTES = {
    k.name: env_int(f"UPLOAD_MAX_BYTES_{k.name.upper()}", k.upload_max_bytes)
    for k in media_kinds.KINDS
    if k.upload_max_bytes is not None
}
# Files up to this size are uploaded with one presigned PUT; larger ones in UPLOAD_PART_BYTES parts.
UPLOAD_MULTIPART_THRESHOLD_BYTES = env_int("UPLOAD_MULTIPART_THRESHOLD_BYTES", 16 * _MB)
# Lifetime of each presigned upload URL (PUT or part); more part URLs can be asked for.
UPLOAD_URL_TTL_SECONDS = env_int("UPLOAD_URL_TTL_SECONDS", 3600)
# An upload not completed within this time is aborted, its bytes and its message deleted.
UPLOAD_ABANDONED_AFTER_SECONDS = env_int("UPLOAD_ABANDONED_AFTER_SECONDS", 6 * 3600)
# Bytes read from the start of an uploaded object to check its real type at completion.
UPLOAD_SNIFF_BYTES = env_int("UPLOAD_SNIFF_BYTES", 64 * 1024)
# The conversation's gallery (chat.gallery): at most this many files, adding up to at most this
# many bytes, go in one zip download (streamed in constant memory; the limits bound one request's
# time and a tab left downloading), and at most this many links are listed per message.
GALLERY_ZIP_MAX_FILES = env_int("GALLERY_ZIP_MAX_FILES", 500)
GALLERY_ZIP_MAX_BYTES = env_int("GALLERY_ZIP_MAX_BYTES", 2 * 1024 * _MB)
GALLERY_LINKS_PER_MESSAGE_MAX = env_int("GALLERY_LINKS_PER_MESSAGE_MAX", 20)
# Search (chat.search): the most text one message is found by (its text, file names, the text of
# its documents, transcripts), the longest query, how many results one search returns, and the
# words of the snippet around a match. A document's own text is extracted while it is processed,
# up to MEDIA_DOCUMENT_TEXT_MAX_CHARS (a 500-page PDF is searched by its first pages' worth).
SEARCH_ENTRY_MAX_CHARS = env_int("SEARCH_ENTRY_MAX_CHARS", 200_000)
SEARCH_QUERY_MAX_CHARS = env_int("SEARCH_QUERY_MAX_CHARS", 200)
SEARCH_MAX_RESULTS = env_int("SEARCH_MAX_RESULTS", 50)
SEARCH_SNIPPET_WORDS = env_int("SEARCH_SNIPPET_WORDS", 12)
MEDIA_DOCUMENT_TEXT_MAX_CHARS = env_int("MEDIA_DOCUMENT_TEXT_MAX_CHARS", 100_000)
# Quick replies (chat.quick_replies): how many a tenant keeps, how many files one has, the largest file
# (WhatsApp's own limit for pictures, audio and video) and the body of one file's upload.
QUICK_REPLY_MAX_PER_TENANT = env_int("QUICK_REPLY_MAX_PER_TENANT", 500)
QUICK_REPLY_MAX_FILES = env_int("QUICK_REPLY_MAX_FILES", 10)
QUICK_REPLY_FILE_MAX_BYTES = env_int("QUICK_REPLY_FILE_MAX_BYTES", 16 * 1024 * 1024)
# Forwarding (chat.forward): at most this many messages to at most this many chats at once (WhatsApp's
# own limit is five chats per forward, against spreading chains).
FORWARD_MAX_MESSAGES = env_int("FORWARD_MAX_MESSAGES", 30)
FORWARD_MAX_CONVERSATIONS = env_int("FORWARD_MAX_CONVERSATIONS", 5)
# Longest caption (WhatsApp's limit is 1024 characters).
UPLOAD_CAPTION_MAX_CHARS = env_int("UPLOAD_CAPTION_MAX_CHARS", 1024)
# Longest text message an agent may send (WhatsApp itself allows about 65 000).
MESSAGE_TEXT_MAX_CHARS = env_int("MESSAGE_TEXT_MAX_CHARS", 4096)
# Pictures over either limit are sent as a JPEG that fits (long edge in px, bytes, JPEG quality).
WHATSAPP_IMAGE_MAX_PX = env_int("WHATSAPP_IMAGE_MAX_PX", 4096)
WHATSAPP_IMAGE_MAX_BYTES = env_int("WHATSAPP_IMAGE_MAX_BYTES", 5 * _MB)
WHATSAPP_IMAGE_JPEG_QUALITY = env_int("WHATSAPP_IMAGE_JPEG_QUALITY", 85)
# Voice notes are sent as OGG/Opus, mono, 48 kHz at this bitrate (WhatsApp's own are 16-32 kb/s).
VOICE_NOTE_OPUS_BITRATE = env_int("VOICE_NOTE_OPUS_BITRATE", 32_000)
# Videos agents send are made WhatsApp-ready unless they already are (media.processing.transcode): H.264 +
# AAC in MP4 with the index first, upright, at most this long side and frame rate, at a bitrate computed
# from the duration to fit WHATSAPP_VIDEO_MAX_BYTES (or the number's provider's lower limit) — never
# below WHATSAPP_VIDEO_MIN_BITRATE, the quality floor: then the agent is offered to send it as a document.
WHATSAPP_VIDEO_MAX_BYTES = env_int("WHATSAPP_VIDEO_MAX_BYTES", 16 * _MB)
WHATSAPP_VIDEO_MAX_PX = env_int("WHATSAPP_VIDEO_MAX_PX", 1280)
WHATSAPP_VIDEO_MAX_FPS = env_int("WHATSAPP_VIDEO_MAX_FPS", 30)
WHATSAPP_VIDEO_MAX_BITRATE = env_int("WHATSAPP_VIDEO_MAX_BITRATE", 2_500_000)
WHATSAPP_VIDEO_MIN_BITRATE = env_int("WHATSAPP_VIDEO_MIN_BITRATE", 250_000)
WHATSAPP_VIDEO_AUDIO_BITRATE = env_int("WHATSAPP_VIDEO_AUDIO_BITRATE", 128_000)
# A conversion's input: at most this long and this many pixels a frame; its time (CPU seconds, all
# threads) and memory; libx264's speed preset.
TRANSCODE_MAX_SECONDS = env_int("TRANSCODE_MAX_SECONDS", 600)
TRANSCODE_MAX_PIXELS = env_int("TRANSCODE_MAX_PIXELS", 4096 * 2304)
TRANSCODE_TIMEOUT_SECONDS = float(env("TRANSCODE_TIMEOUT_SECONDS", "900"))
TRANSCODE_MAX_MEMORY_BYTES = env_int("TRANSCODE_MAX_MEMORY_BYTES", 2048 * _MB)
TRANSCODE_PRESET = env("TRANSCODE_PRESET", "veryfast")
# A customer's video browsers cannot play (HEVC from an iPhone, ProRes, 10-bit) gets an H.264 `playback`
# copy (media.playback, on the media_slow queue) of at most this many bytes (its bitrate follows), made
# of videos up to this long; longer ones stay downloadable, their poster and duration shown.
VIDEO_PLAYBACK_MAX_BYTES = env_int("VIDEO_PLAYBACK_MAX_BYTES", 64 * _MB)
VIDEO_PLAYBACK_MAX_SECONDS = env_int("VIDEO_PLAYBACK_MAX_SECONDS", 600)
# Retention (privacy.retention; each tenant's `media_retention_days` per kind): housekeeping removes expired
# files in batches of this many, each its own short transaction, and at most this many per run.
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 200)
RETENTION_MAX_PER_RUN = env_int("RETENTION_MAX_PER_RUN", 20_000)
# Erasing a customer (privacy.erasure): messages per transaction; an erasure whose worker has not moved it
# for this long is queued again by housekeeping (it resumes where it was).
ERASURE_BATCH_SIZE = env_int("ERASURE_BATCH_SIZE", 200)
ERASURE_STALE_SECONDS = env_int("ERASURE_STALE_SECONDS", 300)
# Exporting a customer's data (privacy.export): how long the signed link to the zip works.
EXPORT_LINK_TTL_SECONDS = env_int("EXPORT_LINK_TTL_SECONDS", 600)
# The audit log (privacy.audit_log): rows are kept this long (Marco Civil da Internet, art. 15, asks an
# application to keep its access records at least six months; a year covers a yearly audit). The
# serving path buffers its rows and writes them at most this many seconds later, or at once when this
# many wait; at most AUDIT_LOG_BUFFER_MAX wait (then rows are dropped and counted, never a request).
# The same person opening the same file the same way within AUDIT_LOG_REPEAT_SECONDS is one row.
AUDIT_LOG_RETENTION_DAYS = env_int("AUDIT_LOG_RETENTION_DAYS", 365)
AUDIT_LOG_FLUSH_SECONDS = float(env("AUDIT_LOG_FLUSH_SECONDS", "1.0"))
AUDIT_LOG_FLUSH_ROWS = env_int("AUDIT_LOG_FLUSH_ROWS", 500)
AUDIT_LOG_BUFFER_MAX = env_int("AUDIT_LOG_BUFFER_MAX", 20_000)
AUDIT_LOG_REPEAT_SECONDS = env_int("AUDIT_LOG_REPEAT_SECONDS", 300)
AUDIT_LOG_EXPIRE_BATCH = env_int("AUDIT_LOG_EXPIRE_BATCH", 5_000)
# Office previews (media.processing.office): Word, Excel, PowerPoint, OpenDocument and CSV files get a
# first-page preview, page/sheet/slide count and searchable text from the PDF LibreOffice headless makes.
# OFFICE_PREVIEW_BINARY: its soffice.bin ("" finds Debian's; "off" turns previews off). One document may
# take this long and the processing child (LibreOffice with it) this much address space; a file over
# either is killed and stays downloadable with `preview_error`. LibreOffice runs in a network namespace
# of its own ("required": without one here there are no previews, and /readyz says why; "optional":
# then its profile's link blocking alone keeps it off the network).
OFFICE_PREVIEW_BINARY = env("OFFICE_PREVIEW_BINARY", "")
OFFICE_PREVIEW_TIMEOUT_SECONDS = float(env("OFFICE_PREVIEW_TIMEOUT_SECONDS", "60"))
OFFICE_PREVIEW_MAX_MEMORY_BYTES = env_int("OFFICE_PREVIEW_MAX_MEMORY_BYTES", 1536 * _MB)
OFFICE_PREVIEW_NETWORK_NAMESPACE = env("OFFICE_PREVIEW_NETWORK_NAMESPACE", "required")
if OFFICE_PREVIEW_NETWORK_NAMESPACE not in ("required", "optional"):
    raise ValueError("OFFICE_PREVIEW_NETWORK_NAMESPACE must be 'required' or 'optional'")
# Longest voice note accepted (seconds).
VOICE_NOTE_MAX_SECONDS = env_int("VOICE_NOTE_MAX_SECONDS", 30 * 60)
# Lifetime of the URL Evolution downloads a file from when sending it (it fetches at once).
EVOLUTION_MEDIA_URL_TTL_SECONDS = env_int("EVOLUTION_MEDIA_URL_TTL_SECONDS", 900)
# sendMedia gets the bytes as base64 instead of a URL for files up to this size (0 = always a URL).
# Voice notes go as base64 up to EVOLUTION_VOICE_BASE64_MAX_BYTES, because Evolution appends
# `?timestamp=` to audio URLs, which breaks presigned S3 URLs. Base64 bodies above ~2.7 MB crash
# Evolution (#1885), so neither may exceed EVOLUTION_BASE64_HARD_MAX_BYTES.
EVOLUTION_BASE64_HARD_MAX_BYTES = 2 * _MB
EVOLUTION_BASE64_MAX_BYTES = min(env_int("EVOLUTION_BASE64_MAX_BYTES", 0), EVOLUTION_BASE64_HARD_MAX_BYTES)
EVOLUTION_VOICE_BASE64_MAX_BYTES = min(
    env_int("EVOLUTION_VOICE_BASE64_MAX_BYTES", 3 * _MB // 2), EVOLUTION_BASE64_HARD_MAX_BYTES
)
# Evolution >= 2.4 accepts our own `messageId` on sends, which makes a repeated send harmless: a send
# whose answer was lost is then simply repeated. Off (2.3.x): it is never repeated automatically.
EVOLUTION_IDEMPOTENT_SENDS = env_bool("EVOLUTION_IDEMPOTENT_SENDS", False)
# How long a send may be in flight before another worker treats its worker as dead.
EVOLUTION_SEND_LEASE_SECONDS = env_int("EVOLUTION_SEND_LEASE_SECONDS", int(EVOLUTION_TIMEOUT_SECONDS) + 30)

# --- housekeeping (Celery beat; chatmedia.media.storage.housekeeping) ------------------------------
# How often the housekeeping jobs run: abandoned uploads, orphaned objects, storage usage.
HOUSEKEEPING_INTERVAL_SECONDS = env_int("HOUSEKEEPING_INTERVAL_SECONDS", 600)
# A stored object nothing refers to is deleted once it is older than this (a racing writer may
# still be about to refer to it).
ORPHAN_GRACE_SECONDS = env_int("ORPHAN_GRACE_SECONDS", 3600)
# Stored bytes that a writer was just handed again (the same picture or PDF arriving twice) are not
# released for this long, even if nothing refers to them yet: that writer refers to them within
# it (the longest gap is storing a video's renditions before the commit). The sweep frees them after.
MEDIA_BLOB_REUSE_GRACE_SECONDS = env_int("MEDIA_BLOB_REUSE_GRACE_SECONDS", 600)
CELERY_BEAT_SCHEDULE = {
    "media-housekeeping": {"task": "media.housekeeping", "schedule": float(HOUSEKEEPING_INTERVAL_SECONDS)},
    "whatsapp-recover": {"task": "whatsapp.recover", "schedule": float(HOUSEKEEPING_INTERVAL_SECONDS)},
}
# Where the embedded beat (make run) remembers when each job last ran.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- logging -----------------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO")
# `json`: one JSON object per line with tenant, attachment, phase and duration (chatmedia/ops/logging.py);
# `plain`: the same fields as text, for reading by eye.
LOG_FORMAT = env("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "chatmedia.ops.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "redact_secrets": {"()": "chatmedia.ops.logging.RedactSecrets"},
        "context": {"()": "chatmedia.ops.logging.AddContext"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["context", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "botocore": {"level": "WARNING"},
        # one line per request with full URLs (signed CDN links): our own logs say what matters
        "httpx": {"level": "WARNING"},
        # uvicorn's own lines (start, stop, errors) in the same JSON; its access log stays off
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.error": {"handlers": [], "propagate": True},
        # (named, or configuring "uvicorn" would switch it back on)
        "uvicorn.access": {"handlers": [], "propagate": False},
    },
}
# Celery keeps Django's logging (JSON, redaction) instead of installing its own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- virus scan (optional) ---------------------------------------------------------------------------
# "" = off; "clamd" = ClamAV's daemon (INSTREAM) before any attachment is stored and becomes ready.
MEDIA_SCANNER = env("MEDIA_SCANNER", "")
if MEDIA_SCANNER not in ("", "clamd"):
    raise ValueError(f"MEDIA_SCANNER must be empty or 'clamd', not {MEDIA_SCANNER!r}")
CLAMD_ADDRESS = env("CLAMD_ADDRESS", "tcp://127.0.0.1:3310")
CLAMD_TIMEOUT_SECONDS = float(env("CLAMD_TIMEOUT_SECONDS", "30"))
# Size of each INSTREAM piece (clamd's StreamMaxLength caps the whole file: set it >= MEDIA_MAX_OBJECT_BYTES).
MEDIA_SCAN_CHUNK_BYTES = env_int("MEDIA_SCAN_CHUNK_BYTES", 256 * 1024)

# --- voice-note transcription (optional; chatmedia/media/transcription/) ------------------------------
# Off when neither is set. TRANSCRIPTION_URL: an OpenAI-compatible API's base (`https://api.openai.com/v1`,
# a faster-whisper-server, whisper.cpp's or LocalAI's `http://host:port/v1`); we POST
# `<url>/audio/transcriptions`. TRANSCRIPTION_MODEL_DIR: a local faster-whisper model directory (CTranslate2
# files), used when no URL is set; nothing downloads a model at run time.
TRANSCRIPTION_URL = (env("TRANSCRIPTION_URL", "") or "").rstrip("/")
TRANSCRIPTION_API_KEY = env("TRANSCRIPTION_API_KEY", "")  # sent as a Bearer token; never logged
TRANSCRIPTION_MODEL = env("TRANSCRIPTION_MODEL", "whisper-1")
TRANSCRIPTION_LANGUAGE = env("TRANSCRIPTION_LANGUAGE", "pt")  # ISO-639-1; "" lets the model detect it
TRANSCRIPTION_MODEL_DIR = env("TRANSCRIPTION_MODEL_DIR", "")
TRANSCRIPTION_ENABLED = bool(TRANSCRIPTION_URL or TRANSCRIPTION_MODEL_DIR)
if TRANSCRIPTION_URL and not TRANSCRIPTION_URL.startswith(("http://", "https://")):
    raise ValueError(f"TRANSCRIPTION_URL must be an http(s) URL, not {TRANSCRIPTION_URL!r}")
# One request's time (a minute of speech takes a few seconds on a GPU, tens on a CPU).
TRANSCRIPTION_TIMEOUT_SECONDS = float(env("TRANSCRIPTION_TIMEOUT_SECONDS", "120"))
# The largest file and the longest recording sent (OpenAI's API takes up to 25 MB; minutes cost money).
TRANSCRIPTION_MAX_BYTES = env_int("TRANSCRIPTION_MAX_BYTES", 25 * 1000 * 1000)
TRANSCRIPTION_MAX_SECONDS = env_int("TRANSCRIPTION_MAX_SECONDS", 15 * 60)
# The most of a transcript kept (and searched); the rest is cut at a word.
TRANSCRIPTION_TEXT_MAX_CHARS = env_int("TRANSCRIPTION_TEXT_MAX_CHARS", 20_000)
# Retries of a server that is down, slow or busy (429, 5xx) before the transcript is `failed`.
TRANSCRIPTION_MAX_RETRIES = env_int("TRANSCRIPTION_MAX_RETRIES", 5)
# A transcript still `pending` this long after it was asked for (a lost task) is asked for again
# by media.housekeeping.
TRANSCRIPTION_STALE_SECONDS = env_int("TRANSCRIPTION_STALE_SECONDS", 30 * 60)

# --- metrics (Prometheus, /metrics) ------------------------------------------------------------------
# Every process (web, workers, beat) writes its counters here and /metrics adds them up
# (prometheus_client's multiprocess mode); one directory per machine, emptied before the machine's
# processes start (`make run` and `make stack` do; in production, the service manager's pre-start).
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "metrics"))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR  # read by prometheus_client on import
Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# Hot paths (/media/) count in memory and fold into those files this often: one mmap write per
# label set instead of four per request (bench/README.md, P1); a killed process loses at most this.
METRICS_FOLD_SECONDS = float(env("METRICS_FOLD_SECONDS", "1.0"))
# /metrics answers a request that carries `Authorization: Bearer <METRICS_TOKEN>` (when set) or that
# comes from one of these networks (the client address as `TRUSTED_PROXY_COUNT` resolves it).
METRICS_TOKEN = env("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
# How many reverse proxies (nginx, a load balancer) stand in front and append to X-Forwarded-For:
# the client address is the entry that many places from the right. 0 = REMOTE_ADDR (no proxy).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- the web process (chatmedia/webserver.py) ----------------------------------------------------------
# A request's headers must be complete this long after the connection opened or the request's first
# byte arrived (slowloris); then 408 and the connection is closed.
WEB_HEADER_TIMEOUT_SECONDS = float(env("WEB_HEADER_TIMEOUT_SECONDS", "10"))
# An idle keep-alive connection is closed after this long.
WEB_KEEP_ALIVE_SECONDS = env_int("WEB_KEEP_ALIVE_SECONDS", 5)

# API and admin messages; the web UI carries its own pt-BR strings.
LANGUAGE_CODE = env("LANGUAGE_CODE", "en-us")
TIME_ZONE = env("TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
USE_TZ = True
