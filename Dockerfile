# One image for every process of a deployment: the web app (gunicorn), the export worker,
# the purger and, for demos, the LinkedIn sandbox. See docker-compose.yml.
#
# The base is the official slim Python image. Any Debian-like image with Python 3.11+,
# `python` on the PATH and its venv module will do (`--build-arg BASE_IMAGE=...`):
# `make compose-check` builds one from Debian's own packages where no registry is reachable.
ARG BASE_IMAGE=python:3.11-slim

# --- build: the pinned dependencies, in a virtualenv copied whole into the final image ---
FROM ${BASE_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

# requirements.txt is the lock file (`make lock`); every dependency ships a wheel, so no
# compiler is needed, and none reaches the final image either way.
COPY requirements.txt /build/requirements.txt
RUN pip install --no-deps -r /build/requirements.txt


# --- final: the runtime, the app, its collected static files; runs as a non-root user ---
FROM ${BASE_IMAGE}

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=contactsapp.settings \
    PORT=8000

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && install -d -o app -g app /run/metrics

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
# docker-compose.yml runs the migrations first; alone, the image serves the app on $PORT
# with $WEB_CONCURRENCY workers (gunicorn.conf.py). Declared before the code is copied, so
# a rebuild after a code change redoes only the steps from here on.
EXPOSE 8000
CMD ["gunicorn", "contactsapp.wsgi:application"]

COPY --chown=root:root . /app

# Static files are collected (hashed and compressed, for whitenoise) at build time. The
# settings refuse to load without their secrets, so this one step gets throw-away values;
# they exist only in this RUN command, not in the image's environment.
RUN DEBUG=0 \
    SECRET_KEY=build-time-only-not-a-secret \
    TOKEN_ENCRYPTION_KEY=YnVpbGQtdGltZS1vbmx5LW5vdC1hLXNlY3JldC0wMTI= \
    LINKEDIN_CLIENT_ID=build-time-only \
    LINKEDIN_CLIENT_SECRET=build-time-only \
    DATABASE_URL=sqlite://:memory: \
    python manage.py collectstatic --noinput \
    && python -m compileall -q carddav contactsapp devices enrichment exports linkedin_sandbox mail operations refresh

USER app:app
