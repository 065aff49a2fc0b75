"""Filter entities (reference §6.8): Filter v2, FilterKeyword, FilterStatus, and FilterResult,
the `filtered` field every Status carries for a logged-in viewer.

Apart from `entities_misc.py` so `entities.py` can build `filtered` from a bundle's matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fedi.filters import FilterBundle, FilterKeyword, FilterMatch, FilterStatus

JsonDict = dict[str, Any]


def keyword_entity(keyword: FilterKeyword) -> JsonDict:
    """FilterKeyword: `{id, keyword, whole_word}`."""
    return {
        "id": str(keyword.id),
        "keyword": keyword.keyword,
        "whole_word": bool(keyword.whole_word),
    }


def filter_status_entity(status: FilterStatus) -> JsonDict:
    """FilterStatus: `{id, status_id}`."""
    return {"id": str(status.id), "status_id": str(status.post_id)}


def filter_entity(bundle: FilterBundle) -> JsonDict:
    """Filter (v2) with its keywords and statuses."""
    row = bundle.filter
    return {
        "id": str(row.id),
        "title": row.title,
        "context": row.contexts,
        "expires_at": row.expires_at,
        "filter_action": row.filter_action,
        "keywords": [keyword_entity(k) for k in bundle.keywords],
        "statuses": [filter_status_entity(s) for s in bundle.statuses],
    }


def filter_result_entities(
    matches: Mapping[int, Sequence[FilterMatch]],
) -> dict[int, list[JsonDict]]:
    """FilterResult entities per post id (the `filtered` field of statuses)."""
    return {
        post_id: [
            {
                "filter": filter_entity(m.filter),
                "keyword_matches": m.keyword_matches,
                "status_matches": (
                    None if m.status_matches is None else [str(i) for i in m.status_matches]
                ),
            }
            for m in found
        ]
        for post_id, found in matches.items()
    }
