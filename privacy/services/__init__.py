"""Every write of the privacy app: `exports` builds a patient's "download my
data" zip; `deletion` records an account deletion request and erases the
account after its retention period."""

from .deletion import (
    account_deletion_request,
    account_erase,
    accounts_erase_due,
    deletion_confirmation_email_send,
    pseudonym_of,
    retention_years_for,
)
from .exports import (
    EXPORT_DAYS,
    data_export_build,
    data_export_ready_email_send,
    data_export_request,
    data_exports_expire,
)

__all__ = [
    "EXPORT_DAYS",
    "account_deletion_request",
    "account_erase",
    "accounts_erase_due",
    "data_export_build",
    "data_export_ready_email_send",
    "data_export_request",
    "data_exports_expire",
    "deletion_confirmation_email_send",
    "pseudonym_of",
    "retention_years_for",
]
