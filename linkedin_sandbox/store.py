"""In-memory state of the sandbox, shared by all request threads and guarded by one lock.

Nothing is persisted: restarting the sandbox (or ``POST /_sandbox/reset``) forgets every code,
token, task, fault and counter, as a test wants.
"""

from __future__ import annotations

import os
import random
import secrets
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from authlib.oidc.core import AuthorizationCodeMixin

from linkedin_sandbox.faults import Fault
from linkedin_sandbox.knobs import Knobs

# Error rates draw from this seeded generator, so a test sees the same answers on every run.
RANDOM_SEED = "linkedin-sandbox"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    member_key: str
    # The nonce the app sent; whether the ID token carries it is decided by the id_token_nonce knob.
    nonce: str | None
    issued_at: float
    expires_at: float
    # PKCE (RFC 7636): the challenge the authorization request carried, if any.
    code_challenge: str | None = None
    code_challenge_method: str | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> None:
        # LinkedIn's quirk: no nonce in the ID token (oauth_server.LinkedInOpenIDCode may add one).
        return None

    def get_auth_time(self) -> int:
        return int(self.issued_at)


@dataclass
class AccessToken:
    token: str
    client_id: str
    member_key: str
    scope: str
    expires_at: float
    revoked: bool = False

    @property
    def scopes(self) -> set[str]:
        return set(self.scope.split())

    def is_usable(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at


@dataclass
class RefreshToken:
    """Given with an access token while the ``refresh_token_ttl`` knob is on; reusable
    until it ends, as LinkedIn's are."""

    token: str
    client_id: str
    member_key: str
    scope: str
    expires_at: float
    revoked: bool = False

    def check_client(self, client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_usable(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at


class TaskStatus:
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    # Never shown to the app: an expired result answers 404.
    EXPIRED = "EXPIRED"


@dataclass
class ExportTask:
    id: str
    result_id: str
    owner_key: str
    created_at: float
    # When the task stops being IN_PROGRESS; and when its result stops being available.
    finishes_at: float
    expires_at: float
    fails: bool
    # How many export tasks the member started before this one (their book may change).
    book_version: int = 0

    def status(self, now: float) -> str:
        if now < self.finishes_at:
            return TaskStatus.IN_PROGRESS
        if self.fails:
            return TaskStatus.FAILED
        if now >= self.expires_at:
            return TaskStatus.EXPIRED
        return TaskStatus.SUCCEEDED


def linkedin_id(prefix: str = "AQ", length: int = 32) -> str:
    """Return a random id that looks like LinkedIn's (``AQFHd8...``)."""
    return prefix + secrets.token_urlsafe(length)[:length]


class SandboxStore:
    def __init__(self, knob_defaults: Knobs):
        self._lock = threading.Lock()
        self._knob_defaults = knob_defaults
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._codes: dict[str, AuthorizationCode] = {}
            self._tokens: dict[str, AccessToken] = {}
            self._refresh_tokens: dict[str, RefreshToken] = {}
            self._tasks: dict[str, ExportTask] = {}
            self._faults: list[Fault] = []
            self._request_counts: Counter[str] = Counter()
            self._task_polls: Counter[str] = Counter()
            # Members who granted the Contacts permission on a fresh consent page.
            self._contacts_granted: set[str] = set()
            self._knobs = self._knob_defaults
            self._random = random.Random(RANDOM_SEED)

    # Knobs: an immutable snapshot, replaced as a whole.

    @property
    def knobs(self) -> Knobs:
        return self._knobs

    def knobs_update(self, changes: dict[str, Any]) -> Knobs:
        with self._lock:
            self._knobs = self._knobs.updated(changes)
            return self._knobs

    # Authorization codes.

    def code_save(self, code: AuthorizationCode) -> None:
        with self._lock:
            self._codes[code.code] = code

    def code_take(self, code: str, *, now: float) -> AuthorizationCode | None:
        """Remove and return the code if it is still valid: presented once, it is spent."""
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or now >= found.expires_at:
            return None
        return found

    # Access tokens.

    def token_save(self, token: AccessToken) -> None:
        with self._lock:
            self._tokens[token.token] = token

    def token_get(self, token: str) -> AccessToken | None:
        with self._lock:
            return self._tokens.get(token)

    def refresh_token_save(self, token: RefreshToken) -> None:
        with self._lock:
            self._refresh_tokens[token.token] = token

    def refresh_token_get(self, token: str, *, now: float) -> RefreshToken | None:
        """Return the refresh token if it is still usable."""
        with self._lock:
            found = self._refresh_tokens.get(token)
        return found if found is not None and found.is_usable(now) else None

    def contacts_grant(self, member_key: str) -> None:
        with self._lock:
            self._contacts_granted.add(member_key)

    def contacts_granted(self, member_key: str) -> bool:
        with self._lock:
            return member_key in self._contacts_granted

    def tokens_revoke(self, member_key: str) -> int:
        with self._lock:
            revoked = [t for t in self._tokens.values() if t.member_key == member_key]
            for token in revoked:
                token.revoked = True
            # Refresh tokens too, but only access tokens are counted (as before).
            for refresh_token in self._refresh_tokens.values():
                if refresh_token.member_key == member_key:
                    refresh_token.revoked = True
            return len(revoked)

    # Export tasks.

    def task_create(self, *, owner_key: str, fails: bool, now: float) -> ExportTask:
        knobs = self._knobs
        finishes_at = now + knobs.task_seconds
        with self._lock:
            earlier = sum(1 for task in self._tasks.values() if task.owner_key == owner_key)
        task = ExportTask(
            id=linkedin_id(),
            result_id=linkedin_id(),
            owner_key=owner_key,
            created_at=now,
            finishes_at=finishes_at,
            expires_at=finishes_at + knobs.result_ttl,
            fails=fails,
            book_version=earlier,
        )
        with self._lock:
            self._tasks[task.id] = task
        return task

    def task_get(self, task_id: str) -> ExportTask | None:
        with self._lock:
            return self._tasks.get(task_id)

    def task_expire(self, task_id: str, *, now: float) -> bool:
        """Make the task's result unavailable from now on (finishing it first if need be)."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return False
            task.finishes_at = min(task.finishes_at, now)
            task.expires_at = now
            return True

    # Faults.

    def fault_add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def faults_clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults_list(self) -> list[dict]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def fault_take(self, endpoint: str) -> Fault | None:
        """Return the first fault for the endpoint, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.endpoint != endpoint:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def contacts_error_draw(self) -> int | None:
        """Return 429 or 500 for the share of Contacts API answers the error-rate knobs replace."""
        knobs = self._knobs
        if not (knobs.error_rate_429 or knobs.error_rate_500):
            return None
        with self._lock:
            draw = self._random.random()
        if draw < knobs.error_rate_429:
            return 429
        if draw < knobs.error_rate_429 + knobs.error_rate_500:
            return 500
        return None

    # Statistics.

    def request_count(self, endpoint: str) -> None:
        with self._lock:
            self._request_counts[endpoint] += 1

    def task_poll_count(self, task_id: str) -> None:
        with self._lock:
            self._task_polls[task_id] += 1

    def stats(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {"requests": dict(self._request_counts), "task_polls": dict(self._task_polls)}


# One store per process: the sandbox runs in a single process, so memory is the shared state.
# Created at import (which Python serialises), so concurrent first requests can't make two.
sandbox_store = SandboxStore(Knobs.from_env(os.environ))
