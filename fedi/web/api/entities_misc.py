"""Entities of the misc client API (reference §6.4, §6.8): Notification, List, Filter v1 (v2 and
FilterResult are in `entities_filters.py`), Marker, Conversation, Tag, Report, Suggestion,
Preferences, Search.

Statuses and accounts inside them come from `entities.py` (batched: one query per kind for a
page). Ids are decimal strings; a Tag has no row of its own here, so its id is a stable number
derived from its name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from fedi.context import Services
from fedi.conversations import ConversationPage
from fedi.filters import FilterMatch
from fedi.filters_v1 import V1Filter
from fedi.lists import UserList
from fedi.markers import Marker
from fedi.notification_queries import NotificationList
from fedi.paging import Window
from fedi.reports import FiledReport
from fedi.search import SearchResults
from fedi.storage.rows import Account, Post, User
from fedi.suggestions import Suggestion
from fedi.tags import TagInfo
from fedi.web.api.entities import account_entities, status_entities
from fedi.web.api.entities_filters import filter_result_entities
from fedi.web.api.params import Params
from fedi.web.api.responses import page_request

JsonDict = dict[str, Any]


def window_of(params: Params, *, default: int = 20, maximum: int = 40) -> Window:
    """The paging window of a request (`max_id`, `since_id`, `min_id`, `limit`)."""
    page = page_request(params, default=default, maximum=maximum)
    return Window(max_id=page.max_id, since_id=page.since_id, min_id=page.min_id, limit=page.limit)


# --- filters ----------------------------------------------------------------------------------


def v1_filter_entity(found: V1Filter) -> JsonDict:
    """The v1 Filter: one keyword with its filter's context, expiry and action."""
    return {
        "id": str(found.keyword.id),
        "phrase": found.keyword.keyword,
        "context": found.filter.contexts,
        "whole_word": bool(found.keyword.whole_word),
        "expires_at": found.filter.expires_at,
        "irreversible": found.filter.filter_action == "hide",
    }


async def statuses_of(
    svc: Services,
    viewer_id: int | None,
    posts: Sequence[Post],
    matches: Mapping[int, Sequence[FilterMatch]] | None = None,
) -> list[JsonDict]:
    """Status entities for posts, with their filter warnings."""
    return await status_entities(
        svc, None, viewer_id, posts, filtered=filter_result_entities(matches or {})
    )


# --- notifications ----------------------------------------------------------------------------


async def notification_entities(
    svc: Services, viewer_id: int, page: NotificationList
) -> list[JsonDict]:
    """Notification entities (§6.4) for a page; one batch for the accounts, one for the statuses."""
    if not page.items:
        return []
    actors = list({i.account.id: i.account for i in page.items}.values())
    accounts = dict(
        zip((a.id for a in actors), await account_entities(svc, None, actors), strict=True)
    )
    posts = list({i.post.id: i.post for i in page.items if i.post is not None}.values())
    statuses = {int(s["id"]): s for s in await statuses_of(svc, viewer_id, posts, page.filtered)}
    out = []
    for item in page.items:
        n = item.notification
        entity: JsonDict = {
            "id": str(n.id),
            "type": item.type,
            "created_at": n.created_at,
            "group_key": f"ungrouped-{n.id}",
            "account": accounts[item.account.id],
        }
        if item.post is not None:
            status = statuses.get(item.post.id)
            if status is None:
                continue
            entity["status"] = status
        out.append(entity)
    return out


# --- lists, markers, preferences ----------------------------------------------------------------


def list_entity(user_list: UserList) -> JsonDict:
    """List: `{id, title, replies_policy, exclusive}`."""
    return {
        "id": str(user_list.id),
        "title": user_list.title,
        "replies_policy": user_list.replies_policy,
        "exclusive": bool(user_list.exclusive),
    }


def marker_entities(markers: Sequence[Marker]) -> JsonDict:
    """Markers keyed by timeline: `{home: {last_read_id, version, updated_at}}`."""
    return {
        m.timeline: {
            "last_read_id": str(m.last_read_id),
            "version": m.version,
            "updated_at": m.updated_at,
        }
        for m in markers
    }


def preferences_entity(user: User) -> JsonDict:
    """Preferences (§5.4) from the user's settings."""
    return {
        "posting:default:visibility": user.default_visibility,
        "posting:default:sensitive": bool(user.default_sensitive),
        "posting:default:language": user.default_language or None,
        "posting:default:quote_policy": "public",
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
    }


# --- conversations ------------------------------------------------------------------------------


async def conversation_entities(
    svc: Services, viewer_id: int, page: ConversationPage
) -> list[JsonDict]:
    """Conversation entities: `{id, unread, accounts, last_status}` (batched)."""
    if not page.items:
        return []
    people = list({a.id: a for c in page.items for a in c.accounts}.values())
    accounts = dict(
        zip((a.id for a in people), await account_entities(svc, None, people), strict=True)
    )
    statuses = {
        int(s["id"]): s
        for s in await statuses_of(svc, viewer_id, [c.last_post for c in page.items], page.filtered)
    }
    out = []
    for item in page.items:
        status = statuses.get(item.last_post.id)
        if status is None:
            continue
        out.append(
            {
                "id": str(item.id),
                "unread": item.unread,
                "accounts": [accounts[a.id] for a in item.accounts],
                "last_status": status,
            }
        )
    return out


# --- tags, suggestions, reports, search ---------------------------------------------------------


def tag_id(name: str) -> str:
    """A stable numeric id for a hashtag (we keep no tag rows): 56 bits of its name's hash."""
    return str(int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big"))


def tag_entity(svc: Services, info: TagInfo) -> JsonDict:
    """Tag (§6.8) with 7 days of history (strings, newest day first) and `following`."""
    entity: JsonDict = {
        "id": tag_id(info.name),
        "name": info.name,
        "url": svc.url(f"/tags/{info.name}"),
        "history": [
            {"day": str(d.day), "uses": str(d.uses), "accounts": str(d.accounts)}
            for d in info.history
        ],
    }
    if info.following is not None:
        entity["following"] = info.following
        entity["featuring"] = bool(info.featuring)
    return entity


async def suggestion_entities(svc: Services, found: Sequence[Suggestion]) -> list[JsonDict]:
    """Suggestion (v2): `{source, sources, account}`."""
    accounts = await account_entities(svc, None, [s.account for s in found])
    return [
        {"source": s.source, "sources": list(s.sources), "account": account}
        for s, account in zip(found, accounts, strict=True)
    ]


async def report_entity(svc: Services, report: FiledReport) -> JsonDict:
    """Report: what was filed, about whom."""
    target = (await account_entities(svc, None, [report.target]))[0]
    return {
        "id": str(report.id),
        "action_taken": False,
        "action_taken_at": None,
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": report.created_at,
        "status_ids": [str(i) for i in report.post_ids] or None,
        "rule_ids": None,
        "target_account": target,
    }


async def search_entity(svc: Services, viewer_id: int | None, found: SearchResults) -> JsonDict:
    """Search: `{accounts, statuses, hashtags}`."""
    return {
        "accounts": await account_entities(svc, None, found.accounts),
        "statuses": await statuses_of(svc, viewer_id, found.statuses, found.filtered),
        "hashtags": [tag_entity(svc, t) for t in found.hashtags],
    }


async def account_list(svc: Services, accounts: Sequence[Account]) -> list[JsonDict]:
    """Account entities for a plain list of accounts."""
    return await account_entities(svc, None, list(accounts))
