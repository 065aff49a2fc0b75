"""Answer WebFinger lookups for local accounts and the instance actor (read only)."""

from __future__ import annotations

from typing import Any

from fedi.accounts.profiles import check_viewable
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.storage import accounts as account_store
from fedi.webfinger.resource import acct, host_meta, jrd, parse_resource, target_of


async def webfinger(svc: Services, resource: str) -> dict[str, Any]:
    """The JRD for a resource naming a local account or the instance actor.

    Raises Invalid (field `resource`) for something that is not a resource, NotFound for another
    host or an unknown or suspended account, Gone for a deleted one.
    """
    domain = svc.config.instance.domain
    target = target_of(parse_resource(resource), domain=domain)
    uris = Uris(svc.base_url)
    if target.instance_actor:
        return jrd(
            subject=acct(domain, domain),
            actor=uris.instance_actor(),
            profile_page=svc.base_url + "/",
            base_url=svc.base_url,
        )
    async with svc.db.read() as conn:
        found = await account_store.get_local_account(conn, target.username)
    account = check_viewable(found, target.username)
    return jrd(
        subject=acct(account.username, domain),
        actor=uris.actor(account.username),
        profile_page=uris.profile(account.username),
        base_url=svc.base_url,
    )


def host_meta_document(svc: Services) -> str:
    """The host-meta XRD of this instance."""
    return host_meta(svc.base_url)
