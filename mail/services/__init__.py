"""E-mail to members: queued in the outbox with the change that calls for it, sent later.

Nothing that queues a message talks to an SMTP server: a refresh that finds changes only
writes a row, so a down server or an address that bounces never breaks or delays it. The
outbox worker (`outbox_deliver_due`) sends what is due, retries with growing pauses, and
never raises for SMTP trouble.

Delivery is at least once. A message is claimed (marked `sending`, with a lease) before
it is handed to the SMTP server and marked `sent` after the server accepted it. A worker
that dies before the server's reply leaves a message the server never took: it is sent
again when the lease ends, which is what the member needs. A worker that dies in the
short window after the server's "250 OK" and before the mark sends it a second time,
under the same Message-ID, so the repeat is recognisable. The other order (mark, then
send) would lose the message in that window instead; a reminder that the sign-in ended
is worth more than the rare double.

- `queuing`: composing a message and queuing it once (digests, token reminders,
  confirmations), and the member's choices;
- `delivery`: the outbox worker, claiming, sending, retrying and purging.

The names below are the public ones; callers import them from here.
"""

from mail.services.delivery import DELIVERY_BATCH, outbox_deliver_due, outbox_purge_settled
from mail.services.queuing import (
    absolute_url,
    digest_queue,
    digest_summary,
    mail_preference_set,
    refresh_confirmation_queue,
    token_reminder_queue,
)

__all__ = [
    "DELIVERY_BATCH",
    "absolute_url",
    "digest_queue",
    "digest_summary",
    "mail_preference_set",
    "outbox_deliver_due",
    "outbox_purge_settled",
    "refresh_confirmation_queue",
    "token_reminder_queue",
]
