"""Refresh exports that are due, so they finish even when nobody keeps the page open.

With `--loop` this is the worker of a deployment. Coalescing lives in the database, so
any number of these may run beside the web servers without calling LinkedIn twice. In a
loop it stops cleanly on SIGTERM, outlives database restarts and keeps a heartbeat file
for its health check (see `exports.worker`).
"""

from threading import Event

from django.core.management.base import BaseCommand

from exports import worker


class Command(BaseCommand):
    help = "Refresh every export whose next check is due (once, or forever with --loop)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep polling until stopped.")
        parser.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds between rounds with --loop."
        )
        parser.add_argument(
            "--heartbeat-file", default=None, help="File touched at every round, for health checks."
        )

    def handle(self, *args, loop: bool, sleep: float, heartbeat_file: str | None, **options):
        if not loop:
            done = worker.poll_exports_step(Event())
            self.stdout.write(self.style.SUCCESS(f"Refreshed {done.called} exports."))
            return
        self.stdout.write(self.style.SUCCESS("Polling exports until stopped."))
        worker.loop_run(
            worker.poll_exports_step,
            name="worker",
            interval=sleep,
            stop=worker.stop_on_signals(),
            heartbeat_file=heartbeat_file,
            again=worker.poll_exports_again,
            next_due=worker.poll_exports_next_due,
        )
