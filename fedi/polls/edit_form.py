"""What the web edit page shows of a post's poll, to edit it with the post (fedi.polls.editing)."""

from __future__ import annotations

from dataclasses import dataclass

from fedi.context import Services
from fedi.outbox.posts import get_editable_post
from fedi.polls.view import poll_view
from fedi.storage import polls as poll_store
from fedi.storage.rows import Account, Post


@dataclass(frozen=True, slots=True, kw_only=True)
class EditablePoll:
    """A post's poll as its author edits it: options in order, its settings, when it ends
    (`Closes …` / `Closed …`) and how many people voted (an option change removes their votes)."""

    options: tuple[str, ...]
    multiple: bool
    hide_totals: bool
    ends_label: str
    voters: int


async def editable_post(
    svc: Services, editor: Account, username: str, post_id: int
) -> tuple[Post, EditablePoll | None]:
    """The post `/@username/<post_id>` the editor may edit (Forbidden if not theirs), with its
    poll (None: it has none)."""
    post = await get_editable_post(svc, editor, username, post_id)
    async with svc.db.read() as conn:
        poll = await poll_store.get_poll(conn, post.id)
    if poll is None:
        return post, None
    view = poll_view(poll, author_id=post.account_id, viewer_id=editor.id)
    return post, EditablePoll(
        options=poll.options,
        multiple=poll.multiple,
        hide_totals=poll.hide_totals,
        ends_label=view.ends_label,
        voters=poll.voters_count,
    )
