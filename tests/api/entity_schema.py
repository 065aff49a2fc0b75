"""Field tables of the Mastodon entities (reference §6) and a strict checker for API responses.

R = present, non-null, of the listed type; N = present, may be null (then of the type if set).
Strict clients (Tusky, Ice Cubes, the official apps) reject a whole response otherwise.
"""

from __future__ import annotations

import re
from typing import Any

DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
DIGITS = re.compile(r"^\d+$")

ID, STR, BOOL, INT, LIST, DICT, TIME, DAY = (
    "id",
    "str",
    "bool",
    "int",
    "list",
    "dict",
    "time",
    "day",
)
VISIBILITY = "visibility"

ACCOUNT_R = {
    "id": ID,
    "username": STR,
    "acct": STR,
    "display_name": STR,
    "locked": BOOL,
    "bot": BOOL,
    "group": BOOL,
    "created_at": TIME,
    "note": STR,
    "url": STR,
    "uri": STR,
    "avatar": STR,
    "avatar_static": STR,
    "header": STR,
    "header_static": STR,
    "followers_count": INT,
    "following_count": INT,
    "statuses_count": INT,
    "emojis": LIST,
    "fields": LIST,
    "indexable": BOOL,
}
ACCOUNT_N = {"last_status_at": DAY, "discoverable": BOOL, "hide_collections": BOOL, "roles": LIST}
FIELD_R = {"name": STR, "value": STR}
FIELD_N = {"verified_at": TIME}
SOURCE_R = {
    "privacy": VISIBILITY,
    "sensitive": BOOL,
    "language": STR,
    "note": STR,
    "fields": LIST,
    "follow_requests_count": INT,
}
SOURCE_N = {"hide_collections": BOOL, "discoverable": BOOL, "indexable": BOOL}
ROLE_R = {"id": STR, "name": STR, "permissions": STR, "color": STR, "highlighted": BOOL}

STATUS_R = {
    "id": ID,
    "uri": STR,
    "created_at": TIME,
    "account": DICT,
    "content": STR,
    "visibility": VISIBILITY,
    "sensitive": BOOL,
    "spoiler_text": STR,
    "media_attachments": LIST,
    "mentions": LIST,
    "tags": LIST,
    "emojis": LIST,
    "reblogs_count": INT,
    "favourites_count": INT,
    "replies_count": INT,
}
STATUS_N = {
    "url": STR,
    "in_reply_to_id": ID,
    "in_reply_to_account_id": ID,
    "reblog": DICT,
    "poll": DICT,
    "card": DICT,
    "language": STR,
    "edited_at": TIME,
}
STATUS_VIEWER_R = {
    "favourited": BOOL,
    "reblogged": BOOL,
    "muted": BOOL,
    "bookmarked": BOOL,
    "filtered": LIST,
}
MENTION_R = {"id": ID, "username": STR, "url": STR, "acct": STR}
TAG_R = {"name": STR, "url": STR}
APPLICATION_R = {"name": STR}
APPLICATION_N = {"website": STR}
RELATIONSHIP_R = {
    "id": ID,
    "following": BOOL,
    "showing_reblogs": BOOL,
    "notifying": BOOL,
    "followed_by": BOOL,
    "blocking": BOOL,
    "blocked_by": BOOL,
    "muting": BOOL,
    "muting_notifications": BOOL,
    "requested": BOOL,
    "requested_by": BOOL,
    "domain_blocking": BOOL,
    "endorsed": BOOL,
    "note": STR,
}
RELATIONSHIP_N = {"languages": LIST, "muting_expires_at": TIME}
STATUS_EDIT_R = {
    "content": STR,
    "spoiler_text": STR,
    "sensitive": BOOL,
    "created_at": TIME,
    "account": DICT,
    "media_attachments": LIST,
    "emojis": LIST,
}
STATUS_SOURCE_R = {"id": ID, "text": STR, "spoiler_text": STR}


def _type_ok(kind: str, value: Any) -> bool:
    checks = {
        ID: lambda v: isinstance(v, str) and bool(DIGITS.match(v)),
        STR: lambda v: isinstance(v, str),
        BOOL: lambda v: isinstance(v, bool),
        INT: lambda v: isinstance(v, int) and not isinstance(v, bool),
        LIST: lambda v: isinstance(v, list),
        DICT: lambda v: isinstance(v, dict),
        TIME: lambda v: isinstance(v, str) and bool(DATETIME.match(v)),
        DAY: lambda v: isinstance(v, str) and bool(DATE.match(v)),
        VISIBILITY: lambda v: v in ("public", "unlisted", "private", "direct"),
    }
    return checks[kind](value)


def _table(
    where: str, data: Any, required: dict[str, str], nullable: dict[str, str] | None = None
) -> list[str]:
    if not isinstance(data, dict):
        return [f"{where}: not an object: {data!r}"]
    problems = []
    for name, kind in required.items():
        if name not in data:
            problems.append(f"{where}.{name}: missing")
        elif data[name] is None or not _type_ok(kind, data[name]):
            problems.append(f"{where}.{name}: {data[name]!r} is not a non-null {kind}")
    for name, kind in (nullable or {}).items():
        if name not in data:
            problems.append(f"{where}.{name}: missing (may be null, never absent)")
        elif data[name] is not None and not _type_ok(kind, data[name]):
            problems.append(f"{where}.{name}: {data[name]!r} is not a {kind} or null")
    return problems


def account_problems(data: Any, where: str = "account", *, credential: bool = False) -> list[str]:
    """Every way an Account (or CredentialAccount) breaks §6.1 / §3.7."""
    problems = _table(where, data, ACCOUNT_R, ACCOUNT_N)
    if not isinstance(data, dict):
        return problems
    for index, field in enumerate(data.get("fields") or []):
        problems += _table(f"{where}.fields[{index}]", field, FIELD_R, FIELD_N)
    for key in ("avatar", "header"):
        if not str(data.get(key, "")).startswith(("http://", "https://")):
            problems.append(f"{where}.{key}: not an absolute URL: {data.get(key)!r}")
    if credential:
        problems += _table(f"{where}.source", data.get("source"), SOURCE_R, SOURCE_N)
        problems += _table(f"{where}.role", data.get("role"), ROLE_R)
    return problems


def status_problems(data: Any, where: str = "status", *, authenticated: bool) -> list[str]:
    """Every way a Status breaks §6.2 (the viewer's fields only when authenticated)."""
    problems = _table(where, data, STATUS_R, STATUS_N)
    if not isinstance(data, dict):
        return problems
    if authenticated:
        problems += _table(where, data, STATUS_VIEWER_R)
    problems += account_problems(data.get("account"), f"{where}.account")
    for index, mention in enumerate(data.get("mentions") or []):
        problems += _table(f"{where}.mentions[{index}]", mention, MENTION_R)
    for index, tag in enumerate(data.get("tags") or []):
        problems += _table(f"{where}.tags[{index}]", tag, TAG_R)
        if tag.get("name") != str(tag.get("name", "")).lower():
            problems.append(f"{where}.tags[{index}].name: not lowercase")
    if "application" in data and data["application"] is not None:
        problems += _table(
            f"{where}.application", data["application"], APPLICATION_R, APPLICATION_N
        )
    if data.get("reblog") is not None:
        problems += status_problems(data["reblog"], f"{where}.reblog", authenticated=authenticated)
    return problems


def relationship_problems(data: Any, where: str = "relationship") -> list[str]:
    """Every way a Relationship breaks §6.5."""
    return _table(where, data, RELATIONSHIP_R, RELATIONSHIP_N)


def status_edit_problems(data: Any, where: str = "edit") -> list[str]:
    """Every way a StatusEdit breaks §6.8."""
    problems = _table(where, data, STATUS_EDIT_R)
    if isinstance(data, dict):
        problems += account_problems(data.get("account"), f"{where}.account")
    return problems


def status_source_problems(data: Any, where: str = "source") -> list[str]:
    """Every way a StatusSource breaks §6.8."""
    return _table(where, data, STATUS_SOURCE_R)
