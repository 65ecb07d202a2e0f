from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.permissions import Action, action_required
from instances.listing_forms import InstanceAssignForm
from instances.services.assign import AssignRefused, instances_assign


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """The local page named by `next`, else the list: never another site."""
    target = request.POST.get("next", "")
    # A path only: redirect() would read a bare word as a URL name and fail on it.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("instances:list"))


def _plural(count: int) -> str:
    return f"{count} instance{'' if count == 1 else 's'}"


@require_POST
@action_required(Action.ASSIGN_RESELLER)
def instance_assign(request: HttpRequest) -> HttpResponse:
    form = InstanceAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was assigned. {form.error_text()}")
        return _back(request)
    ids, reseller = form.cleaned_data["ids"], form.cleaned_data["reseller"]
    try:
        changed = instances_assign(user=request.user, ids=ids, reseller=reseller, request=request)
    except AssignRefused as refused:
        messages.error(request, str(refused))
        return _back(request)
    where = f"assigned to {reseller.name}" if reseller is not None else "unassigned"
    unchanged = len(ids) - changed
    if changed == 0:
        messages.info(request, f"Nothing to change: the selection was already {where}.")
    elif unchanged:
        messages.success(request, f"{_plural(changed)} {where} ({unchanged} already were).")
    else:
        messages.success(request, f"{_plural(changed)} {where}.")
    return _back(request)
