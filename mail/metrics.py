"""The outbox's counters, beside the rest of the project's in `/metrics`."""

from prometheus_client import Counter

MAIL_QUEUED = Counter("contactsapp_mail_queued", "E-mails queued to members, by kind.", ["kind"])
MAIL_DELIVERIES = Counter(
    "contactsapp_mail_deliveries",
    "Attempts to hand an e-mail to the SMTP server, by kind and outcome (sent, retry, gave_up).",
    ["kind", "outcome"],
)
