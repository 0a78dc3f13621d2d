"""The error types that the CLI turns into exit codes (in one place: ``cli.main``)."""


class UserError(Exception):
    """Bad input or a request that cannot be met: exit code 2.

    ``hint`` says what to do about it; the CLI prints it under the message.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class GateFailed(Exception):
    """A validation or gate verdict of FAILED: exit code 1."""

    exit_code = 1
