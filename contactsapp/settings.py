"""Settings for contactsapp, all read from the environment.

Every variable is documented in `.env.example`. Development (`DEBUG=1`) runs with no
configuration at all; production refuses to start without its secrets.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# The one name of the product, on every page (the sandbox's consent page uses the same).
PRODUCT_NAME = "Address Book for LinkedIn"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _secret(name: str, development_default: str) -> str:
    """Return a secret from the environment; only development may fall back to a default."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return development_default
    raise ImproperlyConfigured(f"Set the {name} environment variable (see .env.example).")


SECRET_KEY = _secret("SECRET_KEY", "development-only-secret-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "contactsapp",
    "exports",
    "refresh",
    "mail",
    "devices",
    "carddav",
    "enrichment",
    "languages",
]

MIDDLEWARE = [
    # First: probes and metrics are answered before host checks, redirects and sessions.
    "operations.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's rule): the language cookie, else
    # Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in member's saved language wins over the browser's,
    # and the time zone from the `tz` cookie.
    "languages.middleware.MemberLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The friendly 404 page under DEBUG too (Django's debug page stays for errors).
    "contactsapp.not_found.FriendlyNotFoundMiddleware",
]

ROOT_URLCONF = "contactsapp.urls"
WSGI_APPLICATION = "contactsapp.wsgi.application"

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
                "contactsapp.context_processors.linkedin_account",
                "contactsapp.context_processors.product",
            ],
        },
    },
]

# SQLite by default, so a newcomer needs nothing installed; PostgreSQL by DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Take the write lock when a transaction begins, so concurrent writers queue
            # instead of failing with "database is locked" half-way through.
            "transaction_mode": "IMMEDIATE",
            # Seconds a writer waits for the lock (SQLite's busy timeout), longer than the
            # longest write: storing a book holds the lock for the whole book, all or
            # nothing, and the largest book the size cap admits takes a while on a slow
            # machine. Any page that writes (signing in or out, starting an export, a status
            # poll that is due) waits that long at worst; with a shorter wait than the
            # ingest it answered 500 "database is locked" instead (bench/sqlite_concurrency).
            "timeout": 120,
            # WAL: readers never wait for the writer, so pages that only read keep answering
            # while a book is stored.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not memory, so tests with live servers and threads use real connections;
    # one per test process, so two test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    # One test database per test process, so two runs (or a run and `make bench`) never
    # trip over each other.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS: list[dict] = []  # members sign in with LinkedIn only
LOGIN_URL = "login"

LANGUAGE_CODE = "en"
# The languages the app speaks, each named in itself (the switcher shows these names).
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("ja", "日本語"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's cookie (a visitor's choice; a member's is on their account): no script reads it.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60  # seconds: a year, not the browser's session
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production serves compressed files under hashed names from `collectstatic`;
        # development and tests serve the source files as they are.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_HASHED_NAMES", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Without hashed names there is no collectstatic: whitenoise serves from the sources.
WHITENOISE_USE_FINDERS = STORAGES["staticfiles"]["BACKEND"].startswith("django.")

# --- LinkedIn ---------------------------------------------------------------------------
LINKEDIN_CLIENT_ID = _secret("LINKEDIN_CLIENT_ID", "contactsapp-sandbox")
LINKEDIN_CLIENT_SECRET = _secret("LINKEDIN_CLIENT_SECRET", "sandbox-secret")
LINKEDIN_OIDC_DISCOVERY_URL = env.str(
    "LINKEDIN_OIDC_DISCOVERY_URL",
    default="https://www.linkedin.com/oauth/.well-known/openid-configuration",
)
LINKEDIN_API_BASE_URL = env.str("LINKEDIN_API_BASE_URL", default="https://api.linkedin.com")
# The Contacts permission is granted per application, so its name is configuration.
LINKEDIN_SCOPES = env.str("LINKEDIN_SCOPES", default="openid profile email r_contacts")
LINKEDIN_TIMEOUT = env.float("LINKEDIN_TIMEOUT", default=10.0)
# Refuse bodies above this size rather than exhausting memory (50,000 contacts ≈ 6 MB).
LINKEDIN_MAX_RESPONSE_BYTES = env.int("LINKEDIN_MAX_RESPONSE_BYTES", default=64 * 1024 * 1024)

# Access tokens are encrypted at rest with Fernet; the first key encrypts, all decrypt,
# so keys can be rotated by putting a new one in front.
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEY", default=[]) or (
    ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE="] if DEBUG else []
)
if not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set the TOKEN_ENCRYPTION_KEY environment variable.")

# --- Exports ----------------------------------------------------------------------------
EXPORT_POLL_INTERVAL = env.float("EXPORT_POLL_INTERVAL", default=3.0)  # seconds
EXPORT_TIMEOUT = env.float("EXPORT_TIMEOUT", default=15 * 60)  # seconds until we give up
EXPORT_MAX_BACKOFF = env.float("EXPORT_MAX_BACKOFF", default=60.0)  # seconds
CONTACTS_PER_PAGE = env.int("CONTACTS_PER_PAGE", default=50)
# How many address books a member keeps: when a new one succeeds, the oldest beyond this
# many are deleted (0 keeps every one until LinkedIn's expiry).
EXPORT_KEEP_PER_MEMBER = env.int("EXPORT_KEEP_PER_MEMBER", default=3)
# Seconds a member waits between two exports (failed ones aside), sparing LinkedIn's limits.
EXPORT_MIN_SPACING = env.float("EXPORT_MIN_SPACING", default=60.0)

# --- Automatic refresh (the member's opt-in; see README "Keeping the address book current")
# At most one automatic export per member per interval, counted from their newest export;
# moved earlier only to start before the newest book expires (the margin before expiresAt).
AUTO_REFRESH_INTERVAL = env.float("AUTO_REFRESH_INTERVAL", default=24 * 60 * 60)  # seconds
AUTO_REFRESH_MARGIN = env.float("AUTO_REFRESH_MARGIN", default=2 * 60 * 60)  # seconds
# Each member's due time is pushed later by a fixed share of this (a hash of the member),
# so members who turned it on together do not all fall due at once.
AUTO_REFRESH_JITTER = env.float("AUTO_REFRESH_JITTER", default=30 * 60)  # seconds
# LinkedIn's per-application daily limit, as calls; automatic exports are paced through
# the day so it is never exceeded (0: no budget). One automatic export is counted as
# AUTO_REFRESH_CALLS_PER_EXPORT calls (its start and its status checks).
LINKEDIN_DAILY_CALL_BUDGET = env.int("LINKEDIN_DAILY_CALL_BUDGET", default=50_000)
AUTO_REFRESH_CALLS_PER_EXPORT = env.int("AUTO_REFRESH_CALLS_PER_EXPORT", default=10)
# Renew an access token this long before it ends, where LinkedIn gave a refresh token.
TOKEN_RENEW_AHEAD = env.float("TOKEN_RENEW_AHEAD", default=3 * 24 * 60 * 60)  # seconds
# Without a refresh token, the member is reminded this long before their token ends.
TOKEN_REMINDER_AHEAD = env.float("TOKEN_REMINDER_AHEAD", default=7 * 24 * 60 * 60)  # seconds

# --- E-mail -----------------------------------------------------------------------------
# The SMTP server as one URL (smtp+tls://user:password@host:587); development prints
# e-mail on the console unless told otherwise (`make run` points it at the sandbox's
# mailbox).
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)  # seconds; a hung server is a retry
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{PRODUCT_NAME} <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the links in e-mail point: the address members reach the app at.
SITE_URL = env.str(
    "SITE_URL",
    default="http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}",
)
# A failed delivery is retried after MAIL_RETRY_BASE seconds, doubling up to
# MAIL_RETRY_MAX, until MAIL_MAX_ATTEMPTS attempts; a refusal for good (5xx) is not retried.
MAIL_RETRY_BASE = env.float("MAIL_RETRY_BASE", default=60.0)
MAIL_RETRY_MAX = env.float("MAIL_RETRY_MAX", default=6 * 60 * 60)
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=10)
# A message claimed by a worker for longer than this is taken as the worker having died,
# and is sent again (see mail.services).
MAIL_SENDING_LEASE = env.float("MAIL_SENDING_LEASE", default=10 * 60)
# Days a settled message (sent, given up, cancelled) stays in the outbox before it is deleted.
MAIL_KEEP_DAYS = env.int("MAIL_KEEP_DAYS", default=30)

# --- Operations -------------------------------------------------------------------------
# `/metrics` answers only to `Authorization: Bearer <METRICS_TOKEN>`; unset, it is off (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # the OAuth callback is a top-level GET from LinkedIn
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Reverse proxies in front of the app that append the client's address to X-Forwarded-For
# (the device-password throttle counts failures per address). 0, the default: none, and the
# header, which a client can write itself, is ignored. docker-compose.yml sets 1.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Member pictures come from LinkedIn's media host (or the sandbox).
        "img-src": [SELF, "data:", "https:", *env.list("CSP_EXTRA_IMG_SRC", default=[])],
        "connect-src": [SELF],
        "form-action": [SELF, *env.list("CSP_EXTRA_FORM_ACTION", default=[])],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Logging: one line per event on stdout, key=value pairs that grep well --------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "operations.logging.RedactSecretsFilter"}},
    "formatters": {
        "line": {
            "format": "ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    # Django's own loggers go through the same redacting handler, and nowhere else: its
    # default mail_admins handler would send request details (with OAuth codes) unfiltered.
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
    },
}

# Company and position from the member's LinkedIn data archive (enrichment/). An upload is
# held in memory and refused past the first bound; Connections.csv, read out of LinkedIn's
# ZIP or given alone, past the second (30,000 connections, LinkedIn's maximum, are ~6 MB).
ENRICHMENT_MAX_UPLOAD_BYTES = env.int("ENRICHMENT_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
ENRICHMENT_MAX_CSV_BYTES = env.int("ENRICHMENT_MAX_CSV_BYTES", default=20 * 1000 * 1000)
ENRICHMENT_MAX_CONNECTIONS = env.int("ENRICHMENT_MAX_CONNECTIONS", default=100_000)
# How long the worker that took an archive's join holds it; past this, a worker that died
# mid-join is presumed gone and another takes the job again.
ENRICHMENT_JOIN_LEASE_SECONDS = env.int("ENRICHMENT_JOIN_LEASE_SECONDS", default=600)
# LinkedIn's Member Data Portability API (members in the EEA and Switzerland): a separate
# LinkedIn application with its own consent, offered as "Fetch company and position from
# LinkedIn" only when both are set (`make run` sets the sandbox's).
LINKEDIN_PORTABILITY_CLIENT_ID = env.str("LINKEDIN_PORTABILITY_CLIENT_ID", default="")
LINKEDIN_PORTABILITY_CLIENT_SECRET = env.str("LINKEDIN_PORTABILITY_CLIENT_SECRET", default="")
LINKEDIN_PORTABILITY_SCOPE = "r_dma_portability_3rd_party"
# The API version sent as `LinkedIn-Version` (YYYYMM).
LINKEDIN_PORTABILITY_VERSION = env.str("LINKEDIN_PORTABILITY_VERSION", default="202312")
# Where a member can download a sample archive ("{sub}": their LinkedIn member id); `make
# run` points it at the sandbox's demo archives. Empty: no such link.
ENRICHMENT_SAMPLE_ARCHIVE_URL = env.str("ENRICHMENT_SAMPLE_ARCHIVE_URL", default="")
