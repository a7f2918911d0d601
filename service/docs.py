"""`GET /docs`: the contract (`/openapi.yaml`) rendered by Swagger UI, served from this host.

The Swagger UI files come from the `flask-swagger-ui` package (its `dist/` folder holds the
Swagger UI release named by its version, 5.x, which renders OpenAPI 3.1); nothing is loaded
from a CDN, so the page works offline. The page has no inline script: its settings are
served as `/docs/init.js`, so a strict Content-Security-Policy (`script-src 'self'`) holds.
"""
from __future__ import annotations

import json
from importlib.resources import files

from flask import Blueprint, Response, abort, render_template_string, request, send_from_directory, url_for

from .schemas import no_args

SWAGGER_UI_DIST = files("flask_swagger_ui") / "dist"
ASSETS = {"swagger-ui-bundle.js", "swagger-ui.css", "index.css", "favicon-16x16.png", "favicon-32x32.png"}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

bp = Blueprint("docs", __name__)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>newsclaims API</title>
  <link rel="stylesheet" href="{{ asset('index.css') }}">
  <link rel="stylesheet" href="{{ asset('swagger-ui.css') }}">
  <link rel="icon" type="image/png" href="{{ asset('favicon-32x32.png') }}" sizes="32x32">
</head>
<body>
  <noscript>This page renders <a href="{{ spec }}">the OpenAPI contract</a> with JavaScript.</noscript>
  <div id="swagger-ui"></div>
  <script src="{{ asset('swagger-ui-bundle.js') }}"></script>
  <script src="{{ asset('init.js') }}"></script>
</body>
</html>
"""

INIT = """window.addEventListener("load", function () {
  var settings = %s;
  settings.presets = [SwaggerUIBundle.presets.apis];
  window.ui = SwaggerUIBundle(settings);
});
"""


def asset_url(name: str) -> str:
    return url_for("docs.asset", name=name)


def secured(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.get("/docs")
def page():
    """The API documentation page (Swagger UI over /openapi.yaml)."""
    no_args.load(request.args)
    html = render_template_string(PAGE, asset=asset_url, spec=url_for("api.openapi"))
    return secured(Response(html, content_type="text/html; charset=utf-8"))


@bp.get("/docs/<path:name>")
def asset(name):
    """A Swagger UI file of the docs page, or its settings (init.js)."""
    no_args.load(request.args)
    if name == "init.js":
        settings = {"url": url_for("api.openapi"), "dom_id": "#swagger-ui", "deepLinking": True,
                    "layout": "BaseLayout", "validatorUrl": None,     # no badge from an outside validator
                    "displayOperationId": True, "docExpansion": "list", "tryItOutEnabled": False}
        return secured(Response(INIT % json.dumps(settings), content_type="text/javascript; charset=utf-8"))
    if name not in ASSETS:
        abort(404)
    return secured(send_from_directory(str(SWAGGER_UI_DIST), name, max_age=86400))
