"""Delete address books whose LinkedIn result has expired.

LinkedIn's terms tie our copy to its `expiresAt`: after it, the contacts must go. Pages
already refuse to serve an expired result; this removes the rows. Run it from cron or
the worker; it is safe at any time, also while exports are being ingested.
"""

from django.core.management.base import BaseCommand

from exports.services import exports_purge_expired


class Command(BaseCommand):
    help = "Delete the contacts of every export past LinkedIn's expiry and mark it expired."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report what would be removed."
        )
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, dry_run: bool, batch_size: int, **options):
        report = exports_purge_expired(dry_run=dry_run, batch_size=batch_size)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.contacts} contacts of {report.tasks} expired exports."
            )
        )
