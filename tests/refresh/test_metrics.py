"""What an operator sees in /metrics of automatic refreshes."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from refresh import services


def scrape(settings) -> str:
    settings.METRICS_TOKEN = "scrape-me"
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert response.status_code == 200
    return response.content.decode()


def value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):  # `name` with its labels, as the scrape writes it
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_refreshes_started_deferred_and_stopped_are_counted(sign_in_member, linkedin, settings):
    before = scrape(settings)
    _, user = sign_in_member()
    _, other = sign_in_member("typical")
    now = timezone.now()
    services.refresh_enable(user=user, now=now)
    services.refresh_enable(user=other, now=now)
    linkedin.revoke("typical")
    services.refreshes_start_due(now=now)
    after = scrape(settings)

    started = "contactsapp_refreshes_started_total"
    stopped = 'contactsapp_refreshes_stopped_total{reason="sign_in"}'
    assert value(after, started) - value(before, started) == 2
    assert value(after, stopped) - value(before, stopped) == 1
    assert "contactsapp_refresh_members_handled_total" in after
