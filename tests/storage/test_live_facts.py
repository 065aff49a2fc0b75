"""`feeds.live_facts`: what routing a status to live streams reads, in one hop."""

from __future__ import annotations

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import feeds as feed_store
from tests.factories import make_user


async def test_live_facts_names_home_holders_tags_and_mentions(svc: Services) -> None:
    """Only the asked-about accounts holding the post at home are named, with its tags and
    mentions."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, bob, alice)
    written = await create_post(svc, alice, PostDraft(text="Hi @carol #Cats #dogs"))
    async with svc.db.read() as conn:
        facts = await feed_store.live_facts(conn, written.id, [bob.id, carol.id])
        nobody = await feed_store.live_facts(conn, written.id, [])
    assert facts.home_ids == sorted([bob.id, carol.id])
    assert facts.tags == ["cats", "dogs"]
    assert facts.mentioned_ids == [carol.id]
    assert nobody.home_ids == []
