"""Health and readiness: what an orchestrator gets, and what it does not."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from operations import health

PROBES = ("/healthz", "/readyz")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PROBES)
def test_probes_answer_over_plain_http_from_any_host_without_a_session(settings, path):
    # As in production: HTTPS redirect on, and the probe's Host is no allowed host.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["contacts.example.com"]
    client = Client()

    response = client.get(path, headers={"host": "10.0.0.7:8000"})

    assert response.status_code == 200
    assert response.json()["status"] in ("ok", "ready")
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response
    assert not client.cookies


@pytest.mark.django_db
def test_other_paths_still_redirect_and_check_the_host(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["contacts.example.com"]
    assert Client().get("/", headers={"host": "contacts.example.com"}).status_code == 301
    assert Client().get("/", headers={"host": "10.0.0.7"}).status_code == 400


@pytest.mark.django_db
def test_readiness_fails_while_a_migration_is_not_applied(monkeypatch):
    health._migrations_applied = False
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'exports' AND name = '0001_initial'"
        )
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "1 migrations not applied"}


@pytest.mark.django_db
def test_readiness_fails_while_the_database_does_not_answer(monkeypatch):
    def broken_cursor(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "the database does not answer"
    monkeypatch.undo()
    assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db
def test_liveness_does_not_touch_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert Client().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_failing_probe_is_logged_once_not_on_every_probe(monkeypatch, caplog):
    monkeypatch.setattr(health, "readiness_problem", lambda: "the database does not answer")
    health._last_problem = None
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            assert Client().get("/readyz").status_code == 503
    lines = [record.getMessage() for record in caplog.records]
    assert lines == ["event=not_ready reason='the database does not answer'"]
    health._last_problem = None


@pytest.mark.django_db
def test_probes_refuse_writes():
    assert Client().post("/healthz").status_code == 405


# --- Metrics ----------------------------------------------------------------------------
