"""An e-mail backend for tests that run a worker in another process: each message becomes a
file in MAIL_TO_FILES_DIR, so the test counts what really left. With MAIL_TO_FILES_HANG_AFTER=N
the process hangs before handing over its (N+1)-th message, like an SMTP server that stopped
answering: the test then kills the worker at a known point, before that message left."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    sent_by_this_process = 0

    def send_messages(self, email_messages):
        folder = Path(os.environ["MAIL_TO_FILES_DIR"])
        hang_after = os.environ.get("MAIL_TO_FILES_HANG_AFTER")
        for message in email_messages:
            if hang_after is not None and EmailBackend.sent_by_this_process >= int(hang_after):
                time.sleep(3600)  # until the test kills this process
            (folder / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
            EmailBackend.sent_by_this_process += 1
        return len(email_messages)
