"""The FeaturedTag entity (reference §5.3): a hashtag featured on a profile.

Interop: Mastodon 4.x sends `statuses_count` as a decimal string and `last_status_at` as a date
(`YYYY-MM-DD`, or null before the first post with the tag), not the integer and timestamp its
docs show; clients (Ivory, Tusky's lenient Moshi ints, masto.js) read what Mastodon sends, so
we send the same.
"""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.featured_tags import FeaturedTag


def featured_tag_entity(svc: Services, featured: FeaturedTag) -> dict[str, Any]:
    """FeaturedTag: id, name, url (the owner's posts with the tag), statuses_count, last_status_at."""
    last = featured.last_status_at
    return {
        "id": str(featured.id),
        "name": featured.name,
        "url": svc.url(featured.path),
        "statuses_count": str(featured.statuses_count),
        "last_status_at": None if last is None else last.isoformat(),
    }
