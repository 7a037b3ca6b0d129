from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from core import demo, payments

        from . import demo as payments_demo
        from . import receivers, timeline  # noqa: F401
        from .selectors import gate

        # How booking's services and pages ask about payments without importing this app.
        payments.register(gate)
        timeline.register()  # payments on the patient record and caseload (core.timeline)
        # Billing before the demo bookings (so they are made as now), payments after them.
        demo.register(38, "Demo billing", payments_demo.seed_billing)
        demo.register(42, "Demo payments", payments_demo.seed_payments)
