"""What a request carries, checked: the bearer token of writes and the JSON body."""
from __future__ import annotations

import hmac
import json

from flask import current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .errors import ApiError


def require_token() -> None:
    """Writes need `Authorization: Bearer <token>`; without a configured token they are off."""
    token = current_app.config.get("API_TOKEN")
    if not token:
        raise ApiError(403, "Writes are disabled: set NEWSCLAIMS_API_TOKEN on the server to enable them.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        raise ApiError(401, "A valid bearer token is required: Authorization: Bearer <token>.",
                       {"WWW-Authenticate": 'Bearer realm="newsclaims"'})



def read_body() -> bytes:
    """The whole body: 413 over the limit (chunked bodies too), 400 when the framing is broken."""
    try:
        raw = request.get_data()
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        # a chunked body is cut at the limit without an error: one byte more means it was larger
        if request.content_length is None and limit is not None and len(raw) >= limit and request.stream.read(1):
            raise RequestEntityTooLarge()
    except HTTPException:
        raise
    except Exception:                # the server's own framing errors (a bad chunk size), a broken connection
        raise ApiError(400, "The body could not be read: broken chunked encoding or connection.") from None
    if request.content_length is not None and len(raw) < request.content_length:
        raise ApiError(400, f"The body has {len(raw)} bytes, fewer than its Content-Length ({request.content_length}).")
    return raw


def unique_keys(pairs: list) -> dict:
    """A JSON object; `{"text": "a", "text": "b"}` is ambiguous and refused."""
    body = dict(pairs)
    if len(body) != len(pairs):
        seen = set()
        twice = sorted({k for k, _ in pairs if k in seen or seen.add(k)})
        raise ApiError(400, f"The body is ambiguous: key given more than once: {', '.join(twice)}.")
    return body


def json_body() -> dict:
    """The request body as a JSON object, or a precise 4xx."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the body as application/json.")
    raw = read_body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ApiError(400, f"The body is not valid UTF-8 (byte {err.start}).") from None
    try:
        body = json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as err:
        raise ApiError(400, f"The body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}.") from None
    except RecursionError:
        raise ApiError(400, "The body is not valid JSON: nested too deeply.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.")
    if "\\u" in text:              # only an escape can smuggle in a lone surrogate, which no store can encode
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "The body is not valid JSON text: an unpaired surrogate escape (\\ud800-\\udfff).") from None
    return body
