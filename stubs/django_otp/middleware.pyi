# The parts of django-otp 1.7 the portal uses; django-otp ships no type hints.
from django.contrib.auth.models import _AnyUser

# OTPMiddleware installs this on request.user as user.is_verified().
def is_verified(user: _AnyUser) -> bool: ...
