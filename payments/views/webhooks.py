"""Stripe's webhook deliveries: verified on the raw body, stored once,
processed in a task. 400 for anything forged, altered, replayed after the
tolerance or malformed; nothing is stored then."""

import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..services import webhook_receive

logger = logging.getLogger(__name__)


@csrf_exempt  # the signature authenticates the sender
@require_POST
def stripe_webhook_view(request):
    try:
        webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except (ValueError, KeyError, TypeError):
        logger.warning("payments webhook refused: bad signature or payload")
        return HttpResponse(status=400)
    return HttpResponse(status=200)
