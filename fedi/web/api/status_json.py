"""A page of Status entities encoded straight to JSON, for the timelines.

Most statuses of a timeline have no mentions and no poll: their entity is the parts every
viewer sees alike (`entities.shown_parts`, kept per process) and the viewer's marks. Those parts
are kept encoded too, and the viewer's marks are appended to them as bytes, so a page costs
neither forty dict copies nor encoding forty accounts again. The output is byte for byte what
encoding `bundle_entities` gives (the marks come last in both); boosts and statuses with
mentions or a poll are encoded whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fedi.api_reads.bundles import StatusBundle
from fedi.context import Services
from fedi.storage.rows import Post
from fedi.web.api.entities import item_entity, shown_parts, status_views
from fedi.web.api.entities_filters import filter_result_entities
from fedi.web.api.entity_cache import entity_cache
from fedi.web.api.responses import json_bytes

JsonDict = dict[str, Any]

_BOOL = (b"false", b"true")


def bundle_json(svc: Services, bundle: StatusBundle) -> bytes:
    """The JSON array `json_bytes(bundle_entities(svc, bundle))` would give."""
    filtered = filter_result_entities(bundle.filtered) if bundle.filtered else None
    memo: dict[int, JsonDict] = {}
    views = status_views(svc)
    encoded = entity_cache(svc, "status_open")
    rows = bundle.rows
    pieces = [b"["]
    for item in bundle.items:
        if len(pieces) > 1:
            pieces.append(b",")
        post = item.shown
        if item.is_reblog or post.id in rows.mentions or post.id in rows.polls:
            entity = item_entity(svc, bundle, item, filtered=filtered, memo=memo, views=views)
            pieces.append(json_bytes(entity))
            continue
        extras = rows.extras.get(post.id)
        if extras is None:  # rows loaded without extras: nothing to key the encoding on
            opened = _open(shown_parts(svc, bundle, post, memo=memo, views=views))
        else:
            # The kept encoding without its closing brace (the viewer's fields close it),
            # keyed like `shown_parts`: the post row, its extras, its author and counts.
            author = (extras, rows.accounts.get(post.account_id), bundle.counts(post.account_id))
            opened = encoded.get_or_build(
                post,
                author,
                lambda post=post: _open(shown_parts(svc, bundle, post, memo=memo, views=views)),
            )
        pieces.append(opened)
        pieces.append(_marks(bundle, post, filtered))
    pieces.append(b"]")
    return b"".join(pieces)


def _open(shown: JsonDict) -> bytes:
    raw = json_bytes(shown)
    assert raw.endswith(b"}")
    return raw[:-1]


_MARKS = {
    (liked, reblogged, muted, bookmarked): (
        b',"favourited":'
        + _BOOL[liked]
        + b',"reblogged":'
        + _BOOL[reblogged]
        + b',"muted":'
        + _BOOL[muted]
        + b',"bookmarked":'
        + _BOOL[bookmarked]
    )
    for liked in (False, True)
    for reblogged in (False, True)
    for muted in (False, True)
    for bookmarked in (False, True)
}
_UNFILTERED = b',"filtered":[]}'


def _marks(
    bundle: StatusBundle, post: Post, filtered: Mapping[int, list[JsonDict]] | None
) -> bytes:
    """The viewer's fields closing a status's object, in `entities._status`'s order."""
    viewer = bundle.viewer_id
    if viewer is None:
        return b"}"
    rows = bundle.rows
    out = _MARKS[
        (
            post.id in rows.liked,
            post.id in rows.reblogged,
            (post.thread_root_id or post.id) in rows.muted_threads,
            post.id in rows.bookmarked,
        )
    ]
    if post.account_id == viewer:
        out += b',"pinned":' + _BOOL[post.id in rows.pinned]
    found = filtered.get(post.id) if filtered else None
    if not found:
        return out + _UNFILTERED
    return out + b',"filtered":' + json_bytes(list(found)) + b"}"
