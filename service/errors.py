"""Every error is an RFC 9457 problem: application/problem+json with type, title, status, detail."""
from __future__ import annotations

import logging
from http import HTTPStatus

from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from index.errors import NewsclaimsError

log = logging.getLogger(__name__)

PROBLEM_TYPES = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 413: "payload-too-large", 415: "unsupported-media-type",
    422: "unprocessable-content", 500: "internal-error", 503: "unavailable",
}


class ApiError(Exception):
    """An error a view raises on purpose, with its status and a sentence for the client."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def problem(status: int, detail: str, errors=None, headers=None):
    """The one error shape; `errors` maps a field to its messages."""
    body = {"type": f"/problems/{PROBLEM_TYPES.get(status, status)}", "title": HTTPStatus(status).phrase,
            "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return body, status, {"Content-Type": "application/problem+json", **(headers or {})}


def http_error(err: HTTPException):
    methods = getattr(err, "valid_methods", None)
    headers = {"Allow": ", ".join(methods)} if err.code == 405 and methods else None
    detail = {413: "The request body is larger than the configured limit.",
              404: "No such resource."}.get(err.code, err.description)
    return problem(err.code or 500, detail, headers=headers)


def library_error(app, err: NewsclaimsError):
    """The library's own errors carry their status; a busy writer also says when to retry."""
    if err.status == 503:
        return problem(503, f"The service is busy: {err}. Retry later.",
                       headers={"Retry-After": str(app.config["RETRY_AFTER"])})
    if err.status >= 500:
        return unexpected(err)
    return problem(err.status, str(err))


def unexpected(err: Exception):
    log.exception("unhandled error")      # the traceback goes to the log, never to the client
    return problem(500, "An internal error occurred; it has been logged.")


def init_app(app) -> None:
    app.register_error_handler(ApiError, lambda e: problem(e.status, e.detail, headers=e.headers))
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(ValidationError, lambda e: problem(400, "Invalid parameters.", e.messages))
    app.register_error_handler(NewsclaimsError, lambda e: library_error(app, e))
    app.register_error_handler(Exception, unexpected)
