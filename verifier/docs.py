"""The OpenAPI page (``/docs``) served from this site: Swagger UI from the PyPI package
``swagger-ui-bundle-v2``, never from a CDN.

FastAPI's default ``/docs`` loads its script and stylesheet from a CDN with an inline start-up
script; the public site's Content-Security-Policy allows neither (and the page must work where
only this server is reachable). Swagger UI sets inline styles from script, so this one page
allows ``style-src 'unsafe-inline'``; scripts stay ``'self'`` only.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

HERE = Path(__file__).parent
FILES = {"swagger-ui.css": "text/css; charset=utf-8", "swagger-ui-bundle.js": "text/javascript; charset=utf-8"}
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


@lru_cache(maxsize=1)
def _bundle() -> tuple[str, Path] | None:
    """(version, folder) of the installed Swagger UI, or None if the package is missing."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    folder = Path(str(swagger_ui_path))
    return folder.name.removeprefix("swagger-ui-"), folder


def _page(version: str, init_version: str, title: str) -> str:
    base = f"/static/swagger/{version}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} — API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{base}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js?v={init_version}"></script>
</body>
</html>
"""


def create_docs_router(title: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    init = (HERE / "static" / "api-docs.js").read_bytes()
    init_version = hashlib.sha256(init).hexdigest()[:12]

    @router.get("/docs")
    def docs() -> Response:
        bundle = _bundle()
        if bundle is None:
            raise HTTPException(404, "the API page needs the swagger-ui-bundle-v2 package; /openapi.json is here")
        return HTMLResponse(_page(bundle[0], init_version, title),
                            headers={"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-store"})

    @router.get("/static/api-docs.js")
    def docs_init() -> Response:
        return Response(init, media_type="text/javascript; charset=utf-8", headers=IMMUTABLE)

    @router.get("/static/swagger/{version}/{name}")
    def swagger_file(version: str, name: str) -> Response:
        bundle = _bundle()
        if bundle is None or version != bundle[0] or name not in FILES:
            raise HTTPException(404, "not found")
        return Response((bundle[1] / name).read_bytes(), media_type=FILES[name], headers=IMMUTABLE)

    return router
