"""A report forwarded between two fedi instances (real HTTP, real signatures).

alice lives on A and reports bob, who lives on B; B's moderators get the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from fedi.accounts.remote_profiles import search
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.reports import file_report
from fedi.storage import accounts as account_store
from fedi.storage import reports as report_store

if TYPE_CHECKING:
    from tests.federation.conftest import Pair

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_forwarded_report_is_stored_for_the_other_servers_moderators(
    two_instances: Pair,
) -> None:
    """alice@A reports bob@B and one of his posts with forward: B stores a report about bob and
    that post, with the comment, filed by A's instance actor (alice stays anonymous)."""
    pair = two_instances
    a, b = pair.a, pair.b
    alice, bob = await a.user("alice_rep"), await b.user("bob_rep")
    post = await create_post(b.svc, bob, PostDraft(text="something rude", visibility="public"))
    bob_on_a = await a.remote(bob)
    found = await search(a.svc, alice, post.uri)  # as pasting the post's URL into search does
    assert found.post is not None
    post_on_a = found.post.post.id

    filed = await file_report(
        a.svc,
        alice,
        account_id=bob_on_a.id,
        status_ids=[post_on_a],
        comment="This is rude",
        category="violation",
        forward=True,
    )
    assert filed.forwarded
    await pair.settle()

    async with b.svc.db.read() as conn:
        reports = await report_store.list_reports(conn, target_account_id=bob.id)
        reporter = await account_store.get_account(conn, reports[0].account_id) if reports else None
    assert [(r.comment, r.post_ids) for r in reports] == [("This is rude", [post.id])]
    assert reporter is not None and reporter.uri == a.base_url + "/actor"
    async with a.svc.db.read() as conn:
        mine = await report_store.list_reports(conn, target_account_id=bob_on_a.id)
    assert [r.account_id for r in mine] == [alice.id]  # A keeps alice's own report too
