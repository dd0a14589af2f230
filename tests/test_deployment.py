"""The deployment's shape: docker-compose.yml, the Dockerfile and the production settings.

These tests read the files and check that every process they start names something real,
that secrets come only from the environment, and that the production settings pass Django's
deployment checks and refuse to start without their secrets. Building the image and running
the stack is `make compose-check` (deploy/compose-check.sh), which CI runs too.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml
from cryptography.fernet import Fernet
from django.core.management import get_commands, load_command_class
from gunicorn.config import Config as GunicornConfig

from linkedin_sandbox.client import SandboxClient

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("web", "worker", "purger")
SECRETS = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET")
REQUIRED_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+):\?[^}]+\}")
SHELL_DEFAULT = re.compile(r"\$\{[A-Z0-9_]+:-(?P<default>[^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    """docker-compose.yml with docker-compose.override.yml over it, as `docker compose up` reads."""
    merged = yaml.safe_load(COMPOSE_FILE.read_text())
    override = yaml.safe_load((ROOT / "docker-compose.override.yml").read_text())
    assert set(override) == {"services"}
    for name, changes in override["services"].items():
        assert set(changes) == {"ports"}, "the override only publishes ports"
        merged["services"][name].update(changes)
    return merged


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


# --- Commands: every process starts something that exists, with arguments it accepts ------


def command_lines(command: list[str] | str) -> list[list[str]]:
    """Split a service command into the programs it runs, as argument lists.

    `sh -c` scripts are cut at `&&`, `;` and `&`; shell defaults (`${WEB_CONCURRENCY:-3}`)
    become their default values, and `exec`/`do` prefixes are dropped.
    """
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] != ["sh", "-c"]:
        return [argv]
    script = SHELL_DEFAULT.sub(lambda m: m["default"], argv[2].replace("$$", "$"))
    lines = []
    for piece in re.split(r"&&|;|&(?!&)", script):
        words = shlex.split(piece)
        while words and words[0] in ("exec", "do", "then"):
            words = words[1:]
        if words:
            lines.append(words)
    return lines


def python_programs(lines: list[list[str]]) -> list[list[str]]:
    return [line for line in lines if line[0] in ("python", "python3", "gunicorn")]


def check_program(argv: list[str]) -> str:
    """Fail unless `argv` starts a real entry point with arguments it accepts; return its name."""
    if argv[0] == "gunicorn":
        parsed = GunicornConfig().parser().parse_args(argv[1:])
        assert len(parsed.args) == 1, argv
        module_name, _, attribute = parsed.args[0].partition(":")
        application = getattr(importlib.import_module(module_name), attribute or "application")
        assert callable(application)
        return "gunicorn"
    assert argv[0] in ("python", "python3"), argv
    if argv[1] == "manage.py":
        name, arguments = argv[2], argv[3:]
        commands = get_commands()
        assert name in commands, f"no management command {name!r}"
        command = load_command_class(commands[name], name)
        command.create_parser("manage.py", name).parse_args(arguments)
        return name
    if argv[1] == "-m":
        module = argv[2]
        assert importlib.util.find_spec(f"{module}.__main__") is not None, argv
        return module
    raise AssertionError(f"unexpected program {argv}")


def test_compose_file_has_the_services_of_a_deployment(services):
    assert set(services) >= {"db", "web", "worker", "purger", "sandbox"}


@pytest.mark.parametrize("service", ["web", "worker", "purger", "sandbox"])
def test_every_service_command_names_a_real_entry_point(services, service):
    programs = python_programs(command_lines(services[service]["command"]))
    assert programs, f"{service} runs no Python program"
    for argv in programs:
        check_program(argv)


def test_web_migrates_then_serves_the_wsgi_app_with_gunicorn(services):
    programs = python_programs(command_lines(services["web"]["command"]))
    assert [check_program(argv) for argv in programs] == ["migrate", "gunicorn"]
    assert "--noinput" in programs[0]
    script = services["web"]["command"][-1]
    assert "&& exec gunicorn contactsapp.wsgi:application" in " ".join(script.split())
    assert services["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]


def gunicorn_settings(**environ: str) -> dict:
    """Return the settings gunicorn.conf.py makes in `environ`."""
    namespace: dict = {}
    saved = {name: os.environ.pop(name, None) for name in ("HOST", "PORT", "WEB_CONCURRENCY")}
    try:
        os.environ.update(environ)
        exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    finally:
        for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
            os.environ.pop(name, None)
            if saved[name] is not None:
                os.environ[name] = saved[name]
    return namespace


def test_gunicorn_listens_where_the_environment_says():
    assert gunicorn_settings()["bind"] == ["0.0.0.0:8000"]
    assert gunicorn_settings()["workers"] == 3
    chosen = gunicorn_settings(HOST="127.0.0.1", PORT="8080", WEB_CONCURRENCY="2")
    assert chosen["bind"] == ["127.0.0.1:8080"]
    assert chosen["workers"] == 2


def test_the_worker_polls_exports_and_the_purger_purges_them_periodically(services):
    worker = python_programs(command_lines(services["worker"]["command"]))
    assert worker == [
        ["python", "manage.py", "poll_exports", "--loop", "--heartbeat-file=/tmp/worker.heartbeat"]
    ]
    purger = python_programs(command_lines(services["purger"]["command"]))
    assert [check_program(argv) for argv in purger] == ["purge_expired_exports"]
    assert purger[0][3:5] == ["--loop", "300"]


def test_the_sandbox_is_a_demo_profile_reachable_by_browsers_and_by_the_app(services):
    sandbox = services["sandbox"]
    assert sandbox["profiles"] == ["sandbox"]
    assert sandbox["command"][-1] == (
        "exec python -m linkedin_sandbox --host 0.0.0.0 --port $${SANDBOX_PORT}"
    )
    assert "${SANDBOX_PORT:-8001}:${SANDBOX_PORT:-8001}" in sandbox["ports"]
    environment = sandbox["environment"]
    assert environment["SANDBOX_PORT"] == "${SANDBOX_PORT:-8001}"
    assert environment["SANDBOX_PUBLIC_URL"] == "${SANDBOX_PUBLIC_URL:-http://localhost:8001}"
    assert environment["SANDBOX_API_URL"] == "${SANDBOX_API_URL:-http://sandbox:8001}"
    assert "http://localhost:8000/auth/callback/" in environment["SANDBOX_REDIRECT_URIS"]
    # Only the demo profile runs it: a production `docker compose up` has no fake LinkedIn.
    assert all("profiles" not in services[name] for name in ("db", *APP_SERVICES))


def test_the_sandbox_sends_browsers_and_the_app_to_different_addresses(tmp_path):
    """In compose, browsers reach the sandbox at localhost:8001 and the app at sandbox:8001."""
    client = SandboxClient(
        env={
            "SANDBOX_PUBLIC_URL": "http://localhost:8001",
            "SANDBOX_API_URL": "http://sandbox:8001",
        },
        log_path=tmp_path / "sandbox.log",
    )
    client.start()
    try:
        discovery = requests.get(client.discovery_url, timeout=10).json()
    finally:
        client.stop()
    assert discovery["authorization_endpoint"].startswith("http://localhost:8001/")
    for endpoint in ("token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert discovery[endpoint].startswith("http://sandbox:8001/"), endpoint


def test_the_compose_checks_journey_runs_outside_django():
    """`make compose-check` runs the journey as a plain HTTP client, with no Django settings:
    nothing it imports may reach a model (a writer importing a selector once broke it)."""
    environment = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"
    }
    result = subprocess.run(
        [sys.executable, "-c", "import tests.production.journey"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]


# --- Configuration: from the environment, secrets never in the repository -----------------


def test_app_services_share_one_image_and_build(services):
    images = {services[name]["image"] for name in (*APP_SERVICES, "sandbox")}
    builds = {json.dumps(services[name]["build"], sort_keys=True) for name in APP_SERVICES}
    assert len(images) == 1 and len(builds) == 1
    build = services["web"]["build"]
    assert build["context"] == "."
    assert (ROOT / build.get("dockerfile", "Dockerfile")).is_file()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_settings_and_secrets_come_from_the_environment(services, service):
    definition = services[service]
    # A plain string: Compose v1 knows no other form. APP_ENV_FILE lets the check use its own.
    assert definition["env_file"] == "${APP_ENV_FILE:-.env}"
    environment = definition["environment"]
    assert environment["DEBUG"] == "0"
    for name in SECRETS:
        match = REQUIRED_VARIABLE.fullmatch(environment[name])
        assert match and match["name"] == name, f"{name} must be ${{{name}:?...}}"
    database_url = environment["DATABASE_URL"]
    # postgres://user:${POSTGRES_PASSWORD:?...}@db:5432/name, the password shared with `db`.
    assert re.fullmatch(
        r"postgres://(\$\{[^}]+\}|\w+):\$\{POSTGRES_PASSWORD:\?[^}]+\}"
        r"@\$\{DB_HOST:-db\}:\$\{DB_PORT:-5432\}/\S+",
        database_url,
    ), database_url


def test_every_variable_the_services_set_is_read_by_the_settings(services):
    settings_source = (ROOT / "contactsapp" / "settings.py").read_text()
    settings_source += (ROOT / "operations" / "metrics.py").read_text()
    for name in services["web"]["environment"]:
        assert f'"{name}"' in settings_source, f"settings.py does not read {name}"


def test_compose_trusts_the_one_proxy_in_front_of_web(services):
    # The device-password throttle reads the client's address from X-Forwarded-For only
    # behind a proxy; the settings' default (no proxy) ignores the header.
    for service in ("web", "worker", "purger"):
        assert services[service]["environment"]["TRUSTED_PROXY_COUNT"] == (
            "${TRUSTED_PROXY_COUNT:-1}"
        )


def test_no_literal_secret_in_the_compose_file(compose):
    secret_names = re.compile(r"(SECRET|PASSWORD|KEY|TOKEN)", re.IGNORECASE)

    def walk(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{path}[{index}]")
        else:
            yield path, str(node)

    for path, value in walk(compose["services"]):
        name = path.rsplit(".", 1)[-1]
        if secret_names.search(name) and not path.startswith(".sandbox"):
            assert value.startswith("${") and ":?" in value, f"{path} is a literal: {value}"
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_the_database_has_a_health_check_and_a_named_volume(compose, services):
    db = services["db"]
    assert db["image"] == "${POSTGRES_IMAGE:-postgres:16}"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]
    assert REQUIRED_VARIABLE.fullmatch(db["environment"]["POSTGRES_PASSWORD"])


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_wait_for_a_healthy_database(services, service):
    assert services[service]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_worker_and_purger_start_after_the_web_service_has_migrated(services):
    assert "healthcheck" in services["web"]
    for name in ("worker", "purger"):
        assert services[name]["depends_on"]["web"] == {"condition": "service_healthy"}
    probe = services["web"]["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    compile(probe[3], "healthcheck", "exec")


# --- The Dockerfile -------------------------------------------------------------------------


def dockerfile_stages() -> list[list[str]]:
    """Return the Dockerfile's stages, each a list of instructions (continuations joined)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    stages: list[list[str]] = []
    for instruction in instructions:
        if instruction.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def test_the_image_builds_from_python_slim_and_the_lock_file():
    stages = dockerfile_stages()
    # The base is a build argument whose default is the official slim image.
    assert "ARG BASE_IMAGE=python:3.11-slim" in DOCKERFILE.read_text().splitlines()
    assert all(stage[0].split()[1] == "${BASE_IMAGE}" for stage in stages)
    instructions = [line for stage in stages for line in stage]
    assert any(re.match(r"COPY requirements\.txt ", line) for line in instructions)
    assert any(
        line.startswith("RUN ") and "pip install" in line and "-r /build/requirements.txt" in line
        for line in instructions
    )


def test_the_final_image_runs_as_a_non_root_user_without_build_tools():
    final = dockerfile_stages()[-1]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    # Nothing runs as root after the switch.
    switch = max(index for index, line in enumerate(final) if line.startswith("USER "))
    assert not any(line.startswith("RUN ") for line in final[switch:])
    for tool in ("build-essential", "gcc", "apt-get install"):
        assert not any(tool in line for line in final), tool


def test_static_files_are_collected_at_build_time_with_throwaway_settings():
    final = dockerfile_stages()[-1]
    collect = next(line for line in final if "collectstatic" in line)
    assert collect.startswith("RUN ") and "--noinput" in collect and "DEBUG=0" in collect
    # The build-time values live in that one command only, never in the image's environment.
    persistent = [line for line in final if line.startswith(("ENV ", "ARG "))]
    assert not any(name in line for line in persistent for name in SECRETS)


def test_the_image_default_command_serves_the_wsgi_app():
    final = dockerfile_stages()[-1]
    cmd = next(line for line in final if line.startswith("CMD "))
    programs = python_programs(command_lines(json.loads(cmd[4:])))
    assert [check_program(argv) for argv in programs] == ["gunicorn"]


def test_the_docker_context_leaves_out_secrets_data_and_development_files():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv", "*.sqlite3", "tests"):
        assert entry in ignored, entry


# --- Production settings ---------------------------------------------------------------------


def production_env(tmp_path: Path, **changes: str) -> dict[str, str]:
    """A production environment, built from scratch (none of the test suite's defaults)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "contactsapp.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LINKEDIN_CLIENT_ID": "contacts-production",
        "LINKEDIN_CLIENT_SECRET": secrets.token_urlsafe(24),
        "ALLOWED_HOSTS": "contacts.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    env.update(changes)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("proxies", ["0", "1"])  # the default, and behind compose's proxy
def test_production_settings_pass_the_deployment_checks(tmp_path, proxies):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path, TRUSTED_PROXY_COUNT=proxies),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output.upper().replace("--FAIL-LEVEL WARNING", "")


# Static files are collected only in the image, so here they are named without the manifest.
_HEADERS_SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    response = Client().get("/", secure=True, headers={"host": "contacts.example.com"})
print(json.dumps({"status": response.status_code, "headers": dict(response.headers),
                  "body": response.content.decode()}))
"""


@pytest.fixture(scope="module")
def production_response(tmp_path_factory) -> dict:
    """The start page as a production server answers it, headers and body."""
    result = run_python(["-c", _HEADERS_SCRIPT], production_env(tmp_path_factory.mktemp("prod")))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def test_production_sends_a_strict_content_security_policy(production_response):
    assert production_response["status"] == 200
    header = production_response["headers"]["Content-Security-Policy"]
    policy = csp_directives(header)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_production_pages_need_no_inline_script_or_style(production_response):
    body = production_response["body"]
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", body), "inline <script>"
    assert "<style" not in body and " style=" not in body
    assert not re.search(r"\son[a-z]+=", body), "inline event handler"


def test_production_sends_the_other_security_headers(production_response):
    headers = production_response["headers"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_production_redirects_plain_http_to_https(tmp_path):
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/', headers={'host': 'contacts.example.com'}); "
        "print(r.status_code, r['Location'])"
    )
    result = run_python(["-c", script], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "https://contacts.example.com/"]


@pytest.mark.parametrize("name", SECRETS)
def test_production_refuses_to_start_without_a_secret(tmp_path, name):
    # Empty rather than absent, so that a developer's own .env cannot fill it in.
    result = run_python(["manage.py", "check"], production_env(tmp_path, **{name: ""}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {name} environment variable" in result.stderr


def test_gunicorn_access_log_leaves_out_query_strings_and_referrers():
    config = GunicornConfig()
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    config.set("access_log_format", namespace["access_log_format"])
    log_format = config.access_log_format
    assert "%(U)s" in log_format
    for leaky in ("%(r)s", "%(q)s", "%(f)s"):
        assert leaky not in log_format
