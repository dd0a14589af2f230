"""Delete address books whose LinkedIn result has expired.

LinkedIn's terms tie our copy to its `expiresAt`: after it, the contacts must go. Pages
already refuse to serve an expired result; this removes the rows. Run it from cron, or
with `--loop` as the purger of a deployment; it is safe at any time, also while exports
are being ingested, and a run cut short is finished by the next one.
"""

from functools import partial

from django.core.management.base import BaseCommand

from exports import worker
from exports.services import exports_purge_expired


class Command(BaseCommand):
    help = "Delete the contacts of every export past LinkedIn's expiry and mark it expired."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report what would be removed."
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--loop", type=float, default=None, metavar="SECONDS", help="Run again every SECONDS."
        )
        parser.add_argument(
            "--heartbeat-file", default=None, help="File touched at every turn, for health checks."
        )

    def handle(self, *args, dry_run: bool, batch_size: int, loop, heartbeat_file, **options):
        if loop is not None:
            self.stdout.write(self.style.SUCCESS(f"Purging every {loop:g} s until stopped."))
            worker.loop_run(
                partial(worker.purge_step, batch_size=batch_size),
                name="purger",
                interval=loop,
                stop=worker.stop_on_signals(),
                heartbeat_file=heartbeat_file,
            )
            return
        if dry_run:
            report = exports_purge_expired(dry_run=True, batch_size=batch_size)
        else:
            report = worker.purge_step(None, batch_size=batch_size)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.contacts} contacts of {report.tasks} expired exports."
            )
        )
