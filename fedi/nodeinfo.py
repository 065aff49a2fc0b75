"""NodeInfo 2.0 and 2.1: what software this is and how many people use it (real counts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import fedi
from fedi.context import Services
from fedi.errors import NotFound
from fedi.storage import accounts as account_store
from fedi.storage import posts as post_store
from fedi.storage import users as user_store
from fedi.storage.clock import db_in

SOFTWARE_NAME = "fedi"
# NodeInfo 2.1 `software.repository`/`homepage`: where the software lives. Set these once the
# project has a public home; until then 2.1 leaves them out (both are optional in the schema).
SOFTWARE_REPOSITORY = ""
SOFTWARE_HOMEPAGE = ""
VERSIONS = ("2.0", "2.1")
ACTIVE_MONTH = timedelta(days=30)
ACTIVE_HALFYEAR = timedelta(days=180)


def schema_url(version: str) -> str:
    """The NodeInfo schema IRI of a version (also the `rel` of its discovery link)."""
    return f"http://nodeinfo.diaspora.software/ns/schema/{version}"


def content_type(version: str) -> str:
    """The Content-Type a NodeInfo document of this version is served with."""
    return f'application/json; profile="{schema_url(version)}#"'


def discovery(svc: Services) -> dict[str, Any]:
    """The `/.well-known/nodeinfo` document linking to every version we serve."""
    return {"links": [{"rel": schema_url(v), "href": svc.url(f"/nodeinfo/{v}")} for v in VERSIONS]}


async def nodeinfo(svc: Services, version: str) -> dict[str, Any]:
    """The NodeInfo document of `version` (2.0 or 2.1) with current usage; NotFound otherwise."""
    if version not in VERSIONS:
        raise NotFound("We serve NodeInfo 2.0 and 2.1 only.")
    async with svc.db.read() as conn:
        total = await account_store.count_local_accounts(conn)
        month = await user_store.count_active_users(conn, since=db_in(-ACTIVE_MONTH))
        halfyear = await user_store.count_active_users(conn, since=db_in(-ACTIVE_HALFYEAR))
        local_posts = await post_store.count_local_posts(conn)
    software: dict[str, Any] = {"name": SOFTWARE_NAME, "version": fedi.__version__}
    if version == "2.1":
        if SOFTWARE_REPOSITORY:
            software["repository"] = SOFTWARE_REPOSITORY
        if SOFTWARE_HOMEPAGE:
            software["homepage"] = SOFTWARE_HOMEPAGE
    instance = svc.config.instance
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": instance.registrations == "open",
        "usage": {
            "users": {"total": total, "activeMonth": month, "activeHalfyear": halfyear},
            "localPosts": local_posts,
        },
        "metadata": {"nodeName": instance.name, "nodeDescription": instance.description},
    }
