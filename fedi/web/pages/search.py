"""`/search`: find an account by handle or an account or post by URL, to follow or read it."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.accounts.remote_profiles import search
from fedi.web.auth import page, services, viewer

bp = Blueprint("search", __name__)


@bp.get("/search")
async def search_page() -> Response:
    query = request.args.get("q", "")
    current = viewer()
    result = await search(services(), current.account if current else None, query)
    return await page("pages/search.html", q=query.strip(), result=result)
