"""`GET /claims?format=csv|jsonl|jsonld`: the matching claims streamed as a download."""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response, request, stream_with_context

from index import exports
from index.library import Library

UNSAFE_FILENAME = re.compile(r"[\\/:*?\"<>|\x00-\x1f\s]+")


def filename(project: str, fmt: str) -> str:
    """claims-<project>.<ext>, with characters file systems dislike replaced."""
    stem = UNSAFE_FILENAME.sub("_", project).strip("._")[:80] or "project"
    return f"claims-{stem}.{exports.EXTENSIONS[fmt]}"


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 8187)."""
    ascii_name = name if name.isascii() else "claims." + name.rsplit(".", 1)[-1]
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def claims_download(library: Library, args: dict, fmt: str) -> Response:
    """Every claim about the project (of every article without `project`) matching the filters
    (one page of them when `page` or `per_page` is in the query), in the requested sort,
    streamed in format `fmt`."""
    project = args.pop("project", None)
    paged = "page" in request.args or "per_page" in request.args
    if project is None:
        claims = library.claims(**args)["items"] if paged else library.all_claims(
            **{k: v for k, v in args.items() if k not in ("page", "per_page")})
        return download(claims, fmt, filename("all", fmt))
    if paged:
        claims = library.claims_by_project(project, **args)["items"]
    else:
        args.pop("page", None)
        args.pop("per_page", None)
        _, claims = exports.project_claims(library, project, **args)
    body = stream_with_context(exports.write(claims, fmt))
    return Response(body, content_type=exports.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": content_disposition(filename(project, fmt))})


def download(claims, fmt: str, name: str) -> Response:
    body = stream_with_context(exports.write(claims, fmt))
    return Response(body, content_type=exports.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": content_disposition(name)})


def conflicts_download(library: Library, args: dict, fmt: str) -> Response:
    """The claims of the conflicting groups matching the filters (one page of groups when `page`
    or `per_page` is in the query), group by group, streamed in format `fmt`."""
    if "page" in request.args or "per_page" in request.args:
        claims = [c for group in library.conflicts(**args)["items"] for c in group["claims"]]
    else:
        claims = library.conflict_claims(**{k: v for k, v in args.items() if k not in ("page", "per_page")})
    return download(claims, fmt, f"conflicts.{exports.EXTENSIONS[fmt]}")
