"""The admins' pages for resellers and users. Thin: parse, call one service, render."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import ResellerForm, UserForm
from accounts.http import AuthenticatedHttpRequest
from accounts.people_forms import PAGE_SIZE, PeopleFilterForm, ResellerFilterForm, UserFilterForm
from accounts.permissions import Action, action_required


def _listing(
    request: AuthenticatedHttpRequest,
    form: PeopleFilterForm,
    rows: Callable[..., QuerySet[Any]],
) -> dict[str, Any]:
    """A people page's context: the filter form, one page of what `rows` selects with its
    filters (nothing when they are wrong: the form says why), and the query to keep."""
    filters = form.filters()
    selected = rows(**filters) if filters is not None else rows().none()
    page = Paginator(selected, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "query": query.urlencode()}


@require_GET
@action_required(Action.MANAGE_PEOPLE)
def reseller_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ResellerFilterForm(request.GET or None)
    context = _listing(request, form, selectors.reseller_list)
    return render(request, "accounts/reseller_list.html", context)


@require_http_methods(["GET", "POST"])
@action_required(Action.MANAGE_PEOPLE)
def reseller_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ResellerForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        reseller = services.reseller_create(
            actor=request.user, request=request, **form.cleaned_data
        )
        messages.success(request, _("Reseller %(name)s was created.") % {"name": reseller.name})
        return redirect("reseller_list")
    return render(request, "accounts/reseller_form.html", {"form": form, "reseller": None})


@require_http_methods(["GET", "POST"])
@action_required(Action.MANAGE_PEOPLE)
def reseller_edit(request: AuthenticatedHttpRequest, reseller_id: int) -> HttpResponse:
    reseller = selectors.reseller_get(reseller_id)
    form = ResellerForm(request.POST if request.method == "POST" else None, reseller=reseller)
    if form.is_valid():
        services.reseller_update(
            actor=request.user, request=request, reseller=reseller, **form.cleaned_data
        )
        messages.success(
            request, _("Reseller %(name)s was saved.") % {"name": form.cleaned_data["name"]}
        )
        return redirect("reseller_list")
    return render(request, "accounts/reseller_form.html", {"form": form, "reseller": reseller})


@require_POST
@action_required(Action.MANAGE_PEOPLE)
def reseller_deactivate(request: AuthenticatedHttpRequest, reseller_id: int) -> HttpResponse:
    reseller = selectors.reseller_get(reseller_id)
    services.reseller_deactivate(actor=request.user, request=request, reseller=reseller)
    messages.success(
        request,
        _("Reseller %(name)s was deactivated; its users are out.") % {"name": reseller.name},
    )
    return redirect("reseller_list")


@require_GET
@action_required(Action.MANAGE_PEOPLE)
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    return render(request, "accounts/user_list.html", _listing(request, form, selectors.user_list))


@require_http_methods(["GET", "POST"])
@action_required(Action.MANAGE_PEOPLE)
def user_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UserForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        user, sent = services.user_create(actor=request.user, request=request, **form.cleaned_data)
        if sent:
            messages.success(
                request,
                _("%(username)s was created and e-mailed a link.") % {"username": user.username},
            )
        else:
            messages.warning(
                request,
                _(
                    "%(username)s was created, but the e-mail could not be sent. "
                    "Send a password link from the user's page later."
                )
                % {"username": user.username},
            )
        return redirect("user_list")
    return render(request, "accounts/user_form.html", {"form": form, "subject": None})


@require_http_methods(["GET", "POST"])
@action_required(Action.MANAGE_PEOPLE)
def user_edit(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    subject = selectors.user_get(user_id)
    form = UserForm(request.POST if request.method == "POST" else None, user=subject)
    if form.is_valid():
        try:
            services.user_update(
                actor=request.user, request=request, user=subject, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(username)s was saved.") % {"username": form.cleaned_data["username"]}
            )
            return redirect("user_list")
    return render(request, "accounts/user_form.html", {"form": form, "subject": subject})


@require_POST
@action_required(Action.MANAGE_PEOPLE)
def user_deactivate(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    subject = selectors.user_get(user_id)
    try:
        services.user_deactivate(actor=request.user, request=request, user=subject)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(username)s was deactivated and logged out.") % {"username": subject.username},
        )
    return redirect("user_list")


@require_POST
@action_required(Action.MANAGE_PEOPLE)
def user_password_reset(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    subject = selectors.user_get(user_id)
    if services.password_reset_send(actor=request.user, request=request, user=subject):
        messages.success(
            request,
            _("A password link was e-mailed to %(username)s.") % {"username": subject.username},
        )
    else:
        messages.error(
            request,
            _("The e-mail to %(username)s could not be sent.") % {"username": subject.username},
        )
    return redirect("user_list")
