"""Errors that carry a message meant for a person: what is wrong and how to fix it.

The CLI and the app print ``str(err)`` of these without a traceback.
"""


class UserError(Exception):
    """An expected mistake (bad setting, bad file, expired login): the message says how to fix it."""


class ConfigError(UserError):
    """A setting is missing or has a bad value."""


class AuthError(UserError):
    """The stored login cannot be used; the message says to run `cc-data auth` again."""


class ApiError(UserError):
    """The API answered with an error we cannot recover from by retrying."""


class QuotaExceeded(UserError):
    """The daily API quota is used up; work is checkpointed and resumes after the reset."""


class WriterBusy(UserError):
    """Another sync or import is already writing the database."""


class DatabaseUnreadable(UserError):
    """The database file is not a readable DuckDB database; it is left as it is."""


class DemoRefused(UserError):
    """The demo would replace a file it did not create."""
