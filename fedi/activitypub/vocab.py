"""Typed ActivityStreams vocabulary: what `parse.parse_document` makes of incoming documents.

Pure and I/O-free (Fedify's vocabulary layer): properties that point elsewhere are IRIs (`…_uri`
or plain strings), never fetched. Every object keeps the document it came from in `raw`; `extra`
holds the properties the parser did not read, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
NOTE_TYPES = frozenset({"Note", "Question", "Article", "Page", "Image", "Video", "Audio", "Event"})
COLLECTION_TYPES = frozenset({"Collection", "OrderedCollection"})
PAGE_TYPES = frozenset({"CollectionPage", "OrderedCollectionPage"})
ACTIVITY_TYPES = frozenset(
    {
        "Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike", "EmojiReact", "Flag",
        "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer",
        "QuoteRequest", "Read", "Reject", "Remove", "TentativeAccept", "TentativeReject", "Undo",
        "Update", "View",
    }
)  # fmt: skip

_COMMON_KEYS = frozenset({"@context", "id", "type"})


def _unread(raw: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in raw.items() if key not in known}


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """A `Mention` tag: the mentioned actor's IRI and its `@user@host` name."""

    href: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Hashtag:
    """A `Hashtag` tag; `name` keeps the leading `#` as sent."""

    href: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Emoji:
    """A custom emoji tag (`toot:Emoji`): `:code:` and its image."""

    id: str
    name: str
    icon_url: str
    media_type: str = ""
    updated: datetime | None = None


Tag = Mention | Hashtag | Emoji


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A media attachment (Document, Image, Video, Audio); `name` is the alt text."""

    type: str
    media_type: str
    url: str
    name: str = ""
    blurhash: str = ""
    focal_point: tuple[float, float] | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicKey:
    """An actor's `publicKey` entry (security v1)."""

    id: str
    owner: str
    pem: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PollOption:
    """One answer of a `Question` and its vote count (`replies.totalItems`)."""

    name: str
    votes: int = 0


_ACTOR_KEYS = _COMMON_KEYS | {
    "preferredUsername",
    "name",
    "summary",
    "url",
    "inbox",
    "outbox",
    "followers",
    "following",
    "featured",
    "featuredTags",
    "endpoints",
    "publicKey",
    "manuallyApprovesFollowers",
    "discoverable",
    "indexable",
    "suspended",
    "icon",
    "image",
    "attachment",
    "alsoKnownAs",
    "movedTo",
    "published",
    "tag",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A Person, Service, Application, Group or Organization; `fields` are (name, value HTML)."""

    uri: str
    type: str
    preferred_username: str = ""
    name: str = ""
    summary: str = ""
    url: str = ""
    inbox: str = ""
    outbox: str = ""
    followers: str = ""
    following: str = ""
    featured: str = ""
    featured_tags: str = ""
    shared_inbox: str = ""
    public_keys: tuple[PublicKey, ...] = ()
    manually_approves_followers: bool = False
    discoverable: bool = False
    indexable: bool = False
    suspended: bool = False
    icon_url: str = ""
    image_url: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    also_known_as: tuple[str, ...] = ()
    moved_to: str = ""
    published: datetime | None = None
    tags: tuple[Tag, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def public_key(self) -> PublicKey | None:
        """The first key (actors normally have one, `#main-key`)."""
        return self.public_keys[0] if self.public_keys else None

    @property
    def public_key_id(self) -> str:
        """The first key's id."""
        return self.public_keys[0].id if self.public_keys else ""

    @property
    def public_key_pem(self) -> str:
        """The first key's PEM."""
        return self.public_keys[0].pem if self.public_keys else ""

    @property
    def public_key_owner(self) -> str:
        """The first key's owner."""
        return self.public_keys[0].owner if self.public_keys else ""

    def key(self, key_id: str) -> PublicKey | None:
        """The key with this id, if the actor lists it (the reciprocal check of reference §3)."""
        return next((k for k in self.public_keys if k.id == key_id), None)

    @property
    def extra(self) -> dict[str, Any]:
        """Properties of the raw document that were not read into fields."""
        return _unread(self.raw, _ACTOR_KEYS)


_NOTE_KEYS = _COMMON_KEYS | {
    "attributedTo",
    "content",
    "contentMap",
    "summary",
    "sensitive",
    "published",
    "updated",
    "url",
    "inReplyTo",
    "to",
    "cc",
    "tag",
    "attachment",
    "name",
    "oneOf",
    "anyOf",
    "endTime",
    "closed",
    "votersCount",
    "quote",
    "quoteUri",
    "quoteUrl",
    "_misskey_quote",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """A post: Note, Question (a poll), or Article/Page/... flattened the way Mastodon does."""

    uri: str
    type: str = "Note"
    attributed_to: str = ""
    content: str = ""
    content_map: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    sensitive: bool = False
    published: datetime | None = None
    updated: datetime | None = None
    url: str = ""
    in_reply_to: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    name: str = ""
    options: tuple[PollOption, ...] = ()
    multiple_choice: bool = False
    end_time: datetime | None = None
    closed: bool = False
    voters_count: int | None = None
    quote_uri: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def language(self) -> str:
        """The first `contentMap` language, or ''."""
        return next(iter(self.content_map), "")

    @property
    def mentions(self) -> tuple[Mention, ...]:
        """The Mention tags."""
        return tuple(t for t in self.tags if isinstance(t, Mention))

    @property
    def hashtags(self) -> tuple[Hashtag, ...]:
        """The Hashtag tags."""
        return tuple(t for t in self.tags if isinstance(t, Hashtag))

    @property
    def emojis(self) -> tuple[Emoji, ...]:
        """The custom emoji tags."""
        return tuple(t for t in self.tags if isinstance(t, Emoji))

    @property
    def extra(self) -> dict[str, Any]:
        """Properties of the raw document that were not read into fields."""
        return _unread(self.raw, _NOTE_KEYS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tombstone:
    """A deleted object (`formerType`, `deleted` when given)."""

    uri: str
    former_type: str = ""
    deleted: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Unknown:
    """An object of a type we do not model; only its id and type are read."""

    uri: str
    type: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionPage:
    """A (possibly ordered) collection page; `items` are IRIs or parsed objects."""

    id: str
    type: str = "OrderedCollectionPage"
    part_of: str = ""
    next: str = ""
    prev: str = ""
    total_items: int | None = None
    items: tuple[str | Document, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """A (possibly ordered) collection; `first` is an IRI or an embedded page."""

    id: str
    type: str = "OrderedCollection"
    total_items: int | None = None
    first: str | CollectionPage | None = None
    last: str = ""
    items: tuple[str | Document, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def first_uri(self) -> str:
        """The first page's IRI ('' when absent or embedded without an id)."""
        if isinstance(self.first, CollectionPage):
            return self.first.id
        return self.first or ""


_ACTIVITY_KEYS = _COMMON_KEYS | {
    "actor",
    "object",
    "target",
    "to",
    "cc",
    "published",
    "content",
    "_misskey_reaction",
    "tag",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    """An activity; `object` is an IRI or the embedded object, parsed (trust it by origin only)."""

    id: str
    type: str
    actor: str = ""
    object: str | Document | None = None
    object_ids: tuple[str, ...] = ()
    target: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    published: datetime | None = None
    content: str = ""
    tags: tuple[Tag, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def object_id(self) -> str:
        """The (first) object's IRI, embedded or not ('' when absent)."""
        return self.object_ids[0] if self.object_ids else ""

    @property
    def object_type(self) -> str:
        """The embedded object's type ('' when the object is only an IRI)."""
        obj = self.object
        return "" if obj is None or isinstance(obj, str) else _type_of(obj)

    @property
    def extra(self) -> dict[str, Any]:
        """Properties of the raw document that were not read into fields."""
        return _unread(self.raw, _ACTIVITY_KEYS)


Document = Actor | Note | Activity | Tombstone | Collection | CollectionPage | Unknown


def _type_of(document: Document) -> str:
    return "Tombstone" if isinstance(document, Tombstone) else document.type
