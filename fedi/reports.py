"""Reports users file about accounts (and some of their posts), for the moderators.

Stored in `reports` beside the ones other servers send us as Flag. Forwarding a copy to a remote
account's server is not done yet: no Flag builder exists in the outbox (it must be sent by the
instance actor so the reporter stays anonymous), so `forwarded` stays false.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.storage import accounts as account_store
from fedi.storage import posts as post_store
from fedi.storage import reports as report_store
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id
from fedi.storage.rows import Account

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000
MAX_STATUSES = 100
NOT_FOUND = "Record not found"


@dataclass(frozen=True, slots=True, kw_only=True)
class FiledReport:
    """A report as filed: what the API's Report entity shows."""

    id: int
    target: Account
    post_ids: list[int]
    comment: str
    category: str
    forwarded: bool
    created_at: str


async def file_report(
    svc: Services,
    reporter: Account,
    *,
    account_id: int | None,
    status_ids: Sequence[int] = (),
    comment: str = "",
    category: str | None = None,
    forward: bool = False,
) -> FiledReport:
    """File a report about an account and some of its posts.

    NotFound for an unknown account or a post that is not theirs; Invalid for a
    missing account, an unknown category, a long comment, or a report about oneself.
    """
    del forward  # TODO(#7): send a Flag from the instance actor once the outbox can build one.
    if account_id is None:
        raise Invalid.field("account_id", "can't be blank")
    chosen = (category or "other").strip()
    if chosen not in CATEGORIES:
        raise Invalid.field("category", "must be one of " + ", ".join(CATEGORIES))
    text = comment.strip()
    if len(text) > MAX_COMMENT:
        raise Invalid.field("comment", f"is too long (maximum is {MAX_COMMENT} characters)")
    wanted = list(dict.fromkeys(status_ids))[:MAX_STATUSES]
    report_id = new_id()
    async with svc.db.write() as tx:
        target = await account_store.get_account(tx, account_id)
        if target is None or target.deleted_at:
            raise NotFound(NOT_FOUND)
        if target.id == reporter.id:
            raise Invalid.field("account_id", "cannot be yourself")
        posts = await post_store.get_posts(tx, wanted)
        if any(i not in posts or posts[i].account_id != target.id for i in wanted):
            raise NotFound(NOT_FOUND)
        await report_store.insert_user_report(
            tx,
            id=report_id,
            account_id=reporter.id,
            target_account_id=target.id,
            post_ids=wanted,
            comment=text,
            category=chosen,
            forwarded=False,
        )
    return FiledReport(
        id=report_id,
        target=target,
        post_ids=sorted(set(wanted)),
        comment=text,
        category=chosen,
        forwarded=False,
        created_at=now_db(),
    )
