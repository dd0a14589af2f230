"""Migration 0011 (codes of failures and notes, the collation): old rows keep their text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("exports", "0010_contact_company_and_position")]


@pytest.mark.django_db(transaction=True)
def test_a_failure_and_a_note_stored_before_the_codes_show_their_text_after():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    owner = old.get_model("auth", "User").objects.create(username="before-0011")
    ExportTask = old.get_model("exports", "ExportTask")
    failed = ExportTask.objects.create(
        owner=owner, linkedin_task_id="a", status="FAILED", failure_reason="Worded in 2025."
    )
    waiting = ExportTask.objects.create(
        owner=owner, linkedin_task_id="b", note="LinkedIn is busy, retrying."
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # 0011 and every later migration: the current model read below has their fields too.
    executor.migrate(executor.loader.graph.leaf_nodes())

    from exports.models import ExportTask as Current

    failed, waiting = Current.objects.get(pk=failed.pk), Current.objects.get(pk=waiting.pk)
    assert (failed.failure_code, failed.failure_params, failed.collation) == ("", {}, "")
    assert failed.failure_text == "Worded in 2025."
    assert (waiting.note_code, waiting.note_params) == ("", {})
    assert waiting.note_text == "LinkedIn is busy, retrying."
