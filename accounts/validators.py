from django.core.exceptions import ValidationError

# Generous for passphrases and password managers; longer input is junk or an attempt to make
# the hasher work hard.
MAX_PASSWORD_LENGTH = 1024


class MaximumLengthValidator:
    """A password validator (AUTH_PASSWORD_VALIDATORS) that refuses absurdly long passwords."""

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                f"Use at most {MAX_PASSWORD_LENGTH} characters.", code="password_too_long"
            )

    def get_help_text(self) -> str:
        return f"Your password can have at most {MAX_PASSWORD_LENGTH} characters."
