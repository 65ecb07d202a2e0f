"""The language switcher, on every page: the logged-in pages and the customer's."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.services import user_language_set


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switcher (the cookie, the safe return to `next`), remembered for the user too.

    An unknown language changes nothing and returns to the page, as Django's view does.
    """
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response
