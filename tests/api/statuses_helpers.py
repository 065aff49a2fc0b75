"""Helpers of the statuses/accounts/timelines API tests: posting through the API, remote rows."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.storage import remote_accounts, remote_posts
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id
from fedi.storage.remote_accounts import RemoteAccountFields
from fedi.storage.rows import Account, Post
from tests.api.tokens import bearer

REMOTE_HOST = "remote.example"


async def api_post(client: Any, token: str, text: str, **fields: Any) -> dict[str, Any]:
    """Post a status through the API and return its entity (asserting success)."""
    response = await client.post(
        "/api/v1/statuses", headers=bearer(token), json={"status": text, **fields}
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    return body  # type: ignore[no-any-return]


async def remote_account(
    svc: Services, name: str = "carol", *, host: str = REMOTE_HOST, locked: bool = False
) -> Account:
    """A remote account as the inbox stores one (a fixture row standing for another server)."""
    base = f"https://{host}/users/{name}"
    async with svc.db.write() as tx:
        return await remote_accounts.upsert_remote_account(
            tx,
            RemoteAccountFields(
                uri=base,
                username=name,
                domain=host,
                url=f"https://{host}/@{name}",
                display_name=name.title(),
                note_html="<p>A remote account.</p>",
                fields_json='[{"name": "Site", "value": "x", "value_html": "<a href=\\"https://x\\">x</a>"}]',
                locked=locked,
                discoverable=True,
                inbox_uri=f"{base}/inbox",
                shared_inbox_uri=f"https://{host}/inbox",
                followers_uri=f"{base}/followers",
                public_key_id=f"{base}#main-key",
            ),
        )


async def remote_post(
    svc: Services,
    author: Account,
    html: str = "<p>Hello from far away</p>",
    *,
    visibility: str = "public",
    tags: tuple[str, ...] = (),
    mention_ids: tuple[int, ...] = (),
    feed_ids: tuple[int, ...] = (),
    reply_to: Post | None = None,
) -> Post:
    """A remote post as the inbox stores one (no fan-in unless `feed_ids`)."""
    post_id = new_id()
    post = Post(
        id=post_id,
        uri=f"{author.uri}/statuses/{post_id}",
        url=f"https://{author.domain}/@{author.username}/{post_id}",
        account_id=author.id,
        local=0,
        visibility=visibility,
        in_reply_to_id=reply_to.id if reply_to else None,
        in_reply_to_uri=reply_to.uri if reply_to else None,
        in_reply_to_account_id=reply_to.account_id if reply_to else None,
        thread_root_id=(reply_to.thread_root_id or reply_to.id) if reply_to else None,
        content_html=html,
        language="en",
        created_at=now_db(),
    )
    async with svc.db.write() as tx:
        await remote_posts.insert_remote_post(
            tx, post, mention_ids=mention_ids, tags=tags, feed_ids=feed_ids
        )
    return post
