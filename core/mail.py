"""Embedded email: print to the console and keep a copy in var/outbox/."""

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndOutboxBackend(ConsoleBackend):
    def send_messages(self, email_messages):
        settings.EMAIL_OUTBOX_DIR.mkdir(parents=True, exist_ok=True)
        FileBackend(file_path=str(settings.EMAIL_OUTBOX_DIR)).send_messages(email_messages)
        return super().send_messages(email_messages)
