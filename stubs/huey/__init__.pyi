# The parts of huey 3 the portal uses; huey ships no type hints. Anything else is Any.
from collections.abc import Callable
from datetime import datetime
from typing import Any

def crontab(
    minute: str = ...,
    hour: str = ...,
    day: str = ...,
    month: str = ...,
    day_of_week: str = ...,
    strict: bool = ...,
) -> Callable[[datetime], bool]: ...
def __getattr__(name: str) -> Any: ...
