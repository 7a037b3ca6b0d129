from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self):
        from core import demo

        from . import demo as messaging_demo
        from . import notices, receivers  # noqa: F401

        # After the demo bookings and consents: their notices open the threads.
        demo.register(60, "Demo conversations", messaging_demo.seed)
