# huey's Django integration, as the portal uses it: decorated functions keep their signature
# when called (which enqueues them) and gain huey's task methods.
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")

HUEY: Any

class TaskWrapper(Generic[_P, _R]):
    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> Any: ...
    def call_local(self, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...
    def schedule(
        self,
        args: tuple[Any, ...] | None = ...,
        kwargs: dict[str, Any] | None = ...,
        eta: datetime | None = ...,
        delay: float | None = ...,
        priority: int | None = ...,
        retries: int | None = ...,
        retry_delay: float | None = ...,
        retry_backoff: float | None = ...,
        expires: datetime | float | None = ...,
        timeout: float | None = ...,
        id: str | None = ...,
    ) -> Any: ...
    def __getattr__(self, name: str) -> Any: ...

def db_task(*args: Any, **kwargs: Any) -> Callable[[Callable[_P, _R]], TaskWrapper[_P, _R]]: ...
def db_periodic_task(
    validate_datetime: Callable[[datetime], bool], *args: Any, **kwargs: Any
) -> Callable[[Callable[_P, _R]], TaskWrapper[_P, _R]]: ...
def task(*args: Any, **kwargs: Any) -> Callable[[Callable[_P, _R]], TaskWrapper[_P, _R]]: ...
def periodic_task(
    validate_datetime: Callable[[datetime], bool], *args: Any, **kwargs: Any
) -> Callable[[Callable[_P, _R]], TaskWrapper[_P, _R]]: ...
def on_startup(name: str | None = ...) -> Callable[[Callable[[], None]], Callable[[], None]]: ...
def on_shutdown(name: str | None = ...) -> Callable[[Callable[[], None]], Callable[[], None]]: ...
def __getattr__(name: str) -> Any: ...
