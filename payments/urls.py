from django.urls import path

from .views import organization, patient, specialist, webhooks

app_name = "payments"

urlpatterns = [
    # Patient: paying one appointment, the history, receipts.
    path("pay/<uuid:public_id>/", patient.pay_view, name="pay"),
    path("pay/<uuid:public_id>/status/", patient.pay_status_view, name="pay-status"),
    path("pay/<uuid:public_id>/authenticate/", patient.offline_authenticate_view, name="offline-authenticate"),
    path("patient/payments/", patient.history_view, name="history"),
    path("patient/payments/<uuid:public_id>/receipt/", patient.receipt_view, name="receipt"),
    path("patient/payments/<uuid:public_id>/receipt.pdf", patient.receipt_pdf_view, name="receipt-pdf"),
    # Specialist: revenue, refunds, connecting a payout account.
    path("specialist/payments/", specialist.revenue_view, name="specialist-revenue"),
    path("specialist/payments.csv", specialist.revenue_csv_view, name="specialist-csv"),
    path("specialist/payments/<uuid:public_id>/refund/", specialist.refund_view, name="refund"),
    path("specialist/payments/connect/", specialist.connect_view, name="connect"),
    path("specialist/payments/connect/test/", specialist.offline_onboarding_view, name="offline-onboarding"),
    # Organization: financials and billing settings.
    path("org/<slug:org_slug>/payments/", organization.financials_view, name="org-financials"),
    path("org/<slug:org_slug>/payments.csv", organization.financials_csv_view, name="org-csv"),
    path("org/<slug:org_slug>/billing/", organization.billing_view, name="org-billing"),
    # The provider's events.
    path("payments/webhooks/stripe/", webhooks.stripe_webhook_view, name="webhook"),
]
