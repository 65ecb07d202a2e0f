# The parts of django-otp 1.7 the portal uses; django-otp ships no type hints.
from django.http import HttpRequest
from django_otp.models import Device

DEVICE_ID_SESSION_KEY: str

def login(request: HttpRequest, device: Device) -> None: ...
