"""A reseller's brand on its customers' pages: the form, and the logo served to anyone."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.brand_forms import ResellerBrandForm
from accounts.branding import (
    brand_logo_get,
    customer_brand,
    reseller_brand_of,
    reseller_brand_update,
    reseller_for_brand_or_404,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required


@require_http_methods(["GET", "POST"])
@action_required(Action.EDIT_BRAND)
def reseller_brand(request: AuthenticatedHttpRequest, reseller_id: int) -> HttpResponse:
    reseller = reseller_for_brand_or_404(request.user, reseller_id)
    brand = reseller_brand_of(reseller)
    if request.method == "POST":
        form = ResellerBrandForm(request.POST, request.FILES, brand=brand)
        if form.is_valid():
            data = form.cleaned_data
            reseller_brand_update(
                actor=request.user,
                request=request,
                reseller=reseller,
                display_name=data["display_name"],
                support_phone=data["support_phone"],
                support_email=data["support_email"],
                support_url=data["support_url"],
                logo=data["logo"],
                remove_logo=bool(data.get("remove_logo")),
            )
            messages.success(request, _("Saved: customer links now show this."))
            return redirect("reseller_brand", reseller_id=reseller.pk)
    else:
        form = ResellerBrandForm(brand=brand)
    context = {
        "form": form,
        "reseller": reseller,
        "brand": brand,
        "preview": customer_brand(reseller.pk),
    }
    return render(request, "accounts/reseller_brand.html", context)


@require_GET
def brand_logo(request: HttpRequest, name: str) -> HttpResponse:
    """A logo by its random name: public (customer pages show it), never sniffed as HTML."""
    logo = brand_logo_get(name)
    response = HttpResponse(logo.data, content_type=logo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    # A new upload gets a new name, so an answer never changes.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
