"""The outbox's counters, beside the rest of the project's in `/metrics`.

The app's metrics module is imported first: it points prometheus_client at the shared
folder of a deployment (`METRICS_DIR`) before prometheus_client is first imported.
"""

from __future__ import annotations  # noqa: I001  (the app's metrics module comes first)

from operations import metrics as _app_metrics  # noqa: F401
from prometheus_client import Counter

MAIL_QUEUED = Counter("contactsapp_mail_queued", "E-mails queued to members, by kind.", ["kind"])
MAIL_DELIVERIES = Counter(
    "contactsapp_mail_deliveries",
    "Attempts to hand an e-mail to the SMTP server, by kind and outcome (sent, retry, gave_up).",
    ["kind", "outcome"],
)
