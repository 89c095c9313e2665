"""Errors a user can act on, each with the exit code the CLI returns for it.

Exit codes: 0 done (partial ingest included), 1 runtime or backend error, 2 usage or syntax
error, 3 refused (read-only guard, unapproved action, policy), 4 stopped by a budget.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_BUDGET = 4


class TracehoundError(Exception):
    """Base class: a message for the user and, optionally, how to fix it."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(TracehoundError):
    """The user asked for something malformed (a bad option, a file that is not there)."""

    exit_code = EXIT_USAGE


class KqlSyntaxError(UsageError):
    """A query that does not parse; the message carries line, column and a caret."""


class RefusedError(TracehoundError):
    """A guard refused the request (write through a read-only path, policy, approval)."""

    exit_code = EXIT_REFUSED


class BudgetExceededError(TracehoundError):
    """A budget stopped the run; partial results were kept."""

    exit_code = EXIT_BUDGET


class StoreLockedError(TracehoundError):
    """Another process holds the write lock on the database file."""
