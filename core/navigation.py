"""Going back to the page a form came from: local paths only, never another site."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request: HttpRequest, candidate: str) -> str:
    """`candidate` if it is a path on this site, else "".

    A path only: `redirect()` would read a bare word ("foo") as a URL name and fail on it,
    and a scheme-relative "//evil.example" is another site.
    """
    if not candidate.startswith("/") or candidate.startswith("//"):
        return ""
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return candidate


def go_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the form's `next` (POST, then GET) when it is a local path; else `fallback`."""
    candidate = request.POST.get("next", "") or request.GET.get("next", "")
    return HttpResponseRedirect(local_path(request, candidate) or fallback)
