"""Send the e-mail that is due, once. The export worker does this every round; this command
is for an operator who wants the queue emptied now (or a cron job without the worker)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from mail.services import outbox_deliver_due


class Command(BaseCommand):
    help = "Send the queued e-mail that is due; failures are retried later, never raised."

    def handle(self, *args, **options) -> None:
        sent = outbox_deliver_due(now=timezone.now())
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} e-mail(s)."))
