"""`/api/v1/accounts`: credentials, profiles, lookup, search, statuses, follows, relationships,
and the actions on an account (reference §5.4)."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.account_actions import (
    CredentialsChange,
    block_by_id,
    follow_by_id,
    mute_by_id,
    remove_follower,
    unblock_by_id,
    unfollow_by_id,
    unmute_by_id,
    update_credentials,
)
from fedi.api_reads import accounts as reads
from fedi.api_reads.accounts import AccountInfo, StatusFilters
from fedi.api_reads.relationships import load_relationships
from fedi.api_reads.statuses import AccountPage
from fedi.follow_options import FollowOptions
from fedi.media.avatars import ImageChange
from fedi.profile_options import ProfileOptions
from fedi.web.api.auth import api_auth, current_account, current_viewer, viewer_id
from fedi.web.api.entities import account_entity, relationship_entities, relationship_entity
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.api.statuses import cursor_of
from fedi.web.api.timelines import statuses_response
from fedi.web.auth import services

bp = Blueprint("api_accounts", __name__)

MAX_RELATIONSHIPS = 80


def _info(info: AccountInfo) -> dict[str, object]:
    return account_entity(services(), info.account, counts=info.counts)


def _accounts(page: AccountPage) -> Response:
    svc = services()
    items = [account_entity(svc, a, counts=page.counts.get(a.id)) for a in page.accounts]
    return paginated(items, page.cursor_ids)


async def _credential_response() -> Response:
    found = await reads.credentials(services(), current_account().id)
    return api_json(
        account_entity(
            services(),
            found.account,
            counts=found.counts,
            source=True,
            user=found.user,
            follow_requests_count=found.follow_requests,
        )
    )


@bp.get("/api/v1/accounts/verify_credentials")
@api_auth("read:accounts", "profile")
async def verify_credentials() -> Response:
    """The viewer's own account with `source` and `role` (CredentialAccount)."""
    return await _credential_response()


def _fields(params: Params) -> list[tuple[str, str]] | None:
    if not params.has("fields_attributes"):
        return None
    return [
        (str(f.get("name", "")), str(f.get("value", "")))
        for f in params.records("fields_attributes")
    ]


def _image(params: Params, slot: str) -> ImageChange:
    """A new avatar or header (multipart file) and/or its alt text (`avatar_description`)."""
    upload = params.file(slot)
    return ImageChange(
        data=upload.read() if upload is not None else None,
        filename=(upload.filename or "") if upload is not None else "",
        description=params.opt_str(f"{slot}_description"),
    )


@bp.patch("/api/v1/accounts/update_credentials")
@api_auth("write:accounts")
async def patch_credentials() -> Response:
    """Change the profile (display name, bio, fields, locked, discoverable, bot, indexable,
    hide_collections, source[privacy|sensitive|language], avatar, header)."""
    params = await api_params()
    source = params.sub("source")
    change = CredentialsChange(
        display_name=params.opt_str("display_name"),
        note=params.opt_str("note"),
        locked=params.opt_bool("locked"),
        discoverable=params.opt_bool("discoverable"),
        fields=_fields(params),
        privacy=source.opt_str("privacy") or None,
        options=ProfileOptions(
            bot=params.opt_bool("bot"),
            indexable=params.opt_bool("indexable"),
            hide_collections=params.opt_bool("hide_collections"),
            sensitive=source.opt_bool("sensitive"),
            language=source.opt_str("language"),
        ),
        avatar=_image(params, "avatar"),
        header=_image(params, "header"),
    )
    await update_credentials(services(), current_viewer(), change)
    return await _credential_response()


@bp.get("/api/v1/accounts/relationships")
@api_auth("read:follows", "follow")
async def relationships() -> Response:
    """One Relationship per `id[]` (or `id`), in the order asked."""
    params = await api_params()
    ids = params.ids("id")[:MAX_RELATIONSHIPS]
    rels = await load_relationships(services(), current_account().id, ids)
    return api_json(relationship_entities(rels))


@bp.get("/api/v1/accounts/familiar_followers")
@api_auth("read:follows", "follow")
async def familiar_followers() -> Response:
    """Per `id[]`: the accounts the viewer follows that follow it."""
    params = await api_params()
    found = await reads.familiar_followers(services(), current_account().id, params.ids("id"))
    return api_json(
        [{"id": str(target), "accounts": [_info(i) for i in infos]} for target, infos in found]
    )


@bp.get("/api/v1/accounts/lookup")
@api_auth("read:accounts", user=None)
async def lookup() -> Response:
    """An account known here by `acct` (`name` or `name@host`); 404 otherwise."""
    params = await api_params()
    return api_json(_info(await reads.lookup_account(services(), params.str("acct"))))


@bp.get("/api/v1/accounts/search")
@api_auth("read:accounts")
async def search() -> Response:
    """Accounts by name or handle; `resolve` looks an unknown `name@host` up by WebFinger."""
    params = await api_params()
    found = await reads.search_accounts(
        services(),
        viewer_id(),
        params.str("q"),
        resolve=params.bool("resolve"),
        limit=params.int("limit", 40, low=1, high=80) or 40,
        offset=params.int("offset", 0, low=0) or 0,
        following=params.bool("following"),
    )
    return api_json([_info(i) for i in found])


@bp.get("/api/v1/accounts/<int:account_id>")
@api_auth("read:accounts", user=None)
async def show(account_id: int) -> Response:
    """An account known here (local or remote)."""
    return api_json(_info(await reads.get_account(services(), account_id)))


@bp.get("/api/v1/accounts")
@api_auth("read:accounts", user=None)
async def many() -> Response:
    """Several accounts by `id[]`, the known ones, in the order asked."""
    params = await api_params()
    return api_json([_info(i) for i in await reads.get_accounts(services(), params.ids("id"))])


@bp.get("/api/v1/accounts/<int:account_id>/statuses")
@api_auth("read:statuses", user=None)
async def statuses(account_id: int) -> Response:
    """An account's statuses the viewer may see; `pinned`, `exclude_replies`,
    `exclude_reblogs`, `only_media`, `tagged`."""
    params = await api_params()
    filters = StatusFilters(
        pinned=params.bool("pinned"),
        exclude_replies=params.bool("exclude_replies"),
        exclude_reblogs=params.bool("exclude_reblogs"),
        only_media=params.bool("only_media"),
        tagged=params.opt_str("tagged") or None,
    )
    page = await reads.account_statuses(
        services(), viewer_id(), account_id, cursor_of(params), filters
    )
    return await statuses_response(page)


@bp.get("/api/v1/accounts/<int:account_id>/followers")
@api_auth("read:accounts", user=None)
async def followers(account_id: int) -> Response:
    """Accounts following this one, newest first (Link-paginated by follow id)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    return _accounts(
        await reads.follow_list(
            services(), account_id, cursor, outgoing=False, viewer_id=viewer_id()
        )
    )


@bp.get("/api/v1/accounts/<int:account_id>/following")
@api_auth("read:accounts", user=None)
async def following(account_id: int) -> Response:
    """Accounts this one follows, newest first (Link-paginated by follow id)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    return _accounts(
        await reads.follow_list(
            services(), account_id, cursor, outgoing=True, viewer_id=viewer_id()
        )
    )


@bp.post("/api/v1/accounts/<int:account_id>/follow")
@api_auth("write:follows")
async def follow(account_id: int) -> Response:
    """Follow (or ask to) with `reblogs`, `notify` and `languages[]`; following again changes
    them (absent ones stay). Answers the Relationship."""
    params = await api_params()
    options = FollowOptions(
        reblogs=params.opt_bool("reblogs"),
        notify=params.opt_bool("notify"),
        languages=params.list("languages") if params.has("languages") else None,
    )
    rel = await follow_by_id(services(), current_account(), account_id, options)
    return api_json(relationship_entity(rel))


@bp.post("/api/v1/accounts/<int:account_id>/unfollow")
@api_auth("write:follows")
async def unfollow(account_id: int) -> Response:
    """Stop following or withdraw the request."""
    rel = await unfollow_by_id(services(), current_account(), account_id)
    return api_json(relationship_entity(rel))


@bp.post("/api/v1/accounts/<int:account_id>/remove_from_followers")
@api_auth("write:follows")
async def remove_from_followers(account_id: int) -> Response:
    """Make this account stop following the viewer."""
    rel = await remove_follower(services(), current_account(), account_id)
    return api_json(relationship_entity(rel))


@bp.post("/api/v1/accounts/<int:account_id>/block")
@api_auth("write:blocks")
async def block(account_id: int) -> Response:
    """Block an account."""
    return api_json(
        relationship_entity(await block_by_id(services(), current_account(), account_id))
    )


@bp.post("/api/v1/accounts/<int:account_id>/unblock")
@api_auth("write:blocks")
async def unblock(account_id: int) -> Response:
    """Lift a block."""
    rel = await unblock_by_id(services(), current_account(), account_id)
    return api_json(relationship_entity(rel))


@bp.post("/api/v1/accounts/<int:account_id>/mute")
@api_auth("write:mutes")
async def mute(account_id: int) -> Response:
    """Mute an account; `notifications` (default true) and `duration` (seconds, 0 = forever)."""
    params = await api_params()
    duration = params.int("duration", 0, low=0)
    rel = await mute_by_id(
        services(),
        current_account(),
        account_id,
        notifications=params.bool("notifications", True),
        duration_seconds=duration or None,
    )
    return api_json(relationship_entity(rel))


@bp.post("/api/v1/accounts/<int:account_id>/unmute")
@api_auth("write:mutes")
async def unmute(account_id: int) -> Response:
    """Lift a mute."""
    rel = await unmute_by_id(services(), current_account(), account_id)
    return api_json(relationship_entity(rel))
