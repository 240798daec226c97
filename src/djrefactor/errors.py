"""The one exception djrefactor raises for bad input; the CLI turns it into `error: <message>`."""


class DjrefactorError(Exception):
    """A user-facing problem: one sentence naming the file (and line) and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(DjrefactorError):
    """Bad command-line usage: an unknown codemod name, conflicting options."""
