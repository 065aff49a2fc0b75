"""Mastodon's OAuth scopes: parsing, expansion and the per-endpoint check (pure)."""

from __future__ import annotations

from collections.abc import Iterable

READ = [
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
]
WRITE = [
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
]
ADMIN_READ = [
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
]
ADMIN_WRITE = ADMIN_READ

TOP_LEVEL = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
KNOWN: frozenset[str] = frozenset(
    [
        *TOP_LEVEL,
        *(f"read:{s}" for s in READ),
        *(f"write:{s}" for s in WRITE),
        *(f"admin:read:{s}" for s in ADMIN_READ),
        *(f"admin:write:{s}" for s in ADMIN_WRITE),
        "read:collection",
        "write:collection",
    ]
)
# `follow` is deprecated but still requested by every mainstream app.
FOLLOW_EXPANDS = (
    "read:blocks",
    "read:follows",
    "read:mutes",
    "write:blocks",
    "write:follows",
    "write:mutes",
)


def parse_scopes(text: str | Iterable[str] | None, *, default: str = "read") -> list[str]:
    """Split a space/plus/comma separated scope string (or list) into distinct scopes, in order."""
    if text is None:
        text = default
    if isinstance(text, str):
        parts = text.replace("+", " ").replace(",", " ").split()
    else:
        parts = [p for item in text for p in str(item).replace("+", " ").split()]
    seen: list[str] = []
    for part in parts or default.split():
        if part not in seen:
            seen.append(part)
    return seen


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """Scopes Mastodon does not define."""
    return [s for s in scopes if s not in KNOWN]


def covers(granted: Iterable[str], wanted: str) -> bool:
    """Whether the granted scopes allow `wanted` (e.g. `read` covers `read:statuses`)."""
    held = set(granted)
    if wanted in held:
        return True
    if "follow" in held and wanted in FOLLOW_EXPANDS:
        return True
    parent = wanted.rsplit(":", 1)[0] if wanted.count(":") >= 1 else None
    if parent and parent in held:
        return True
    if wanted.startswith("admin:") and wanted.count(":") == 2:
        return wanted.rsplit(":", 1)[0] in held
    return False


def allows_any(granted: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether any of the wanted scopes is covered (an endpoint may accept several)."""
    held = list(granted)
    return any(covers(held, w) for w in wanted)


def subset_of(requested: Iterable[str], allowed: Iterable[str]) -> bool:
    """Whether every requested scope is within what an app registered."""
    held = list(allowed)
    return all(covers(held, r) for r in requested)


# Plain words for the consent page and the authorized-apps list.
_TOP_WORDS = {
    "read": "Read everything in your account: posts, timelines, notifications, lists, follows",
    "write": "Post, edit and delete, favourite and boost, and change your account and settings",
    "follow": "Follow, block and mute people, and see whom you follow, block and mute",
    "push": "Send you push notifications",
    "profile": "See your basic profile (name and picture) only",
    "admin:read": "Read moderation data of the whole server",
    "admin:write": "Take moderation actions on the whole server",
}
# What a write scope lets an app do, where "Change your …" would undersell it (it may post as you).
_WRITE_WORDS = {
    "write:statuses": "Publish, edit and delete posts as you, and boost posts",
    "write:media": "Upload pictures, videos and audio",
    "write:favourites": "Favourite posts and take favourites back",
    "write:follows": "Follow and unfollow people",
    "write:blocks": "Block and unblock people and servers",
    "write:mutes": "Mute and unmute people and conversations",
    "write:bookmarks": "Bookmark posts and remove bookmarks",
    "write:reports": "Report people and posts to the moderators",
    "write:conversations": "Hide and mark your conversations as read",
    "write:notifications": "Dismiss your notifications",
}
_AREA_WORDS = {
    "accounts": "account details",
    "blocks": "blocks",
    "bookmarks": "bookmarks",
    "collection": "collections",
    "conversations": "conversations",
    "favourites": "favourites",
    "filters": "filters",
    "follows": "follows",
    "lists": "lists",
    "media": "uploads of pictures and videos",
    "mutes": "mutes",
    "notifications": "notifications",
    "reports": "reports",
    "search": "search",
    "statuses": "posts",
}


def describe_scope(scope: str) -> str:
    """One scope in plain words ("Read your posts")."""
    if scope in _TOP_WORDS:
        return _TOP_WORDS[scope]
    if scope in _WRITE_WORDS:
        return _WRITE_WORDS[scope]
    kind, _, area = scope.rpartition(":")
    words = _AREA_WORDS.get(area, area.replace("_", " "))
    if kind == "read":
        return f"Read your {words}"
    if kind == "write":
        return f"Change your {words}"
    if kind == "admin:read":
        return f"Read the server's {words} (moderation)"
    if kind == "admin:write":
        return f"Change the server's {words} (moderation)"
    return scope


def describe_scopes(scopes: Iterable[str]) -> list[tuple[str, str]]:
    """(scope, plain words) for each scope, in order."""
    return [(scope, describe_scope(scope)) for scope in scopes]
