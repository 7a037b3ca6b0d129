"""A patient's signed copy of a consent: the exact text and the signature
record, rendered from HTML to PDF (xhtml2pdf).

Nothing outside the document is ever fetched while rendering: the text is
sanitised Markdown without images, and the resource callback refuses every
address, so a document cannot make the server request a URL.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string

from core.timeutils import format_in_zone

from .models import ConsentSignature

TEMPLATE = "consents/patient/signed_copy.html"


class PdfError(RuntimeError):
    """xhtml2pdf could not render the signed copy."""


def _no_resources(uri, rel):
    return ""


def signed_copy_filename(signature: ConsentSignature) -> str:
    """A plain ASCII file name without the patient's name."""
    return f"signed-consent-{signature.version.number}-{signature.signed_at:%Y-%m-%d}.pdf"


def signed_copy_html(signature: ConsentSignature) -> str:
    """The signed copy as HTML: document title, version number, full text,
    typed name, when (in the patient's time zone), IP address and the hash
    of the text signed."""
    zone = signature.patient.timezone
    return render_to_string(
        TEMPLATE,
        {
            "signature": signature,
            "version": signature.version,
            "document": signature.version.document,
            "signed_at": format_in_zone(signature.signed_at, zone),
            "withdrawn_at": format_in_zone(signature.withdrawn_at, zone) if signature.withdrawn_at else "",
        },
    )


def signed_copy_pdf(signature: ConsentSignature) -> bytes:
    """`signed_copy_html` rendered to PDF."""
    from xhtml2pdf import pisa

    out = io.BytesIO()
    status = pisa.CreatePDF(signed_copy_html(signature), dest=out, encoding="utf-8", link_callback=_no_resources)
    if status.err:
        raise PdfError("the signed copy could not be rendered")
    return out.getvalue()
