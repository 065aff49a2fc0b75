"""Reports users file about accounts (and some of their posts), for the moderators.

Stored in `reports` beside the ones other servers send us as Flag. With `forward`, a report about
a remote account also goes to that account's server as a Flag from the instance actor (so the
reporter stays anonymous there), queued in the report's transaction
(`moderation.report_forward`); `forwarded` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fedi.context import Services
from fedi.errors import Forbidden, Invalid, NotFound
from fedi.moderation.blocks import account_by_acct
from fedi.moderation.report_forward import enqueue_forward
from fedi.posts_view import PostView, account_path
from fedi.storage import accounts as account_store
from fedi.storage import posts as post_store
from fedi.storage import reports as report_store
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id
from fedi.storage.rows import Account
from fedi.timelines import account_posts

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
    `forward` (remote accounts only) queues a Flag to their server in the same transaction.
    """
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
        forwarded = forward and await enqueue_forward(
            svc,
            tx,
            report_id=report_id,
            target=target,
            post_uris=[posts[i].uri for i in wanted],
            comment=text,
        )
        await report_store.insert_user_report(
            tx,
            id=report_id,
            account_id=reporter.id,
            target_account_id=target.id,
            post_ids=wanted,
            comment=text,
            category=chosen,
            forwarded=forwarded,
        )
    return FiledReport(
        id=report_id,
        target=target,
        post_ids=sorted(set(wanted)),
        comment=text,
        category=chosen,
        forwarded=forwarded,
        created_at=now_db(),
    )


# --- the web report form -------------------------------------------------------------------------

CATEGORY_LABELS = (
    ("spam", "Spam", "Unwanted ads, scams, or the same thing posted over and over."),
    ("legal", "Illegal content", "Something that breaks the law where you or the server are."),
    ("violation", "Breaks the server's rules", "Harassment, hate, or another rule of the server."),
    ("other", "Something else", "None of these: say what is wrong in the comment."),
)
FORM_POSTS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportTarget:
    """Who a report form is about: the account, its recent posts this viewer can see, and the
    server a copy may be forwarded to (None for an account of this server)."""

    account: Account
    path: str
    posts: list[PostView]
    forward_host: str | None

    @property
    def handle(self) -> str:
        return "@" + self.account.acct


async def report_target(svc: Services, viewer: Account, acct: str) -> ReportTarget:
    """The report form's subject (`name` or `name@host`, known here); NotFound, or Forbidden
    for oneself. Reads only."""
    account = await account_by_acct(svc, acct)
    if account.id == viewer.id:
        raise Forbidden("You cannot report yourself.")
    posts = await account_posts(svc, viewer.id, account, limit=FORM_POSTS)
    return ReportTarget(
        account=account,
        path=account_path(account),
        posts=[p for p in posts if p.reblog is None and p.post.account_id == account.id],
        forward_host=None if account.local else account.domain,
    )


async def report_by_acct(
    svc: Services,
    reporter: Account,
    acct: str,
    *,
    status_ids: Sequence[int],
    comment: str,
    category: str,
    forward: bool,
) -> FiledReport:
    """File a report from the web form (`file_report`), with messages worded for the form's fields."""
    account = await account_by_acct(svc, acct)
    errors: dict[str, str] = {}
    if category not in CATEGORIES:
        errors["category"] = "Choose what is wrong."
    length = len(comment.strip())
    if length > MAX_COMMENT:
        errors["comment"] = f"Your comment is {length} characters; the limit is {MAX_COMMENT}."
    if errors:
        raise Invalid(field_errors=errors)
    try:
        return await file_report(
            svc,
            reporter,
            account_id=account.id,
            status_ids=status_ids,
            comment=comment,
            category=category,
            forward=forward and not account.local,
        )
    except NotFound:
        raise Invalid.field("status_ids", "Some of the posts you ticked are not theirs.") from None
