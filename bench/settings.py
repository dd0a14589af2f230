"""The app's own settings, with two changes the benchmark needs.

* `ROOT_URLCONF` adds a trivial view (`/bench/floor/`) beside the app's URLs: the floor a
  request through the same middleware stack cannot go below.
* Static files are served from the source folders, so pages render under `DEBUG=0` without
  `collectstatic` (static files are not measured).

Everything else (middleware, database options, sessions, templates) is the app's.
"""

from contactsapp.settings import *  # noqa: F403
from contactsapp.settings import STORAGES

ROOT_URLCONF = "bench.urls"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
