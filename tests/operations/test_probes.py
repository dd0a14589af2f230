"""Health, readiness and metrics: what an orchestrator and a scraper get, and what they don't."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test import Client

from operations import health
from tests.fixtures_app import finished, start_export

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


@pytest.mark.django_db
def test_metrics_are_off_without_a_token(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", headers={"authorization": "Bearer "}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("offered", [None, "Bearer wrong-token", "s3cret-token-0123", "Basic x"])
def test_metrics_need_the_token(settings, offered):
    settings.METRICS_TOKEN = "s3cret-token-0123"
    headers = {"authorization": offered} if offered else {}
    response = Client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert b"contactsapp_" not in response.content
    assert response["WWW-Authenticate"].startswith("Bearer")


def metric(text: str, name: str, **labels: str) -> float:
    """Return one sample's value from Prometheus' text format (0 if absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
        if found == wanted:
            return float(match[3])
    return 0.0


def scrape(settings) -> str:
    settings.METRICS_TOKEN = "s3cret-token-0123"
    response = Client().get("/metrics", headers={"authorization": "Bearer s3cret-token-0123"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_count_an_export_its_linkedin_calls_and_its_ingest(
    member_client, linkedin, settings
):
    before = scrape(settings)
    finished(member_client, start_export(member_client))
    after = scrape(settings)

    def grew(name, **labels):
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert grew("contactsapp_exports_started_total") == 1
    assert grew("contactsapp_exports_finished_total", status="succeeded") == 1
    assert grew("contactsapp_linkedin_calls_total", endpoint="export_start", outcome="ok") == 1
    assert grew("contactsapp_linkedin_calls_total", endpoint="export_status", outcome="ok") >= 2
    assert grew("contactsapp_linkedin_call_seconds_count", endpoint="export_start") == 1
    assert grew("contactsapp_ingest_seconds_count") == 1
    assert grew("contactsapp_contacts_stored_total") == len(linkedin.contacts("typical"))
    # Nothing about a member: no names, emails, ids or tokens in any sample.
    assert "Lovelace" not in after and "@" not in after


def test_metrics_count_linkedin_errors_by_status(member_client, linkedin, settings):
    linkedin.fault("export_status", status=503, times=1)
    before = scrape(settings)
    finished(member_client, start_export(member_client))
    after = scrape(settings)
    labels = {"endpoint": "export_status", "outcome": "503"}
    grown = metric(after, "contactsapp_linkedin_calls_total", **labels) - metric(
        before, "contactsapp_linkedin_calls_total", **labels
    )
    assert grown == 1
