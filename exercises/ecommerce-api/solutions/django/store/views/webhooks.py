"""Stage 7: the provider's signed webhooks."""

import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse

from .. import signature
from ..errors import errors_response
from ..http import route
from ..models import WebhookEvent
from ..services import events


def _receive(request):
    raw = request.body  # the exact bytes signed: verify before parsing anything
    header = request.headers.get("Payments-Signature", "")
    if not signature.verify(settings.PAYMENTS_WEBHOOK_SECRET, raw, header):
        return errors_response(400, "signature", "is missing, invalid or too old")
    try:
        event = json.loads(raw)
        event_id, kind, obj = event["id"], event["type"], event["data"]["object"]
    except (ValueError, TypeError, KeyError):
        return errors_response(400, "event", "is not a provider event")
    if not (isinstance(event_id, str) and isinstance(kind, str) and isinstance(obj, dict)):
        return errors_response(400, "event", "is not a provider event")
    # Recording the id and applying the event commit together: a handler error rolls both
    # back, the 500 makes the provider retry, and a redelivery of an applied event finds the
    # id (a concurrent one waits on the unique index, then finds it).
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(event_id=event_id, type=kind)
        except IntegrityError:
            return JsonResponse({"received": True, "duplicate": True})
        events.apply(event)
    return JsonResponse({"received": True})


receive = route(POST=_receive)
