"""The Announcement entity and the payloads of the announcement streaming events."""

from __future__ import annotations

from typing import Any

from fedi.announcements import AnnouncementView, current_announcement
from fedi.context import Services
from fedi.events import AnnouncementChanged
from fedi.web.api.entities import JsonDict, tag_entity


def announcement_entity(svc: Services, view: AnnouncementView) -> JsonDict:
    """The Announcement entity: every field present (`read` and `me` for the viewer)."""
    item = view.announcement
    return {
        "id": str(item.id),
        "content": item.content_html,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "all_day": bool(item.all_day),
        "published_at": item.published_at or item.created_at,
        "updated_at": item.updated_at,
        "read": view.read,
        "mentions": [
            {
                "id": str(a.id),
                "username": a.username,
                "url": a.url or a.uri,
                "acct": a.acct,
            }
            for a in view.mentions
        ],
        "statuses": [],
        "tags": [tag_entity(svc, t) for t in item.hashtags],
        "emojis": [],
        "reactions": [
            {"name": r.name, "count": r.count, "me": r.me, "url": "", "static_url": ""}
            for r in view.reactions
        ],
    }


async def stream_payload(svc: Services, viewer_id: int, event: AnnouncementChanged) -> Any:
    """The streaming payload of an announcement event for one viewer: the entity for
    `announcement` (None once it is no longer current), `{name, count, announcement_id}` for
    `announcement.reaction`, the id for `announcement.delete`."""
    if event.event == "announcement.reaction":
        return {
            "name": event.reaction,
            "count": event.count,
            "announcement_id": str(event.announcement_id),
        }
    if event.event == "announcement":
        view = await current_announcement(svc, viewer_id, event.announcement_id)
        return None if view is None else announcement_entity(svc, view)
    return str(event.announcement_id)
