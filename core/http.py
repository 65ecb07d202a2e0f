"""Request types for the type checker: what the middleware adds to Django's HttpRequest.

Django passes its own request class at run time; these classes only describe it.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request after django-htmx's middleware: `request.htmx` says what htmx asked for."""

    htmx: HtmxDetails
