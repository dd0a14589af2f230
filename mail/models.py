from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class MailPreference(models.Model):
    """What a member wants from our e-mail. No row means the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preference"
    )
    # Off by the one-click unsubscribe link or the settings page; nothing is sent then.
    enabled = models.BooleanField(default=True)
    # The digest names contacts only when the member asked for it: by default it says
    # how many changed, so a forwarded or leaked e-mail gives nobody away.
    digest_names = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Mail of {self.user_id} ({'on' if self.enabled else 'off'})"


class OutboundMessage(models.Model):
    """One e-mail, rendered when queued and sent by the outbox worker.

    Rendered once, so every attempt sends the same bytes under the same Message-ID, and a
    receiving client can recognise a repeat. `next_attempt_at` is set while the message
    still has to go (queued, or claimed by a worker that may have died) and NULL once it
    is settled, so the worker's round is one range of one partial index.
    """

    class Kind(models.TextChoices):
        DIGEST = "digest", "What changed"
        TOKEN_ENDING_SOON = "token_ending_soon", "Sign-in ending soon"
        TOKEN_ENDED = "token_ended", "Sign-in ended"
        REFRESH_CONFIRMATION = "refresh_confirmation", "Auto-refresh turned on"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        GAVE_UP = "gave_up", "Gave up"
        CANCELLED = "cancelled", "Cancelled: the member turned e-mail off"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbound_messages"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What the message is about (the export, the token's end): queuing the same twice
    # queues one message.
    dedupe_key = models.CharField(max_length=200)
    to_address = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    message_id = models.CharField(max_length=300, unique=True)
    list_unsubscribe_url = models.URLField(max_length=2000)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "dedupe_key"], name="mail_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="mail_due",
                condition=Q(next_attempt_at__isnull=False),
            ),
            # The purge of settled messages past MAIL_KEEP_DAYS walks this range.
            models.Index(
                fields=["created_at"], name="mail_settled", condition=Q(next_attempt_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id} ({self.state})"
