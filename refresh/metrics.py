"""Prometheus metrics of automatic refreshes and token renewals, named like the app's others.

The app's metrics module is imported first: it points prometheus_client at the shared
folder of a deployment (`METRICS_DIR`) before prometheus_client is first imported.
"""

from __future__ import annotations  # noqa: I001  (the app's metrics module comes first)

from operations import metrics as _app_metrics  # noqa: F401
from prometheus_client import Counter

REFRESHES_STARTED = Counter(
    "contactsapp_refreshes_started", "Automatic exports started for members who turned it on."
)
REFRESHES_FINISHED = Counter(
    "contactsapp_refreshes_finished",
    "Automatic exports that ended, by outcome (succeeded, failed).",
    ["outcome"],
)
REFRESHES_DEFERRED = Counter(
    "contactsapp_refreshes_deferred",
    "Automatic exports put off, by reason (throttled: LinkedIn's 429; budget: the daily "
    "call budget is spread out; busy: an export of the member's was already under way).",
    ["reason"],
)
REFRESHES_STOPPED = Counter(
    "contactsapp_refreshes_stopped",
    "Members whose automatic refresh stopped by itself, by reason.",
    ["reason"],
)
REFRESHES_RESUMED = Counter(
    "contactsapp_refreshes_resumed",
    "Members whose stopped automatic refresh a fresh sign-in restarted.",
)
BUDGET_CALLS = Counter(
    "contactsapp_refresh_budget_calls",
    "LinkedIn calls reserved from the daily budget by automatic exports.",
)
TOKEN_RENEWALS = Counter(
    "contactsapp_token_renewals",
    "Access tokens renewed with a refresh token, by outcome (ok, refused, unavailable).",
    ["outcome"],
)
TOKEN_REMINDERS = Counter(
    "contactsapp_token_reminders",
    "Reminders queued for members whose token ends (ending_soon, ended).",
    ["kind"],
)
MEMBERS_HANDLED = Counter(
    "contactsapp_refresh_members_handled",
    "Members the worker's refresh round looked at (it won their lease).",
)
