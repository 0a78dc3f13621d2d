"""The one error type the tool raises for problems a person can fix, with the exit code each
kind maps to; the CLI turns them into output in one place (``hasaki_hil.cli.main``)."""


class HasakiError(Exception):
    """A problem to report, not a bug: a message, what to do about it (``hint``), and the exit code.

    A bug is any other exception and keeps its traceback.
    """

    exit_code = 2
    label = "error"  # the word the CLI prints before the message

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class UserError(HasakiError):
    """Bad input or a request that cannot be met: exit code 2."""


class GateFailed(HasakiError):
    """A validation or gate verdict of FAILED: exit code 1."""

    exit_code = 1
    label = "FAILED"


class Interrupted(HasakiError):
    """Ctrl-C: exit code 130, with what was kept or done so far in the message."""

    exit_code = 130
    label = "interrupted"
