"""Build the JSON-LD documents we serve from plain inputs (pure: no I/O, no storage).

Shapes follow what Mastodon reads (reference: federation-interop.md section 2). Timestamps are
written `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, UTC) everywhere. Top-level documents get our fixed
`@context` (`with_context=True`); objects embedded in another document do not.
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fedi.activitypub.addressing import Audience
from fedi.activitypub.context import with_context as _add_context

JsonDict = dict[str, Any]

FIELD_LINK_REL = "me nofollow noopener noreferrer"
_URL_VALUE = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


def ap_time(value: str | datetime) -> str:
    """A stored timestamp (or datetime) as `2026-11-22T10:00:00Z`."""
    when = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(value.replace("Z", "+00:00"))
    )
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _top(document: JsonDict, with_context: bool) -> JsonDict:
    return _add_context(document) if with_context else document


def field_value_html(value: str) -> str:
    """A profile field value as HTML: a lone http(s) URL becomes a rel="me" link, else text."""
    text = value.strip()
    if _URL_VALUE.match(text):
        escaped = html.escape(text, quote=True)
        return (
            f'<a href="{escaped}" target="_blank" rel="{FIELD_LINK_REL}" translate="no">'
            f"{escaped}</a>"
        )
    return html.escape(text, quote=False)


def image(url: str, *, media_type: str = "", name: str = "") -> JsonDict:
    """An `Image` object for an avatar or header URL (mediaType guessed from the name if not given);
    `name` is its alt text."""
    doc: JsonDict = {"type": "Image", "url": url}
    if not media_type:
        media_type = mimetypes.guess_type(url.split("?", 1)[0])[0] or ""
    if media_type and media_type.startswith("image/"):
        doc["mediaType"] = media_type
    if name:
        doc["name"] = name
    return doc


def attachment(
    *,
    type: str,
    media_type: str,
    url: str,
    name: str = "",
    blurhash: str | None = None,
    focal_point: tuple[float, float] | None = None,
    width: int | None = None,
    height: int | None = None,
) -> JsonDict:
    """A media attachment of a Note as Mastodon sends it (`name` is the alt text, null if none)."""
    doc: JsonDict = {"type": type, "mediaType": media_type, "url": url, "name": name or None}
    if blurhash:
        doc["blurhash"] = blurhash
    if focal_point is not None:
        doc["focalPoint"] = [round(focal_point[0], 2), round(focal_point[1], 2)]
    if width:
        doc["width"] = width
    if height:
        doc["height"] = height
    return doc


def public_key(*, key_id: str, owner: str, pem: str) -> JsonDict:
    """The `publicKey` object of an actor."""
    return {"id": key_id, "owner": owner, "publicKeyPem": pem}


def person(
    *,
    id: str,
    username: str,
    name: str,
    summary: str,
    url: str,
    inbox: str,
    outbox: str,
    followers: str,
    following: str,
    featured: str,
    shared_inbox: str,
    key_id: str,
    public_key_pem: str,
    manually_approves_followers: bool,
    discoverable: bool,
    indexable: bool,
    published: str | datetime,
    fields: Sequence[tuple[str, str]] = (),
    icon_url: str = "",
    image_url: str = "",
    icon_name: str = "",
    image_name: str = "",
    actor_type: str = "Person",
    suspended: bool = False,
    also_known_as: Sequence[str] = (),
    featured_tags: str = "",
    with_context: bool = True,
) -> JsonDict:
    """A local actor (`Person`, or `Service`/`Application` for bots); `fields` are (name, html)."""
    doc: JsonDict = {
        "id": id,
        "type": actor_type,
        "following": following,
        "followers": followers,
        "inbox": inbox,
        "outbox": outbox,
        "featured": featured,
        **({"featuredTags": featured_tags} if featured_tags else {}),
        "preferredUsername": username,
        "name": name,
        "summary": summary,
        "url": url,
        "manuallyApprovesFollowers": manually_approves_followers,
        "discoverable": discoverable,
        "indexable": indexable,
        "published": ap_time(published),
        "publicKey": public_key(key_id=key_id, owner=id, pem=public_key_pem),
        "tag": [],
        "attachment": [
            {"type": "PropertyValue", "name": field_name, "value": value_html}
            for field_name, value_html in fields
        ],
        "endpoints": {"sharedInbox": shared_inbox},
    }
    if also_known_as:
        doc["alsoKnownAs"] = list(also_known_as)
    if suspended:
        doc["suspended"] = True
    if icon_url:
        doc["icon"] = image(icon_url, name=icon_name)
    if image_url:
        doc["image"] = image(image_url, name=image_name)
    return _top(doc, with_context)


def instance_actor(
    *,
    id: str,
    domain: str,
    url: str,
    inbox: str,
    outbox: str,
    shared_inbox: str,
    key_id: str,
    public_key_pem: str,
    with_context: bool = True,
) -> JsonDict:
    """The instance actor (`Application`, named after the domain), used to sign fetches."""
    doc: JsonDict = {
        "id": id,
        "type": "Application",
        "inbox": inbox,
        "outbox": outbox,
        "preferredUsername": domain,
        "name": domain,
        "url": url,
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "indexable": False,
        "publicKey": public_key(key_id=key_id, owner=id, pem=public_key_pem),
        "endpoints": {"sharedInbox": shared_inbox},
    }
    return _top(doc, with_context)


def mention_tag(*, href: str, name: str) -> JsonDict:
    """A `Mention` tag; `name` is `@user@host`."""
    return {"type": "Mention", "href": href, "name": name}


def hashtag_tag(*, href: str, name: str) -> JsonDict:
    """A `Hashtag` tag; `name` is the bare tag, written `#tag`."""
    return {"type": "Hashtag", "href": href, "name": "#" + name.lstrip("#")}


def collection_summary(*, id: str, total_items: int) -> JsonDict:
    """A `Collection` that only tells how many items it has (likes, shares)."""
    return {"id": id, "type": "Collection", "totalItems": total_items}


def replies_collection(*, id: str, total_items: int, items: Sequence[str] = ()) -> JsonDict:
    """The `replies` of a note: a Collection whose `first` page is embedded."""
    return {
        "id": id,
        "type": "Collection",
        "totalItems": total_items,
        "first": {"type": "CollectionPage", "partOf": id, "items": list(items)},
    }


def note(
    *,
    id: str,
    attributed_to: str,
    content: str,
    url: str,
    published: str | datetime,
    audience: Audience,
    summary: str | None = None,
    sensitive: bool = False,
    language: str | None = None,
    updated: str | datetime | None = None,
    in_reply_to: str | None = None,
    tags: Iterable[JsonDict] = (),
    attachments: Iterable[JsonDict] = (),
    replies_count: int = 0,
    likes_count: int = 0,
    shares_count: int = 0,
    with_context: bool = True,
) -> JsonDict:
    """A `Note` (status) with its addressing, tags and reply/like/share collections."""
    doc: JsonDict = {
        "id": id,
        "type": "Note",
        "summary": summary or None,
        "inReplyTo": in_reply_to,
        "published": ap_time(published),
        "url": url,
        "attributedTo": attributed_to,
        **audience.as_dict(),
        "sensitive": sensitive,
        "content": content,
    }
    if language:
        doc["contentMap"] = {language: content}
    if updated:
        doc["updated"] = ap_time(updated)
    doc["attachment"] = list(attachments)
    doc["tag"] = list(tags)
    doc["replies"] = replies_collection(id=f"{id}/replies", total_items=replies_count)
    doc["likes"] = collection_summary(id=f"{id}/likes", total_items=likes_count)
    doc["shares"] = collection_summary(id=f"{id}/shares", total_items=shares_count)
    return _top(doc, with_context)


def tombstone(
    *, id: str, deleted: str | datetime | None, former_type: str = "Note", with_context: bool = True
) -> JsonDict:
    """What a deleted object's URL answers (with 410 Gone)."""
    doc: JsonDict = {"id": id, "type": "Tombstone", "formerType": former_type}
    if deleted:
        doc["deleted"] = ap_time(deleted)
    return _top(doc, with_context)


def create(
    *,
    object: JsonDict,
    actor: str,
    id: str | None = None,
    with_context: bool = True,
) -> JsonDict:
    """A `Create` of an object (id `<object id>/activity`), addressed like the object."""
    doc: JsonDict = {
        "id": id or f"{object['id']}/activity",
        "type": "Create",
        "actor": actor,
        "published": object.get("published"),
        "to": list(object.get("to", [])),
        "cc": list(object.get("cc", [])),
        "object": {k: v for k, v in object.items() if k != "@context"},
    }
    return _top(doc, with_context)


def ordered_collection(
    *,
    id: str,
    total_items: int,
    first: str | JsonDict | None = None,
    last: str | None = None,
    ordered_items: Sequence[Any] | None = None,
    with_context: bool = True,
) -> JsonDict:
    """An `OrderedCollection`: either paged (`first`/`last`) or with its items inline."""
    doc: JsonDict = {"id": id, "type": "OrderedCollection", "totalItems": total_items}
    if first is not None:
        doc["first"] = first
    if last is not None:
        doc["last"] = last
    if ordered_items is not None:
        doc["orderedItems"] = list(ordered_items)
    return _top(doc, with_context)


def ordered_collection_page(
    *,
    id: str,
    part_of: str,
    items: Sequence[Any],
    next: str | None = None,
    prev: str | None = None,
    total_items: int | None = None,
    with_context: bool = True,
) -> JsonDict:
    """One `OrderedCollectionPage`, newest first, linked by `next`/`prev` and `partOf`."""
    doc: JsonDict = {"id": id, "type": "OrderedCollectionPage"}
    if total_items is not None:
        doc["totalItems"] = total_items
    if next:
        doc["next"] = next
    if prev:
        doc["prev"] = prev
    doc["partOf"] = part_of
    doc["orderedItems"] = list(items)
    return _top(doc, with_context)
