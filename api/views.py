"""The API token pages: each user's own tokens, and every token for the people admins.

Thin: parse, call one service or selector, render. The secret of a new token is rendered in the
answer to the POST that created it and kept nowhere (not in the session, not in a cache): only
its hash is ever stored. Sending that POST again (reload, back) finds the form's one-time key
already used and shows the list instead, so the secret is never shown twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from api import selectors
from api.forms import PAGE_SIZE, STATUS_LABELS, ApiTokenFilterForm, ApiTokenForm
from api.models import ApiToken, Scope
from api.tokens import api_token_create, api_token_revoke
from core.errors import ApplicationError

# The one-time keys of the create forms this session has used (newest last, a few kept).
USED_FORMS = "api_token_forms_used"
USED_FORMS_KEPT = 20


def _page(request: AuthenticatedHttpRequest, tokens: QuerySet[ApiToken]) -> Any:
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    for token in page.object_list:
        token.status_label = STATUS_LABELS[token.status]  # type: ignore[attr-defined]
        token.scope_labels = [  # type: ignore[attr-defined]
            Scope(scope).label for scope in token.scopes if scope in Scope.values
        ]
    return page


@require_GET
@login_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = _page(request, selectors.api_token_list_own(user=request.user))
    return render(request, "api/token_list.html", {"page": page, "query": ""})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_valid():
        once = str(form.cleaned_data["once"])
        used: list[str] = request.session.get(USED_FORMS, [])
        if once in used:
            messages.info(
                request,
                _(
                    "That token was already created, and its secret is shown only once. "
                    "If it was not copied, revoke it and create another."
                ),
            )
            return redirect("api_tokens:list")
        try:
            issued = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                lifetime=timedelta(days=form.cleaned_data["days"]),
                request=request,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            request.session[USED_FORMS] = [*used, once][-USED_FORMS_KEPT:]
            scope_labels = [Scope(scope).label for scope in issued.token.scopes]
            response = render(
                request,
                "api/token_created.html",
                {"issued": issued, "scope_labels": scope_labels},
            )
            # No cache, proxy or back button may keep the secret (never_cache adds the rest).
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "api/token_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_own(user=request.user, token_id=token_id)
    return _revoke(request, token, back=reverse("api_tokens:list"))


@require_GET
@action_required(Action.MANAGE_PEOPLE)
def token_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenFilterForm(request.GET or None)
    filters = form.filters()
    tokens = selectors.api_token_list(viewer=request.user, **(filters or {}))
    if filters is None:
        tokens = tokens.none()
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": _page(request, tokens), "query": query.urlencode()}
    return render(request, "api/token_all.html", context)


@require_http_methods(["GET", "POST"])
@action_required(Action.MANAGE_PEOPLE)
def token_all_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get(viewer=request.user, token_id=token_id)
    return _revoke(request, token, back=reverse("api_tokens:all"))


def _revoke(request: AuthenticatedHttpRequest, token: ApiToken, *, back: str) -> HttpResponse:
    """GET: the question; POST: the answer (a confirmed revocation), then back to the list."""
    if request.method == "POST":
        api_token_revoke(token=token, actor=request.user, request=request)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect(back)
    return render(request, "api/token_revoke.html", {"token": token, "back": back})
