from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

# Generous for passphrases and password managers; longer input is junk or an attempt to make
# the hasher work hard.
MAX_PASSWORD_LENGTH = 1024


class MaximumLengthValidator:
    """A password validator (AUTH_PASSWORD_VALIDATORS) that refuses absurdly long passwords."""

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                ngettext(
                    "Use at most %(max)d character.",
                    "Use at most %(max)d characters.",
                    MAX_PASSWORD_LENGTH,
                ),
                code="password_too_long",
                params={"max": MAX_PASSWORD_LENGTH},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can have at most %(max)d character.",
            "Your password can have at most %(max)d characters.",
            MAX_PASSWORD_LENGTH,
        ) % {"max": MAX_PASSWORD_LENGTH}
