#!/usr/bin/env bash
# Build the image, run the whole docker-compose stack, drive a member's journey through its
# published port, and take it all down again: `make compose-check`.
#
# - Starts a Docker engine if none answers (vfs storage, host networking: it runs where no
#   bridge can be made). Where no engine can start, it says so and exits 0, unless
#   REQUIRE_DOCKER=1, when that is a failure.
# - Needs no registry: two base images are built from Debian's own packages with mmdebstrap
#   (cached between runs, tagged with a hash of how they are made): Python for the app image
#   (the Dockerfile's BASE_IMAGE build argument) and Debian's PostgreSQL for the database.
# - Containers share the host's network, so the ports are chosen not to clash with a local
#   PostgreSQL or a development server: CHECK_DB_PORT (5433), CHECK_WEB_PORT (8080),
#   CHECK_SANDBOX_PORT (8081).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIRE_DOCKER=${REQUIRE_DOCKER:-0}
DB_PORT=${CHECK_DB_PORT:-5433}
WEB_PORT=${CHECK_WEB_PORT:-8080}
SANDBOX_PORT=${CHECK_SANDBOX_PORT:-8081}
PYTHON=${PYTHON:-.venv/bin/python}
BASE_SUITE=bookworm
PROJECT=contactsapp-check
STARTED=$(date +%s)
WORK=$(mktemp -d)
ENGINE_PID=""

say() { printf '== compose-check [%3ss] %s\n' "$(($(date +%s) - STARTED))" "$*"; }

no_engine() {
    if [ "$REQUIRE_DOCKER" = 1 ]; then
        say "FAILED: $1 (REQUIRE_DOCKER=1)"
        exit 1
    fi
    say "SKIPPED: $1. Nothing was checked; set REQUIRE_DOCKER=1 to make this a failure."
    exit 0
}

cleanup() {
    status=$?
    if [ -n "${COMPOSE:-}" ]; then
        if [ "$status" != 0 ]; then
            say "failed; the stack's last log lines:"
            "${COMPOSE[@]}" logs --no-color --tail=40 2>&1 | sed 's/^/    /' || true
        fi
            fi
    if [ -n "$ENGINE_PID" ]; then
        kill "$ENGINE_PID" 2>/dev/null || true
        wait "$ENGINE_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

# --- the engine and the compose command -----------------------------------------------------
command -v docker >/dev/null || no_engine "no docker command"
if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null || no_engine "no Docker engine runs and there is no dockerd"
    [ "$(id -u)" = 0 ] || no_engine "no Docker engine runs, and starting one needs root"
    say "starting a Docker engine (vfs storage, host networking)"
    dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
        >"$WORK/dockerd.log" 2>&1 &
    ENGINE_PID=$!
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && break
        kill -0 "$ENGINE_PID" 2>/dev/null || break
        sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
        tail -5 "$WORK/dockerd.log" | sed 's/^/    /'
        ENGINE_PID=""
        no_engine "the Docker engine did not start"
    fi
fi
if docker compose version >/dev/null 2>&1; then
    COMPOSE_CLI=(docker compose)
elif command -v docker-compose >/dev/null; then
    COMPOSE_CLI=(docker-compose)
else
    no_engine "neither 'docker compose' nor 'docker-compose' is installed"
fi
say "engine $(docker version --format '{{.Server.Version}}'), $("${COMPOSE_CLI[@]}" version --short 2>/dev/null || echo compose)"

# --- base images, from Debian's packages ----------------------------------------------
# One for the app (Python), one for the database (PostgreSQL): with the vfs storage driver
# every build step copies the whole image, so the app's base is kept small.
base_image() {  # NAME PACKAGES [--customize-hook=...]: build unless cached; print its tag
    local name=$1 packages=$2
    shift 2
    local tag
    tag=contactsapp-$name:$(printf '%s %s %s' "$BASE_SUITE" "$packages" "$*" | sha256sum | cut -c1-12)
    if docker image inspect "$tag" >/dev/null 2>&1; then
        say "base image $tag (cached)" >&2
    else
        say "building the base image $tag from Debian $BASE_SUITE with mmdebstrap" >&2
        mmdebstrap --quiet --variant=minbase --include="$packages" \
            --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/locale/*' \
            --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
            "$@" "$BASE_SUITE" "$WORK/$name.tar" >&2
        docker import --change 'ENV LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
            --change 'CMD ["bash"]' "$WORK/$name.tar" "$tag" >/dev/null
        rm -f "$WORK/$name.tar"
    fi
    echo "$tag"
}
command -v mmdebstrap >/dev/null || no_engine "mmdebstrap is not installed (apt-get install mmdebstrap)"
# The machine's CA bundle goes in, so pip inside a build trusts what the host's pip trusts.
BASE_IMAGE=$(base_image python python3,python3-venv,python-is-python3,ca-certificates,passwd \
    --customize-hook='cat /etc/ssl/certs/ca-certificates.crt > "$1/etc/ssl/certs/ca-certificates.crt"')
POSTGRES_IMAGE=$(base_image postgres postgresql-15 \
    --customize-hook='chroot "$1" install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data')

# --- configuration: throw-away secrets, the sandbox as LinkedIn --------------------------
secret() { "$PYTHON" -c "import secrets; print(secrets.token_hex(32))"; }
export BASE_IMAGE POSTGRES_IMAGE WEB_PORT SANDBOX_PORT DB_PORT
export APP_IMAGE_TAG=check DB_HOST=127.0.0.1
export SECRET_KEY=$(secret) POSTGRES_PASSWORD=$(secret) METRICS_TOKEN=$(secret)
export TOKEN_ENCRYPTION_KEY=$("$PYTHON" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export LINKEDIN_CLIENT_ID=contactsapp-sandbox LINKEDIN_CLIENT_SECRET=sandbox-secret
export SANDBOX_PUBLIC_URL=http://127.0.0.1:$SANDBOX_PORT SANDBOX_API_URL=http://127.0.0.1:$SANDBOX_PORT
export SANDBOX_REDIRECT_URIS=http://127.0.0.1:$WEB_PORT/auth/callback/
export APP_ENV_FILE=$WORK/app.env
cat >"$APP_ENV_FILE" <<EOF
LINKEDIN_OIDC_DISCOVERY_URL=$SANDBOX_API_URL/oauth/.well-known/openid-configuration
LINKEDIN_API_BASE_URL=$SANDBOX_API_URL
CSP_EXTRA_IMG_SRC=$SANDBOX_PUBLIC_URL
ALLOWED_HOSTS=127.0.0.1
SECURE_SSL_REDIRECT=0
SECURE_COOKIES=0
SECURE_HSTS_SECONDS=0
METRICS_TOKEN=$METRICS_TOKEN
EXPORT_POLL_INTERVAL=1
PURGE_INTERVAL=30
EOF
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0  # the classic builder: no registry needed
# With vfs, creating a container copies its whole image: on a busy disk that takes minutes.
export COMPOSE_HTTP_TIMEOUT=600 DOCKER_CLIENT_TIMEOUT=600
COMPOSE=("${COMPOSE_CLI[@]}" -p "$PROJECT" -f docker-compose.yml -f deploy/compose-check.yml --profile sandbox)

# A stack left over by an interrupted run would hold the ports.
"${COMPOSE[@]}" down --volumes --remove-orphans >/dev/null 2>&1 || true
for port in "$DB_PORT" "$WEB_PORT" "$SANDBOX_PORT"; do
    if "$PYTHON" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
        say "FAILED: port $port is taken (set CHECK_DB_PORT, CHECK_WEB_PORT, CHECK_SANDBOX_PORT)"
        exit 1
    fi
done

# --- build and start --------------------------------------------------------------------
say "building the app image on $BASE_IMAGE"
"${COMPOSE[@]}" build web >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
say "starting db, web, worker, purger and sandbox"
"${COMPOSE[@]}" up -d --no-build >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; exit 1; }

say "waiting for every health check"
deadline=$(($(date +%s) + 240))
while :; do
    states=""
    for id in $("${COMPOSE[@]}" ps -q); do
        states+="$(docker inspect --format '{{.Name}}={{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id") "
    done
    case "$states" in
        *unhealthy* | *exited* | *dead*) say "FAILED: $states"; exit 1 ;;
    esac
    if [ "$(wc -w <<<"$states")" = 5 ] && ! grep -qv '=healthy$' <(tr ' ' '\n' <<<"$states" | sed '/^$/d'); then
        break
    fi
    if [ "$(date +%s)" -gt "$deadline" ]; then
        say "FAILED: not healthy in time: $states"
        exit 1
    fi
    sleep 2
done
say "healthy: $states"

# --- the journey, the probes, the metrics, the deployment checks --------------------------
APP=http://127.0.0.1:$WEB_PORT
"$PYTHON" -m tests.production.journey "$APP" "$SANDBOX_API_URL" | sed 's/^/    /'
"$PYTHON" - "$APP" "$METRICS_TOKEN" <<'EOF'
import sys, requests
app, token = sys.argv[1:]
assert requests.get(f"{app}/healthz", timeout=5).json() == {"status": "ok"}
assert requests.get(f"{app}/readyz", timeout=5).json() == {"status": "ready"}
assert requests.get(f"{app}/metrics", timeout=5).status_code == 401
text = requests.get(f"{app}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5).text
for needed in ('contactsapp_exports_finished_total{status="succeeded"} 1.0',
               'contactsapp_linkedin_calls_total{endpoint="export_start",outcome="ok"} 1.0',
               "contactsapp_contacts_stored_total 321.0", "contactsapp_worker_rounds_total"):
    assert needed in text, f"/metrics lacks {needed!r}"
print("    probes answer; /metrics needs its token and counts the export")
EOF
say "manage.py check --deploy in the web container"
"${COMPOSE[@]}" exec -T -e SECURE_SSL_REDIRECT=1 -e SECURE_COOKIES=1 -e SECURE_HSTS_SECONDS=31536000 \
    web python manage.py check --deploy --fail-level WARNING | sed 's/^/    /'

say "stopping the worker (SIGTERM)"
stop_started=$(date +%s.%N)
"${COMPOSE[@]}" stop worker >/dev/null 2>&1
stop_seconds=$("$PYTHON" -c "import sys; print(round($(date +%s.%N) - $stop_started, 1))")
exit_code=$(docker inspect --format '{{.State.ExitCode}}' "$("${COMPOSE[@]}" ps -q worker)")
[ "$exit_code" = 0 ] || { say "FAILED: the worker exited with $exit_code on SIGTERM"; exit 1; }
say "the worker stopped cleanly in ${stop_seconds} s"

say "taking the stack down with its volumes"
"${COMPOSE[@]}" down --volumes --remove-orphans >/dev/null 2>&1
COMPOSE=""
say "PASSED in $(($(date +%s) - STARTED)) s"
