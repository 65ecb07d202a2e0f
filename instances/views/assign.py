from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.errors import errors_as_messages
from core.navigation import go_back
from instances.listing_forms import InstanceAssignForm
from instances.services.assign import instances_assign


def _to_list() -> str:
    return reverse("instances:list")


def _assigned_text(changed: int, unchanged: int, reseller: str | None) -> str:
    """What an assignment did, in whole sentences (Russian words agree with the count)."""
    values = {"num": changed, "unchanged": unchanged, "reseller": reseller}
    if reseller is None:
        if changed == 0:
            return _("Nothing to change: the selection was already unassigned.")
        if unchanged:
            text = ngettext(
                "%(num)s instance unassigned (%(unchanged)s already were).",
                "%(num)s instances unassigned (%(unchanged)s already were).",
                changed,
            )
        else:
            text = ngettext(
                "%(num)s instance unassigned.", "%(num)s instances unassigned.", changed
            )
    elif changed == 0:
        text = _("Nothing to change: the selection was already assigned to %(reseller)s.")
    elif unchanged:
        text = ngettext(
            "%(num)s instance assigned to %(reseller)s (%(unchanged)s already were).",
            "%(num)s instances assigned to %(reseller)s (%(unchanged)s already were).",
            changed,
        )
    else:
        text = ngettext(
            "%(num)s instance assigned to %(reseller)s.",
            "%(num)s instances assigned to %(reseller)s.",
            changed,
        )
    return text % values


@require_POST
@action_required(Action.ASSIGN_RESELLER)
@errors_as_messages(_to_list)
def instance_assign(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InstanceAssignForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Nothing was assigned. %(reason)s") % {"reason": form.error_text()}
        )
        return go_back(request, reverse("instances:list"))
    ids, reseller = form.cleaned_data["ids"], form.cleaned_data["reseller"]
    changed = instances_assign(user=request.user, ids=ids, reseller=reseller, request=request)
    unchanged = len(ids) - changed
    messages.add_message(
        request,
        messages.INFO if changed == 0 else messages.SUCCESS,
        _assigned_text(changed, unchanged, reseller.name if reseller is not None else None),
    )
    return go_back(request, reverse("instances:list"))
