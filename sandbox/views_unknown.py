"""Every path under /sandbox/ that no route knows: the emulator's plain 404, not Django's page.

Django's debug 404 page prints the path, and wire paths hold instance and partner tokens (an SDK
calling a method we lack, such as `deleteNotification/{token}/{receiptId}`).
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.responses import NOT_FOUND_TEXT, text


@csrf_exempt  # a POST to an unknown path is a 404 too, not a CSRF page
def unknown_path(request: HttpRequest) -> HttpResponse:
    return text(404, NOT_FOUND_TEXT)
