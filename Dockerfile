# syntax=docker/dockerfile:1
# One image for every process of a deployment: the web app (gunicorn), the export worker,
# the purger and, for demos, the LinkedIn sandbox. See docker-compose.yml.

# --- build: the pinned dependencies, in a virtualenv copied whole into the final image ---
FROM python:3.11-slim AS build

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
FROM python:3.11-slim

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=contactsapp.settings \
    PORT=8000

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
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
    && python -m compileall -q contactsapp exports linkedin_sandbox

USER app:app
EXPOSE 8000

# docker-compose.yml runs the migrations first; alone, the image serves the app.
CMD ["sh", "-c", "exec gunicorn contactsapp.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
