"""Metrics: `/metrics` is off without a token and needs the right one; it counts exports,
LinkedIn's calls by outcome and ingests."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.fixtures_app import finished, start_export


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
