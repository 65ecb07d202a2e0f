from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import get_instance_for_user_or_404


@require_GET
@login_required
def instance_detail(request: HttpRequest, id_instance: int) -> HttpResponse:
    instance = get_instance_for_user_or_404(request.user, id_instance)
    return render(request, "instances/detail.html", {"instance": instance})
