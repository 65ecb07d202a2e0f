"""Forms for login, two-factor codes, people admin and audit filters. Validation only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.audit_actions import audit_action_choices
from accounts.models import Reseller, User
from accounts.validators import MAX_PASSWORD_LENGTH
from core.forms import IsoDateField, PortalForm
from core.zones import ZONE_NAMES


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].replace(" ", "")
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("Enter the 6-digit code your app shows."))
        return token


class PortalPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(label=_("E-mail"), max_length=254)

    def get_users(self, email: str) -> Any:
        # Unlike Django's form, invited users who never set a password may reset it too.
        users = User.objects.select_related("reseller").filter(email__iexact=email, is_active=True)
        return (
            u
            for u in users
            if u.role != User.Role.RESELLER or (u.reseller is not None and u.reseller.is_active)
        )


class ResellerForm(PortalForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    contact_email = forms.EmailField(label=_("Contact e-mail"), max_length=254, required=False)
    instance_quota = forms.IntegerField(
        label=_("Instance quota"),
        min_value=0,
        max_value=100_000,
        initial=10,
        help_text=_("The most non-deleted instances."),
    )
    day_price = forms.DecimalField(
        label=_("Price per instance-day"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=4,
    )
    is_active = forms.BooleanField(
        label=pgettext_lazy("account", "Active"), required=False, initial=True
    )

    def __init__(self, *args: Any, reseller: Reseller | None = None, **kwargs: Any) -> None:
        self.reseller = reseller
        if reseller is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": reseller.name,
                    "contact_email": reseller.contact_email,
                    "instance_quota": reseller.instance_quota,
                    "day_price": reseller.day_price,
                    "is_active": reseller.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        default = settings.BILLING_DAY_PRICE
        if default is not None:
            help_text = gettext(
                "What the reseller owes for one instance on one day's charge (up to 4 decimals). "
                "Empty: the default price (%(price)s %(currency)s)."
            ) % {"price": format(default.normalize(), "f"), "currency": settings.BILLING_CURRENCY}
        else:
            help_text = gettext(
                "What the reseller owes for one instance on one day's charge (up to 4 decimals). "
                "Empty: the default price (none is set: the reseller's usage then has no amount)."
            )
        self.fields["day_price"].help_text = help_text

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        clashes = Reseller.objects.filter(name__iexact=name)
        if self.reseller is not None:
            clashes = clashes.exclude(pk=self.reseller.pk)
        if clashes.exists():
            raise forms.ValidationError(_("A reseller with this name already exists."))
        return name


class UserForm(PortalForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)
    reseller = forms.ModelChoiceField(
        label=_("Reseller"),
        queryset=Reseller.objects.none(),
        required=False,
        help_text=_("Required for reseller users; empty for admins and support agents."),
    )
    is_active = forms.BooleanField(
        label=pgettext_lazy("account", "Active"), required=False, initial=True
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        self.user = user
        if user is not None:
            kwargs.setdefault(
                "initial",
                {
                    "username": user.username,
                    "email": user.email,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "role": user.role,
                    "reseller": user.reseller_id,
                    "is_active": user.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        # Only resellers the admin may pick: active ones, and the one the user already has.
        reseller_field = self.fields["reseller"]
        assert isinstance(reseller_field, forms.ModelChoiceField)
        reseller_field.queryset = selectors.reseller_choices_for_user_form(
            current=user.reseller if user is not None else None
        )
        if user is None:
            del self.fields["is_active"]  # new users start active

    def _others(self) -> Any:
        others = User.objects.all()
        return others.exclude(pk=self.user.pk) if self.user is not None else others

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if self._others().filter(Q(username__iexact=username) | Q(email__iexact=username)).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        # Another account's username must not be this e-mail either: logins accept both.
        if self._others().filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
            raise forms.ValidationError(_("Another user has this e-mail address."))
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        role, reseller = cleaned.get("role"), cleaned.get("reseller")
        if role == User.Role.RESELLER and reseller is None:
            self.add_error("reseller", _("A reseller user must belong to a reseller."))
        elif role and role != User.Role.RESELLER and reseller is not None:
            self.add_error(
                "reseller", _("Only reseller users belong to a reseller: leave this empty.")
            )
        return cleaned


def _action_choices() -> list[tuple[str, str]]:
    return [("", str(_("Any action"))), *audit_action_choices()]


class AuditFilterForm(PortalForm):
    user = forms.ModelChoiceField(
        label=_("User"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    reseller = forms.ModelChoiceField(
        label=_("Reseller"),
        queryset=Reseller.objects.none(),
        required=False,
        empty_label=_("Any reseller"),
    )
    # The plain sentences, each standing for its code (accounts/audit_actions.py).
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=_action_choices,
        error_messages={"invalid_choice": _("Choose an action from the list.")},
    )
    date_from = IsoDateField(label=_("From"), required=False)
    date_to = IsoDateField(label=_("To"), required=False)

    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from the same scoping as the events: no other tenant's names.
        user_field, reseller_field = self.fields["user"], self.fields["reseller"]
        assert isinstance(user_field, forms.ModelChoiceField)
        assert isinstance(reseller_field, forms.ModelChoiceField)
        user_field.queryset = User.objects.visible_to(viewer).order_by("username")
        reseller_field.queryset = Reseller.objects.visible_to(viewer)
        if not viewer.is_staff_role:
            del self.fields["reseller"]  # a reseller user only ever sees their own

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> selectors.AuditFilters:
        data = self.cleaned_data
        return selectors.AuditFilters(
            user=data.get("user"),
            reseller=data.get("reseller"),
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class TimeZoneForm(PortalForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
        help_text=_("Pages show times in this zone, labelled with it. Exports stay in UTC."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        partner = gettext("The partner's (%(zone)s)") % {"zone": settings.PARTNER_TIME_ZONE}
        field.choices = [("", partner), *((name, name) for name in ZONE_NAMES)]
