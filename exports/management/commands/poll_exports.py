"""Refresh exports that are due, so they finish even when nobody keeps the page open.

With `--loop` this is the worker of a deployment. Coalescing lives in the database, so
any number of these may run beside the web servers without calling LinkedIn twice.
"""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from exports.services import exports_refresh_due


class Command(BaseCommand):
    help = "Refresh every export whose next check is due (once, or forever with --loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep polling until stopped.")
        parser.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds between rounds with --loop."
        )

    def handle(self, *args, loop: bool, sleep: float, **options):
        while True:
            refreshed = exports_refresh_due()
            if refreshed or not loop:
                self.stdout.write(self.style.SUCCESS(f"Refreshed {refreshed} exports."))
            if not loop:
                return
            close_old_connections()
            time.sleep(sleep)
