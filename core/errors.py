"""The one error base of the services (after HackSoft's ApplicationError)."""


class ApplicationError(Exception):
    """A service could not do what was asked; `message` says what happened and what to do.

    Services raise it (or a subclass) with a sentence for the person who asked; views catch
    this base alone and show the message (see core/middleware.py for the uncaught case).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
