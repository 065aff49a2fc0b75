"""`/api/v1/statuses`: post, read, edit, delete, and act on statuses (reference §5.3)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.api_reads import statuses as reads
from fedi.api_reads.bundles import Cursor
from fedi.errors import Invalid, NotFound
from fedi.media.attach import MediaChange
from fedi.media.uploads import parse_focus
from fedi.outbox.commands import PostDraft
from fedi.scheduled import parse_time, schedule_status
from fedi.status_actions import (
    StatusChange,
    bookmark_post,
    delete_status,
    edit_status,
    favourite_status,
    mute_conversation,
    pin_post,
    post_status,
    reblog_status,
    unbookmark_post,
    unfavourite_status,
    unmute_conversation,
    unpin_post,
    unreblog_status,
)
from fedi.storage.rows import Post
from fedi.visibility import NOT_FOUND_MESSAGE
from fedi.web.api.auth import api_auth, current_account, current_grant, viewer_id
from fedi.web.api.entities import (
    account_entity,
    bundle_entities,
    context_entity,
    status_edit_entity,
    status_entities,
    status_source_entity,
)
from fedi.web.api.entities_media import media_entity
from fedi.web.api.entities_polls import status_edit_poll
from fedi.web.api.params import Params, api_params
from fedi.web.api.polls import poll_param
from fedi.web.api.responses import api_json, page_request, paginated
from fedi.web.api.scheduled_statuses import scheduled_status_entity
from fedi.web.auth import services

bp = Blueprint("api_statuses", __name__)

VISIBILITIES = ("public", "unlisted", "private", "direct")


def cursor_of(params: Params, *, default: int = 20, maximum: int = 40) -> Cursor:
    """The paging cursor of a request (`max_id`, `since_id`, `min_id`, `limit`)."""
    page = page_request(params, default=default, maximum=maximum)
    return Cursor(max_id=page.max_id, since_id=page.since_id, min_id=page.min_id, limit=page.limit)


async def _entity(post: Post, *, check_visibility: bool = True) -> Response:
    found = await status_entities(
        services(), None, viewer_id(), [post], check_visibility=check_visibility
    )
    if not found:
        raise NotFound(NOT_FOUND_MESSAGE)
    return api_json(found[0])


def _draft(params: Params) -> PostDraft:
    visibility = params.opt_str("visibility")
    if visibility is not None and visibility.strip() == "":
        visibility = None
    if visibility is not None and visibility not in VISIBILITIES:
        raise Invalid.field("visibility", "must be public, unlisted, private or direct")
    reply = params.opt_str("in_reply_to_id")
    reply_id = params.id("in_reply_to_id")
    if reply is not None and reply.strip() and reply_id is None:
        raise Invalid.field("in_reply_to_id", "is not a status id")
    return PostDraft(
        text=params.str("status"),
        content_warning=params.str("spoiler_text"),
        visibility=visibility,
        in_reply_to_id=reply_id,
        sensitive=params.opt_bool("sensitive"),
        language=params.opt_str("language"),
        media_ids=tuple(params.ids("media_ids")),
        poll=poll_param(params),
    )


@bp.post("/api/v1/statuses")
@api_auth("write:statuses")
async def create() -> Response:
    """Publish a status; a repeated Idempotency-Key answers with the first one."""
    params = await api_params()
    grant = current_grant()
    if params.str("scheduled_at").strip():
        return await _schedule(params)
    post = await post_status(
        services(),
        current_account(),
        _draft(params),
        app_id=grant.app.id if grant is not None else None,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return await _entity(post, check_visibility=False)


async def _schedule(params: Params) -> Response:
    """`scheduled_at` given: answer a ScheduledStatus (a repeated Idempotency-Key replays it)."""
    svc, grant = services(), current_grant()
    view = await schedule_status(
        svc,
        current_account(),
        _draft(params),
        scheduled_at=parse_time(params.str("scheduled_at")),
        app_id=grant.app.id if grant is not None else None,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    return api_json(scheduled_status_entity(svc, view))


@bp.get("/api/v1/statuses")
@api_auth("read:statuses", user=None)
async def many() -> Response:
    """Several statuses by `id[]`, the visible ones, in the order asked."""
    params = await api_params()
    bundle = await reads.get_statuses(services(), viewer_id(), params.ids("id"))
    return api_json(bundle_entities(services(), bundle))


@bp.get("/api/v1/statuses/<int:status_id>")
@api_auth("read:statuses", user=None)
async def show(status_id: int) -> Response:
    """One status (404 when hidden from the viewer, as its page)."""
    bundle = await reads.get_status(services(), viewer_id(), status_id)
    return api_json(bundle_entities(services(), bundle)[0])


@bp.delete("/api/v1/statuses/<int:status_id>")
@api_auth("write:statuses")
async def delete(status_id: int) -> Response:
    """Delete one's own status; answers it as it was, with its source `text` (delete & redraft)."""
    svc, account = services(), current_account()
    bundle = await reads.get_status(svc, account.id, status_id)
    entity = bundle_entities(svc, bundle)[0]
    post = await delete_status(svc, account, status_id)
    entity["text"] = post.source
    entity["spoiler_text"] = post.content_warning
    return api_json(entity)


@bp.put("/api/v1/statuses/<int:status_id>")
@api_auth("write:statuses")
async def edit(status_id: int) -> Response:
    """Edit one's own status; what is left out stays as it was, except the poll (Mastodon: one
    sent replaces it, resetting the votes if its options change; none sent removes it)."""
    params = await api_params()
    media_ids = tuple(params.ids("media_ids")) if params.has("media_ids") else None
    poll = poll_param(params)
    change = StatusChange(
        text=params.opt_str("status"),
        content_warning=params.opt_str("spoiler_text"),
        sensitive=params.opt_bool("sensitive"),
        language=params.opt_str("language"),
        media_ids=media_ids,
        poll=poll,
        remove_poll=poll is None,
        media_changes=_media_changes(params),
    )
    post = await edit_status(services(), current_account(), status_id, change)
    return await _entity(post)


def _media_changes(params: Params) -> tuple[MediaChange, ...]:
    """`media_attributes[][id|description|focus]` (Mastodon 4.1: alt text edited with a post)."""
    changes = []
    for record in params.records("media_attributes"):
        try:
            media_id = int(str(record.get("id", "")))
        except ValueError as exc:
            raise Invalid.field("media_attributes", "Each entry needs the id of a file.") from exc
        description = record.get("description")
        changes.append(
            MediaChange(
                media_id=media_id,
                description=None if description is None else str(description),
                focus=parse_focus(str(record["focus"])) if record.get("focus") else None,
            )
        )
    return tuple(changes)


@bp.get("/api/v1/statuses/<int:status_id>/context")
@api_auth("read:statuses", user=None)
async def context(status_id: int) -> Response:
    """Ancestors (oldest first) and descendants (thread order) the viewer may see."""
    svc = services()
    found = await reads.status_context(svc, viewer_id(), status_id)
    ancestors = bundle_entities(svc, found.ancestors)
    descendants = bundle_entities(svc, found.descendants)
    return api_json(context_entity(ancestors, descendants))


@bp.get("/api/v1/statuses/<int:status_id>/history")
@api_auth("read:statuses", user=None)
async def history(status_id: int) -> Response:
    """Every version of a status, oldest first, the original included; each with the
    attachments (and alt text) and poll options it had."""
    svc = services()
    found = await reads.status_history(svc, viewer_id(), status_id)
    item = found.bundle.items[0]
    account = account_entity(
        svc,
        found.bundle.rows.accounts[item.shown.account_id],
        counts=found.bundle.counts(item.shown.account_id),
    )
    return api_json(
        [
            status_edit_entity(
                version, account, media=[media_entity(svc, m) for m in version.media]
            )
            | {"poll": status_edit_poll(version.poll)}
            for version in found.versions
        ]
    )


@bp.get("/api/v1/statuses/<int:status_id>/source")
@api_auth("read:statuses")
async def source(status_id: int) -> Response:
    """The text of a status as written, for editing."""
    return api_json(
        status_source_entity(await reads.status_source(services(), viewer_id(), status_id))
    )


@bp.post("/api/v1/statuses/<int:status_id>/favourite")
@api_auth("write:favourites")
async def favourite(status_id: int) -> Response:
    """Like a status (idempotent)."""
    return await _entity(await favourite_status(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/unfavourite")
@api_auth("write:favourites")
async def unfavourite(status_id: int) -> Response:
    """Remove a like (idempotent)."""
    return await _entity(await unfavourite_status(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/reblog")
@api_auth("write:statuses")
async def reblog(status_id: int) -> Response:
    """Boost a status; answers the boost, whose `reblog` is the original."""
    return await _entity(await reblog_status(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/unreblog")
@api_auth("write:statuses")
async def unreblog(status_id: int) -> Response:
    """Withdraw a boost; answers the original."""
    return await _entity(await unreblog_status(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/bookmark")
@api_auth("write:bookmarks")
async def bookmark(status_id: int) -> Response:
    """Bookmark a status (idempotent)."""
    return await _entity(await bookmark_post(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/unbookmark")
@api_auth("write:bookmarks")
async def unbookmark(status_id: int) -> Response:
    """Remove a bookmark (idempotent)."""
    return await _entity(await unbookmark_post(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/pin")
@api_auth("write:accounts")
async def pin(status_id: int) -> Response:
    """Pin one's own public or unlisted status to the profile (at most five)."""
    return await _entity(await pin_post(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/unpin")
@api_auth("write:accounts")
async def unpin(status_id: int) -> Response:
    """Unpin a status (idempotent)."""
    return await _entity(await unpin_post(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/mute")
@api_auth("write:mutes")
async def mute(status_id: int) -> Response:
    """Mute the conversation: no notifications from that thread any more."""
    return await _entity(await mute_conversation(services(), current_account(), status_id))


@bp.post("/api/v1/statuses/<int:status_id>/unmute")
@api_auth("write:mutes")
async def unmute(status_id: int) -> Response:
    """Unmute the conversation (idempotent)."""
    return await _entity(await unmute_conversation(services(), current_account(), status_id))


async def _accounts(page: reads.AccountPage) -> Response:
    svc = services()
    items = [account_entity(svc, a, counts=page.counts.get(a.id)) for a in page.accounts]
    return paginated(items, page.cursor_ids)


@bp.get("/api/v1/statuses/<int:status_id>/reblogged_by")
@api_auth("read:statuses", user=None)
async def reblogged_by(status_id: int) -> Response:
    """Who boosted a status, newest first (Link-paginated by boost id)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    return await _accounts(await reads.status_boosters(services(), viewer_id(), status_id, cursor))


@bp.get("/api/v1/statuses/<int:status_id>/favourited_by")
@api_auth("read:statuses", user=None)
async def favourited_by(status_id: int) -> Response:
    """Who liked a status, newest first (Link-paginated by like id)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    return await _accounts(await reads.status_likers(services(), viewer_id(), status_id, cursor))
