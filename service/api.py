"""The HTTP routes of openapi.yaml: parse with marshmallow, call index.library, return JSON."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, current_app, request

from index.library import Library, valid_article_id

from . import exports
from .config import PROJECT_ROOT
from .errors import ApiError
from .requests import json_body, require_token
from .schemas import article_in, claims_args, conflicts_args, no_args, projects_args, search_args

bp = Blueprint("api", __name__)
OPENAPI = Path(PROJECT_ROOT) / "openapi.yaml"
MAX_PROJECT_ID = 2**63 - 1      # SQLite's largest INTEGER
GROUP_ID = re.compile(r"g[0-9a-f]{16}")


def library() -> Library:
    return current_app.extensions["newsclaims"]


@bp.before_request
def refuse_ambiguous_parameters() -> None:
    """`?page=1&page=2` is ambiguous: refuse it rather than silently keep the first value; a
    query string that is not UTF-8 would reach the search as U+FFFD: refuse it too."""
    try:
        unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as err:
        raise ApiError(400, f"The query string is not valid UTF-8 once percent-decoded (byte {err.start}).") from None
    repeated = sorted(name for name, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise ApiError(400, f"Parameter given more than once: {', '.join(repeated)}.")


def checked_id(article_id: str) -> str:
    if not valid_article_id(article_id):
        raise ApiError(400, "Invalid article id: use 1-128 characters of A-Z a-z 0-9 . _ -.")
    return article_id


def not_found(article_id: str) -> ApiError:
    return ApiError(404, f"No article with id {article_id!r}.")


@bp.post("/articles")
def create_article():
    """Ingest one article: clean, segment, extract claims, index; searchable on return."""
    require_token()
    no_args.load(request.args)
    fields = article_in.load(json_body())
    if "html" in fields:
        done = library().add_article(fields.pop("html"), format="html", **fields)
    else:
        done = library().add_article(fields.pop("text"), **fields)
    return done.as_json(), (200 if done.replaced else 201), {"Location": f"/articles/{done.id}"}


@bp.get("/articles/<article_id>")
def get_article(article_id):
    """One article with its clean paragraphs."""
    no_args.load(request.args)
    article = library().article(checked_id(article_id))
    if article is None:
        raise not_found(article_id)
    return article


@bp.delete("/articles/<article_id>")
def delete_article(article_id):
    """Delete an article, its passages and claims from every query."""
    require_token()
    no_args.load(request.args)
    if not library().delete_article(checked_id(article_id)):
        raise not_found(article_id)
    return Response(status=204)


@bp.get("/articles/<article_id>/claims")
def article_claims(article_id):
    """The claims of one article in text order."""
    no_args.load(request.args)
    claims = library().claims_of_article(checked_id(article_id))
    if claims is None:
        raise not_found(article_id)
    return {"items": claims}


@bp.get("/search")
def search():
    """Full-text search over passages; each hit carries its article and claims."""
    args = search_args.load(request.args)
    if len(args["q"]) > current_app.config["MAX_QUERY_CHARS"]:
        raise ApiError(400, f"The query is longer than {current_app.config['MAX_QUERY_CHARS']} characters.")
    return library().search(args.pop("q"), with_total=args.pop("total"), **args)


@bp.get("/claims")
def claims_by_project():
    """The claims about a project, whichever alias the articles used (suggestions when none
    match); without `project`, the claims of every article matching the filters."""
    args = claims_args.load(request.args)
    fmt = args.pop("format")
    if fmt != "json":
        return exports.claims_download(library(), args, fmt)
    if "project" not in args:
        return library().claims(**args)
    return library().claims_by_project(args.pop("project"), **args)


@bp.get("/groups/<id>")
def get_group(id):  # noqa: A002 - the path's parameter, named as in openapi.yaml
    """An agreement group: the claims of different stories reporting one quantity."""
    group_id = id
    no_args.load(request.args)
    if not GROUP_ID.fullmatch(group_id):
        raise ApiError(400, "Invalid group id: g and 16 hexadecimal digits.")
    group = library().group(group_id)
    if group is None:
        raise ApiError(404, f"No group with id {group_id!r}.")
    return group


@bp.get("/conflicts")
def conflicts():
    """Groups whose sources give values that cannot all be right."""
    args = conflicts_args.load(request.args)
    fmt = args.pop("format")
    if fmt != "json":
        return exports.conflicts_download(library(), args, fmt)
    return library().conflicts(**args)


@bp.get("/projects")
def list_projects():
    """Known projects with aliases and claim counts; `q` narrows them by name."""
    return library().projects(**projects_args.load(request.args))


@bp.get("/projects/<int:project_id>")
def get_project(project_id):
    """One project with its claims grouped by metric."""
    no_args.load(request.args)
    if project_id > MAX_PROJECT_ID:      # beyond SQLite's INTEGER: an OverflowError (500) otherwise
        raise ApiError(400, f"Invalid project id: at most {MAX_PROJECT_ID}.")
    project = library().project(project_id)
    if project is None:
        raise ApiError(404, f"No project with id {project_id}.")
    return project


@bp.get("/health")
def health():
    """Database and index state."""
    no_args.load(request.args)
    state = library().health()
    return state, (200 if state["status"] == "ok" else 503)


@bp.get("/openapi.yaml")
def openapi():
    """The contract."""
    no_args.load(request.args)
    return Response(OPENAPI.read_bytes(), mimetype="application/yaml")
