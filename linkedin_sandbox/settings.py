"""Settings of the sandbox's own tiny Django project: no database, no sessions, no auth.

Configuration comes from ``SANDBOX_*`` environment variables, documented in README.md.
``python -m linkedin_sandbox`` sets ``SANDBOX_PUBLIC_URL`` from --host/--port when it is unset.
"""

import os
import secrets

SANDBOX_PUBLIC_URL = os.environ.get("SANDBOX_PUBLIC_URL", "http://127.0.0.1:8001").rstrip("/")
# Origin of the server-to-server endpoints (token, userinfo, JWKS) in the discovery document,
# for setups where the app reaches the sandbox under another name than browsers do.
SANDBOX_API_URL = os.environ.get("SANDBOX_API_URL", SANDBOX_PUBLIC_URL).rstrip("/")
SANDBOX_CLIENT_ID = os.environ.get("SANDBOX_CLIENT_ID", "contactsapp-sandbox")
SANDBOX_CLIENT_SECRET = os.environ.get("SANDBOX_CLIENT_SECRET", "sandbox-secret")
SANDBOX_APP_NAME = os.environ.get("SANDBOX_APP_NAME", "Address Book for LinkedIn")
SANDBOX_REDIRECT_URIS = [
    uri.strip()
    for uri in os.environ.get(
        "SANDBOX_REDIRECT_URIS",
        "http://127.0.0.1:*/auth/callback/,http://localhost:*/auth/callback/",
    ).split(",")
    if uri.strip()
]
# LinkedIn grants the Contacts permission per application, so its scope name is configurable.
SANDBOX_CONTACTS_SCOPE = os.environ.get("SANDBOX_CONTACTS_SCOPE", "r_contacts")
# LinkedIn's Member Data Portability product is a separate application with its own consent
# (`portability.py`): its redirect URIs are the sign-in's with /auth/portability/callback/.
SANDBOX_PORTABILITY_CLIENT_ID = os.environ.get(
    "SANDBOX_PORTABILITY_CLIENT_ID", "contactsapp-portability"
)
SANDBOX_PORTABILITY_CLIENT_SECRET = os.environ.get(
    "SANDBOX_PORTABILITY_CLIENT_SECRET", "portability-secret"
)
SANDBOX_PORTABILITY_SCOPE = "r_dma_portability_3rd_party"

# Nothing is signed with it (no sessions, no CSRF cookies); Django only insists on having one.
SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "linkedin_sandbox.urls"
DATABASES = {}
INSTALLED_APPS = ["linkedin_sandbox"]
# CommonMiddleware sets Content-Length, which keeps HTTP/1.1 connections alive.
# No CSRF middleware: the sandbox has no users or cookies to protect.
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
APPEND_SLASH = False
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {},
    }
]
USE_TZ = True
DEFAULT_CHARSET = "utf-8"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Django logs every 5xx answer; most are faults asked for. Keep only real exceptions.
        "exceptions_only": {
            "()": "django.utils.log.CallbackFilter",
            "callback": lambda record: record.exc_info is not None,
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "exceptions": {"class": "logging.StreamHandler", "filters": ["exceptions_only"]},
    },
    "loggers": {
        # Exceptions in views go to stderr with their traceback.
        "django.request": {"handlers": ["exceptions"], "level": "ERROR", "propagate": False},
        # server.py prints one line per request itself.
        "django.server": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
