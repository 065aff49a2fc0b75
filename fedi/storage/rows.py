"""Row dataclasses returned by storage functions (one per table, columns as fields)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from typing import Any, Self

# Field names per row class, worked out once (dataclasses.fields() is slow on hot read paths).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class _Row:
    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Self:
        """Build from a sqlite3.Row with (at least) the dataclass's columns."""
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        # By position: sqlite3.Row looks a name up by scanning its columns, which made a
        # 36-column account cost ~35 µs.
        values = dict(zip(row.keys(), row, strict=True))
        if len(values) == len(names):
            try:
                return cls(**{name: values[name] for name in names})
            except KeyError:
                pass
        return cls(**{name: values[name] for name in names if name in values})


@dataclass(frozen=True, slots=True, kw_only=True)
class Account(_Row):
    id: int
    username: str
    domain: str | None
    uri: str
    url: str = ""
    actor_type: str = "Person"
    display_name: str = ""
    note_source: str = ""
    note_html: str = ""
    fields_json: str = "[]"
    locked: int = 0
    discoverable: int = 1
    avatar_url: str = ""
    header_url: str = ""
    inbox_uri: str = ""
    shared_inbox_uri: str = ""
    outbox_uri: str = ""
    followers_uri: str = ""
    following_uri: str = ""
    featured_uri: str = ""
    public_key_id: str = ""
    public_key_pem: str = ""
    private_key_pem: str | None = None
    raw_json: str | None = None
    created_at: str = ""
    updated_at: str = ""
    fetched_at: str | None = None
    suspended_at: str | None = None
    deleted_at: str | None = None
    avatar_media_id: int | None = None
    header_media_id: int | None = None
    avatar_description: str = ""
    header_description: str = ""
    indexable: int | None = None
    hide_collections: int = 0
    stamp: int = -1
    """`account_stats.stamp`: moves on every update of the row (migration 0018); -1: not
    loaded."""

    @property
    def local(self) -> bool:
        return self.domain is None

    @property
    def acct(self) -> str:
        """`name` for local accounts, `name@host` for remote ones (Mastodon's acct)."""
        return self.username if self.domain is None else f"{self.username}@{self.domain}"

    @property
    def name(self) -> str:
        """The display name, or the username when none is set."""
        return self.display_name or self.username

    @property
    def fields(self) -> list[dict[str, Any]]:
        """Profile fields: [{"name", "value", "value_html"}]."""
        return list(json.loads(self.fields_json or "[]"))

    @property
    def avatar_src(self) -> str:
        """The avatar pages show: a local account's own file; for a remote account our cached
        copy (`/media/remote/accounts/<id>/avatar`, fetched on demand); '' when there is none."""
        return self._image_src("avatar", self.avatar_url, self.avatar_media_id)

    @property
    def header_src(self) -> str:
        """The header pages show (as `avatar_src`)."""
        return self._image_src("header", self.header_url, self.header_media_id)

    def _image_src(self, slot: str, url: str, media_id: int | None) -> str:
        if self.domain is None or not url:
            return url
        # Remote images are never hotlinked: readers load them from us (fedi.media.remote_images).
        version = f"?v={media_id}" if media_id else ""
        return f"/media/remote/accounts/{self.id}/{slot}{version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class User(_Row):
    id: int
    email: str
    password_hash: str
    role: str = "user"
    confirmed_at: str | None = None
    approved: int = 1
    sign_up_reason: str = ""
    default_visibility: str = "public"
    locale: str = "en"
    created_at: str = ""
    disabled_at: str | None = None
    default_sensitive: int = 0
    default_language: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Session(_Row):
    token_hash: str
    user_id: int
    created_at: str
    last_seen_at: str
    ip: str = ""
    user_agent: str = ""
    revoked_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginEvent(_Row):
    id: int
    user_id: int
    at: str
    ip: str
    user_agent: str
    success: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailToken(_Row):
    token_hash: str
    user_id: int
    purpose: str
    new_email: str | None
    created_at: str
    expires_at: str
    used_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Post(_Row):
    id: int
    uri: str
    url: str
    account_id: int
    local: int
    visibility: str
    in_reply_to_id: int | None = None
    in_reply_to_uri: str | None = None
    in_reply_to_account_id: int | None = None
    thread_root_id: int | None = None
    content_warning: str = ""
    source: str = ""
    content_html: str = ""
    language: str | None = None
    sensitive: int = 0
    reblog_of_id: int | None = None
    raw_json: str | None = None
    created_at: str = ""
    edited_at: str | None = None
    deleted_at: str | None = None
    stamp: int = -1
    """`post_stamps`: moves whenever the row or a related row its entity shows changes
    (migration 0018: likes, boosts, replies, mentions, tags, app, media, poll, card); -1: not
    loaded."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostEdit(_Row):
    id: int
    post_id: int
    content_warning: str
    source: str
    content_html: str
    sensitive: int
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Follow(_Row):
    id: int
    account_id: int
    target_account_id: int
    uri: str | None
    state: str
    created_at: str
    show_reblogs: int = 1
    notify: int = 0
    languages: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Like(_Row):
    id: int
    account_id: int
    post_id: int
    uri: str | None
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification(_Row):
    id: int
    account_id: int
    from_account_id: int
    type: str
    post_id: int | None
    created_at: str
    read_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Job(_Row):
    id: int
    kind: str
    payload: str
    state: str
    attempts: int
    next_attempt_at: str
    locked_until: str | None
    last_error: str
    dedupe_key: str | None
    created_at: str
    updated_at: str

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.payload))


@dataclass(frozen=True, slots=True, kw_only=True)
class Report(_Row):
    id: int
    account_id: int
    target_account_id: int
    post_ids_json: str
    comment: str
    uri: str | None
    created_at: str
    resolved_at: str | None = None

    @property
    def post_ids(self) -> list[int]:
        """Ids of the reported posts."""
        return [int(i) for i in json.loads(self.post_ids_json or "[]")]


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthApp(_Row):
    id: int
    name: str
    website: str | None
    redirect_uris: str
    scopes: str
    client_id: str
    client_secret: str
    owner_id: int | None = None
    created_at: str = ""

    @property
    def redirect_uri_list(self) -> list[str]:
        """The registered redirect URIs, verbatim."""
        return [u for u in self.redirect_uris.split("\n") if u]


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthCode(_Row):
    code_hash: str
    app_id: int
    account_id: int
    redirect_uri: str
    scopes: str
    code_challenge: str | None
    challenge_method: str | None
    created_at: str
    expires_at: str
    used_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthToken(_Row):
    id: int
    token_hash: str
    app_id: int
    account_id: int | None
    scopes: str
    created_at: str
    last_used_at: str | None = None
    revoked_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Media(_Row):
    id: int
    account_id: int
    kind: str
    state: str
    created_at: str
    updated_at: str
    post_id: int | None = None
    position: int = 0
    content_type: str = ""
    file_key: str | None = None
    preview_key: str | None = None
    size: int = 0
    description: str = ""
    focus_x: float = 0.0
    focus_y: float = 0.0
    blurhash: str | None = None
    meta_json: str = "{}"
    remote_url: str | None = None
    error: str = ""
    last_accessed_at: str | None = None
    source_key: str | None = None
    scheduled_status_id: int | None = None

    @property
    def meta(self) -> dict[str, Any]:
        """Mastodon's `meta` (original/small sizes, duration...), without the focus."""
        return dict(json.loads(self.meta_json or "{}"))

    @property
    def ready(self) -> bool:
        return self.state == "ready"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledStatus(_Row):
    """A post waiting for its time; `params_json` holds Mastodon's ScheduledStatus `params`."""

    id: int
    account_id: int
    scheduled_at: str
    params_json: str
    idempotency_key: str | None = None
    created_at: str = ""

    @property
    def params(self) -> dict[str, Any]:
        return dict(json.loads(self.params_json or "{}"))


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationRequest(_Row):
    """Notifications from one sender held back by the user's notification policy."""

    id: int
    account_id: int
    from_account_id: int
    last_status_id: int | None
    created_at: str
    updated_at: str
    notifications_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PushSubscription(_Row):
    id: int
    token_id: int
    account_id: int
    endpoint: str
    key_p256dh: str
    key_auth: str
    standard: int
    alerts: str
    policy: str
    sealed_token: str
    last_notification_id: int
    created_at: str
    updated_at: str

    @property
    def alert_types(self) -> frozenset[str]:
        """The notification types this subscription is pushed."""
        return frozenset(self.alerts.split())
