"""Keeping a member's address book current by itself: the domain steps, by concern.

A member turns it on (`refresh_enable`) or off (`refresh_disable`); a fresh sign-in restarts
one that stopped for the member's token or permission (`refresh_resume`). The worker calls
`refreshes_start_due` every round: it takes the members whose `wake_at` has come, one
lease each, and for each one follows up the automatic export under way, renews or reminds
about their LinkedIn token, and starts the next export once it is due and the day's
LinkedIn budget allows it. A 401 or 403 stops it for the member, with the reason.

- `subscription`: the member's switch (on, off, stopped with the reason);
- `due_round`: the worker's round, the lease on each member and the write that ends a visit;
- `visit`: what one visit decides, shared by the steps below;
- `follow_up`: how the automatic export under way ended, or how long it waits;
- `tokens`: renewing the LinkedIn token ahead of its end, or reminding the member;
- `starting`: when the next export is due, and starting it;
- `budget`: LinkedIn's daily call budget.

The names below are the public ones; callers import them from here.
"""

from refresh.services.due_round import refreshes_next_wake_after, refreshes_start_due
from refresh.services.subscription import (
    refresh_disable,
    refresh_enable,
    refresh_resume,
    refresh_stop,
)
from refresh.services.tokens import token_renew

__all__ = [
    "refresh_disable",
    "refresh_enable",
    "refresh_resume",
    "refresh_stop",
    "refreshes_next_wake_after",
    "refreshes_start_due",
    "token_renew",
]
