from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.errors import errors_as_messages
from core.navigation import go_back
from instances.listing_forms import InstanceAssignForm
from instances.services.assign import instances_assign


def _plural(count: int) -> str:
    return f"{count} instance{'' if count == 1 else 's'}"


def _to_list() -> str:
    return reverse("instances:list")


@require_POST
@action_required(Action.ASSIGN_RESELLER)
@errors_as_messages(_to_list)
def instance_assign(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InstanceAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was assigned. {form.error_text()}")
        return go_back(request, reverse("instances:list"))
    ids, reseller = form.cleaned_data["ids"], form.cleaned_data["reseller"]
    changed = instances_assign(user=request.user, ids=ids, reseller=reseller, request=request)
    where = f"assigned to {reseller.name}" if reseller is not None else "unassigned"
    unchanged = len(ids) - changed
    if changed == 0:
        messages.info(request, f"Nothing to change: the selection was already {where}.")
    elif unchanged:
        messages.success(request, f"{_plural(changed)} {where} ({unchanged} already were).")
    else:
        messages.success(request, f"{_plural(changed)} {where}.")
    return go_back(request, reverse("instances:list"))
