"""An e-mail backend for the crash test: it hands the message to the SMTP server, then kills
its own process with SIGKILL before the outbox can mark the message sent."""

from __future__ import annotations

import os
import signal

from django.core.mail.backends.smtp import EmailBackend


class KilledAfterSendBackend(EmailBackend):
    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        if sent:
            os.kill(os.getpid(), signal.SIGKILL)
        return sent
