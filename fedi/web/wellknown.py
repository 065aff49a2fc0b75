"""Discovery documents: WebFinger, host-meta and NodeInfo (all readable cross-origin)."""

from __future__ import annotations

import json
from typing import Any

from quart import Blueprint, Response, request

from fedi import nodeinfo
from fedi.errors import Invalid
from fedi.web.auth import services
from fedi.webfinger import local as webfinger_local

bp = Blueprint("wellknown", __name__)

JRD_TYPE = "application/jrd+json; charset=utf-8"
XRD_TYPE = "application/xrd+xml; charset=utf-8"
MISSING_RESOURCE = "Add a resource parameter, like ?resource=acct:name@host."


def _json(body: Any, *, content_type: str, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type=content_type)


@bp.after_request
async def allow_cross_origin(response: Response) -> Response:
    """Discovery documents (and their errors) may be read by any origin (Mastodon requires it)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/webfinger")
async def webfinger() -> Response:
    """WebFinger for local accounts and the instance actor; 400 without a usable resource."""
    resource = request.args.get("resource", "")
    if not resource.strip():
        return _json({"error": MISSING_RESOURCE}, content_type="application/json", status=400)
    try:
        document = await webfinger_local.webfinger(services(), resource)
    except Invalid as exc:
        return _json({"error": exc.safe_message}, content_type="application/json", status=400)
    return _json(document, content_type=JRD_TYPE)


@bp.get("/.well-known/host-meta")
async def host_meta() -> Response:
    """host-meta XRD with the WebFinger template (Mastodon's fallback after a 404)."""
    return Response(webfinger_local.host_meta_document(services()), content_type=XRD_TYPE)


@bp.get("/.well-known/nodeinfo")
async def nodeinfo_links() -> Response:
    """NodeInfo discovery: links to the 2.0 and 2.1 documents."""
    return _json(nodeinfo.discovery(services()), content_type="application/json")


@bp.get("/nodeinfo/<version>")
async def nodeinfo_document(version: str) -> Response:
    """The NodeInfo document of one version, with its schema profile in the Content-Type."""
    document = await nodeinfo.nodeinfo(services(), version)
    return _json(document, content_type=nodeinfo.content_type(version))
