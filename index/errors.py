"""Every error the library raises on purpose, under one base class.

Front ends map them by class: `service/errors.py` to problem+json (the status below), the CLI
to one line and an exit code. Anything else escaping the library is a bug.
"""
from __future__ import annotations


class NewsclaimsError(Exception):
    """Base of the library's own errors; `status` is the HTTP status a front end answers with."""

    status = 500


class InvalidInput(NewsclaimsError, ValueError):
    """The caller sent something the library cannot use."""

    status = 400


class InvalidId(InvalidInput):
    """An article id outside the allowed alphabet."""


class QueryError(InvalidInput):
    """The query cannot run: a bad date, page or filter (the API answers 400)."""


class EmptyArticle(InvalidInput):
    """The text holds no article body once page furniture is removed."""

    status = 422


class Busy(NewsclaimsError, RuntimeError):
    """Another writer held the lock for longer than we were willing to wait."""

    status = 503

    def __init__(self, waited: float):
        super().__init__(f"another write is in progress; gave up after {waited:.1f} s")
        self.waited = waited


class SchemaError(NewsclaimsError, RuntimeError):
    """The database's schema has another version than this code's: older (`newsclaims migrate`) or newer."""

    status = 503


class DatabaseUnavailable(NewsclaimsError, RuntimeError):
    """The database server cannot be reached or dropped the connection (a retry may succeed)."""

    status = 503


class TransactionAborted(DatabaseUnavailable):
    """The server ended a transaction to resolve a deadlock or a serialization conflict with
    another one; nothing of it was kept and running it again may succeed."""


class LexiconError(NewsclaimsError, ValueError):
    """A data file under index/data is missing or malformed (a deployment error, not the caller's)."""
