"""The endpoint Green API posts webhooks to (docs/greenapi.md §3.13): no session, no CSRF."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from instances.services.webhooks import Outcome, webhook_receive

# 200 for whatever Green API should not send again; 401 and 400 say the sender is wrong; 503
# asks for the retry Green API makes every minute for a day.
STATUS = {
    Outcome.APPLIED: 200,
    Outcome.RECORDED: 200,
    Outcome.STALE: 200,
    Outcome.IGNORED: 200,
    Outcome.UNKNOWN_INSTANCE: 200,
    Outcome.UNAUTHORIZED: 401,
    Outcome.MALFORMED: 400,
    Outcome.UNAVAILABLE: 503,
}


@csrf_exempt  # authenticated by the instance's bearer token, not a cookie
@require_POST
def green_api_webhook(request: HttpRequest) -> JsonResponse:
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"result": Outcome.MALFORMED}, status=400)
    receipt = webhook_receive(authorization=request.headers.get("Authorization", ""), body=body)
    response = JsonResponse({"result": receipt.outcome}, status=STATUS[receipt.outcome])
    if receipt.outcome == Outcome.UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="green-api-webhooks"'
    return response
