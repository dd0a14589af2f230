"""Drive the LinkedIn sandbox from outside: start and stop its process, turn knobs, play the user.

Used by the tests and the benchmark; the sandbox server itself never imports it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
_LISTENING = re.compile(r"LinkedIn sandbox listening on (http://\S+)")


class SandboxError(RuntimeError):
    """The sandbox did not start, or answered the control API with an error."""


class SandboxConsentError(SandboxError):
    """The authorization URL did not lead to a consent page (e.g. a bad client_id)."""

    def __init__(self, status_code: int, body: str):
        super().__init__(f"no consent page: HTTP {status_code}")
        self.status_code = status_code
        self.body = body


class SandboxClient:
    """A running sandbox process and its control API.

    ``start()`` launches ``python -m linkedin_sandbox`` (port 0 picks a free port the first time;
    later starts reuse it, so a test can take LinkedIn down and bring it back at the same URL).
    """

    def __init__(self, *, env: dict[str, str] | None = None, log_path: Path | None = None):
        self.extra_env = env or {}
        self.log_path = log_path or Path(os.devnull)
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen | None = None
        self.http = requests.Session()

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/oauth/.well-known/openid-configuration"

    # Process.

    def start(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("SANDBOX_") and key != "DJANGO_SETTINGS_MODULE"
        }
        env.update(self.extra_env)
        env["PYTHONUNBUFFERED"] = "1"
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [sys.executable, "-m", "linkedin_sandbox", "--port", str(self.port)],
                cwd=REPOSITORY_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_listening(log_start, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None
        self.http.close()
        self.http = requests.Session()

    def _wait_until_listening(self, log_start: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SandboxError(f"the sandbox exited early:\n{self._log_since(log_start)}")
            if not self.url:
                match = _LISTENING.search(self._log_since(log_start))
                if match:
                    self.url = match.group(1)
                    self.port = int(self.url.rsplit(":", 1)[1])
            if self.url:
                try:
                    if self.http.get(f"{self.url}/_sandbox/stats", timeout=2).ok:
                        return
                except requests.ConnectionError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise SandboxError(
            f"the sandbox did not answer in {timeout}s:\n{self._log_since(log_start)}"
        )

    def _log_since(self, offset: int) -> str:
        if not self.log_path.exists() or str(self.log_path) == os.devnull:
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    # Control API.

    def reset(self) -> None:
        self._control("POST", "/_sandbox/reset")

    def set_knobs(self, **knobs) -> dict:
        """Change knobs (e.g. ``task_seconds=0``); return all knobs."""
        return self._control("POST", "/_sandbox/knobs", json=knobs)

    def knobs(self) -> dict:
        return self._control("GET", "/_sandbox/knobs")

    def fault(self, endpoint: str, **fault) -> dict:
        """Add a fault: ``status``, ``body``, ``headers``, ``delay``, ``times`` (None: forever)."""
        return self._control("POST", "/_sandbox/faults", json={"endpoint": endpoint, **fault})

    def faults(self) -> list[dict]:
        """Return the faults still waiting to apply."""
        return self._control("GET", "/_sandbox/faults")["faults"]

    def stats(self) -> dict:
        return self._control("GET", "/_sandbox/stats")

    def members(self) -> list[dict]:
        """Return the demo members: key, sub, name, email, description, contact_count, ..."""
        return self._control("GET", "/_sandbox/members")["members"]

    def member(self, key: str) -> dict:
        """Return one demo member by key."""
        return next(member for member in self.members() if member["key"] == key)

    def contacts(self, member_key: str, *, version: int = 0) -> list[dict]:
        """The member's address book; `version`: as their `version`-th export task sees it."""
        query = f"?version={version}" if version else ""
        return self._control("GET", f"/_sandbox/members/{member_key}/contacts{query}")

    def revoke(self, member_key: str) -> int:
        return self._control("POST", f"/_sandbox/members/{member_key}/revoke")["revoked"]

    def expire_task(self, task_id: str) -> None:
        self._control("POST", f"/_sandbox/tasks/{task_id}/expire")

    def _control(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.url}{path}", timeout=30, **kwargs)
        if not response.ok:
            raise SandboxError(f"{method} {path}: HTTP {response.status_code} {response.text}")
        return response.json()

    # The person in front of the browser.

    def consent(self, authorize_url: str, member: str = "typical", action: str = "allow") -> str:
        """Open the consent page, choose ``member``, press Allow or Cancel; return the redirect.

        The redirect is not followed: the returned ``Location`` is the app's callback URL with
        ``code`` and ``state``, or with ``error``.
        """
        page = requests.get(authorize_url, allow_redirects=False, timeout=30)
        if page.is_redirect:
            return page.headers["Location"]
        if page.status_code != 200:
            raise SandboxConsentError(page.status_code, page.text)
        form = _ConsentForm.parse(page.text)
        fields = dict(form.hidden_fields)
        fields.update(member=member, action=action)
        answer = requests.post(
            urljoin(page.url, form.action), data=fields, allow_redirects=False, timeout=30
        )
        if not answer.is_redirect:
            raise SandboxConsentError(answer.status_code, answer.text)
        return answer.headers["Location"]


class _ConsentForm(HTMLParser):
    """The consent page's form: where it posts to, and its hidden fields."""

    def __init__(self):
        super().__init__()
        self.action = ""
        self.hidden_fields: list[tuple[str, str]] = []

    @classmethod
    def parse(cls, html: str) -> _ConsentForm:
        form = cls()
        form.feed(html)
        return form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "hidden":
            self.hidden_fields.append((attributes["name"], attributes.get("value", "")))
