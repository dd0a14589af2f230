"""`refresh.selectors`: the panel's last outcome in the member's language."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from exports.notices import Notice
from refresh import selectors
from refresh.models import RefreshSubscription
from tests.exports import factories


@pytest.mark.django_db
def test_the_last_failure_recorded_in_english_is_worded_again_from_its_export():
    owner = factories.member()
    fields = Notice("body_value_too_long", {"limit": 32767}).failure_fields()
    export = factories.export_failed(owner, **fields)
    RefreshSubscription.objects.create(
        user=owner,
        enabled=True,
        last_export=export,
        last_outcome=RefreshSubscription.Outcome.FAILED,
        last_outcome_at=timezone.now(),
        last_outcome_detail=fields["failure_reason"],
    )
    with translation.override("de"):  # numbers show the wording is the language's
        assert "32.767" in selectors.refresh_state_get(user=owner).last_outcome_detail
    with translation.override("en"):
        detail = selectors.refresh_state_get(user=owner).last_outcome_detail
    assert detail == fields["failure_reason"]


@pytest.mark.django_db
def test_a_detail_that_is_not_its_exports_text_is_shown_as_recorded():
    owner = factories.member()
    export = factories.export_failed(owner, failure_reason="Something else.")
    RefreshSubscription.objects.create(
        user=owner,
        enabled=True,
        last_export=export,
        last_outcome=RefreshSubscription.Outcome.THROTTLED,
        last_outcome_at=timezone.now(),
        last_outcome_detail="Recorded by an older worker.",
    )
    state = selectors.refresh_state_get(user=owner)
    assert state.last_outcome_detail == "Recorded by an older worker."
