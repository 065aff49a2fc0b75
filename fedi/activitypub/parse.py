"""Incoming ActivityStreams JSON → `vocab` objects, parsed once at the edge (pure, no I/O).

Documents in the usual shape (the ActivityStreams context, security contexts and the extension
term maps Mastodon, Misskey, Pleroma, GoToSocial and Fedify send) are read as plain JSON with
known keys: a single value where a list is expected, `{"id": ...}` where an IRI is expected,
`as:Public` spellings, `url`/`icon`/`publicKey`/`tag` as object or list, missing optional fields.
Only a context we do not know (one that could rename the terms we read) goes through pyld
compaction with the offline loader, the slow path (about 3 ms; DESIGN.md section 6).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pyld import jsonld

from fedi.activitypub.addressing import PUBLIC
from fedi.activitypub.context import AS_CONTEXT, CONTEXT, bundled_name, document_loader
from fedi.activitypub.vocab import (
    ACTIVITY_TYPES,
    ACTOR_TYPES,
    COLLECTION_TYPES,
    NOTE_TYPES,
    PAGE_TYPES,
    Activity,
    Actor,
    Attachment,
    Collection,
    CollectionPage,
    Document,
    Emoji,
    Hashtag,
    Mention,
    Note,
    PollOption,
    PublicKey,
    Tag,
    Tombstone,
    Unknown,
)
from fedi.errors import BadDocument

JsonDict = dict[str, Any]

# Limits on hostile input (reference section 5.5); what lies beyond is ignored, not an error.
MAX_DEPTH = 6
MAX_RECIPIENTS = 1000
MAX_TAGS = 200
MAX_ATTACHMENTS = 32
MAX_POLL_OPTIONS = 64
MAX_ITEMS = 1000
MAX_KEYS = 16

AS_NS = "https://www.w3.org/ns/activitystreams#"
_PUBLIC_SPELLINGS = frozenset(
    {PUBLIC, "as:Public", "Public", "http://www.w3.org/ns/activitystreams#Public"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Context URLs (host + path, no scheme, suffix or trailing slash) whose terms we read as-is:
# they add vocabulary but do not rename the ActivityStreams terms.
_USUAL_CONTEXTS = frozenset(
    {
        "www.w3.org/ns/activitystreams", "w3id.org/security/v1", "w3id.org/security/v2",
        "w3id.org/security/data-integrity/v1", "w3id.org/security/data-integrity/v2",
        "w3id.org/security/multikey/v1", "www.w3.org/ns/did/v1", "w3id.org/identity/v1",
        "www.w3.org/ns/cid/v1", "purl.archive.org/socialweb/webfinger",
        "purl.archive.org/miscellany", "schema.org", "gotosocial.org/ns", "joinmastodon.org/ns",
        "join-lemmy.org/context", "w3id.org/fep/5711", "w3id.org/fep/ef61",
    }
)  # fmt: skip
# Interop: Pleroma and Akkoma reference a per-instance `https://<host>/schemas/litepub-0.1.jsonld`.
_LITEPUB_PATH = "/schemas/litepub-0.1"
# ActivityStreams terms we read; an inline context may define them only as themselves.
_CORE_TERMS = frozenset(
    {
        "actor", "anyOf", "attachment", "attributedTo", "cc", "closed", "content", "contentMap",
        "deleted", "endTime", "endpoints", "first", "followers", "following", "formerType",
        "height", "href", "icon", "image", "inReplyTo", "inbox", "items", "last", "mediaType",
        "name", "next", "object", "oneOf", "orderedItems", "outbox", "partOf", "preferredUsername",
        "prev", "published", "sensitive", "sharedInbox", "summary", "tag", "target", "to",
        "totalItems", "updated", "url", "width", "alsoKnownAs", "movedTo",
        "manuallyApprovesFollowers", "Hashtag", "Mention", "Public",
    }
)  # fmt: skip
_KEYWORD_TERMS = {"id": "@id", "type": "@type", "as": AS_NS}
_HARMLESS_KEYWORDS = frozenset({"@language", "@version"})


# --- Helpers --------------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value as a list: None → [], a single value → [value], a list as is."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def first_id(value: Any) -> str | None:
    """The IRI of a value that may be an IRI, an object with `id` (or a Link's `href`), or a list."""
    for entry in as_list(value):
        if isinstance(entry, str):
            return entry or None
        if isinstance(entry, dict):
            found = entry.get("id", entry.get("href"))
            if isinstance(found, str) and found:
                return found
    return None


def iri_host(iri: str) -> str:
    """Lowercase host (IDNA, no trailing dot) plus a non-default port; '' when there is none."""
    try:
        parts = urlsplit(iri)
        host, port = (parts.hostname or "").rstrip("."), parts.port
        if not host.isascii():
            host = host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return ""
    if ":" in host:
        host = f"[{host}]"
    if host and port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        return f"{host}:{port}"
    return host


def normalize_public(iri: str) -> str:
    """The full Public IRI for any of its spellings; other IRIs unchanged."""
    return PUBLIC if iri in _PUBLIC_SPELLINGS else iri


def ids(value: Any, limit: int = MAX_RECIPIENTS) -> tuple[str, ...]:
    """Every IRI in a value (IRIs or objects), Public normalised, duplicates dropped."""
    found = (first_id(entry) for entry in as_list(value)[:limit])
    return tuple(dict.fromkeys(normalize_public(i) for i in found if i))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _type_name(value: str) -> str:
    if value.startswith(AS_NS):
        return value[len(AS_NS) :]
    if value.startswith("as:"):
        return value[3:]
    if value in ("toot:Emoji", "http://joinmastodon.org/ns#Emoji"):
        return "Emoji"
    return value


_KNOWN_TYPES = ACTOR_TYPES | NOTE_TYPES | COLLECTION_TYPES | PAGE_TYPES | ACTIVITY_TYPES


def type_of(document: JsonDict) -> str:
    """The document's type; of several, the first one we model (else the first given)."""
    names = [_type_name(t) for t in as_list(document.get("type")) if isinstance(t, str)]
    return next(
        (n for n in names if n in _KNOWN_TYPES or n == "Tombstone"), names[0] if names else ""
    )


def _link(value: Any, prefer: str = "text/html") -> tuple[str, str]:
    """(href, mediaType) of a `url`-like value: a string, a Link, or a list of them."""
    candidates: list[tuple[str, str]] = []
    for entry in as_list(value)[:MAX_ATTACHMENTS]:
        if isinstance(entry, str):
            candidates.append((entry, ""))
        elif isinstance(entry, dict):
            href = entry.get("href", entry.get("url"))
            href = href if isinstance(href, str) else first_id(href)
            if href:
                candidates.append((href, _text(entry.get("mediaType"))))
    preferred = next((c for c in candidates if c[1].startswith(prefer)), None)
    return preferred or (candidates[0] if candidates else ("", ""))


def _image_url(value: Any) -> str:
    """The URL of an `icon`/`image`: an Image object, a list of them, or a bare URL."""
    for entry in as_list(value):
        if isinstance(entry, str) and entry:
            return entry
        if isinstance(entry, dict) and (url := _link(entry.get("url", entry.get("href")))[0]):
            return url
    return ""


# --- Contexts -------------------------------------------------------------------------------


def _context_key(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    for suffix in (".jsonld", ".json"):
        path = path.removesuffix(suffix)
    return f"{(parts.hostname or '').lower()}{path}"


def _harmless_terms(definitions: JsonDict) -> bool:
    for term, definition in definitions.items():
        if term.startswith("@"):
            if term not in _HARMLESS_KEYWORDS:
                return False
            continue
        expected = _KEYWORD_TERMS.get(term) or (AS_NS + term if term in _CORE_TERMS else None)
        if expected is None:
            continue
        target = definition.get("@id") if isinstance(definition, dict) else definition
        if not isinstance(target, str):
            return False
        if target.startswith("as:"):
            target = AS_NS + target[3:]
        if target != expected:
            return False
    return True


def known_context(context: Any) -> bool:
    """True when the terms we read mean what ActivityStreams says under this `@context`."""
    if context is None:
        # Interop: embedded objects, and some servers' top-level documents, carry no context.
        return True
    has_as = False
    for entry in as_list(context):
        if isinstance(entry, str):
            key = _context_key(entry)
            if key == _context_key(AS_CONTEXT):
                has_as = True
            elif key not in _USUAL_CONTEXTS and not key.endswith(_LITEPUB_PATH):
                return False
        elif not isinstance(entry, dict) or not _harmless_terms(entry):
            return False
    return has_as


def _compact(document: JsonDict) -> JsonDict:
    """Compact a document to our context with pyld and the offline loader (slow path)."""
    for entry in as_list(document.get("@context")):
        if isinstance(entry, str) and bundled_name(entry) is None:
            raise BadDocument(
                "The document's JSON-LD context is not supported.",
                detail=f"context not bundled: {entry[:200]}",
            )
    try:
        compacted = jsonld.compact(
            document, {"@context": CONTEXT}, {"documentLoader": document_loader}
        )
    except Exception as exc:  # pyld raises assorted types on hostile or unloadable input
        raise BadDocument(
            "The document's JSON-LD context is not supported.", detail=str(exc)[:300]
        ) from exc
    if not isinstance(compacted, dict):
        raise BadDocument("The document could not be read as ActivityStreams.")
    return compacted


# --- Parsing --------------------------------------------------------------------------------


def parse_document(raw: JsonDict) -> Document:
    """Parse an incoming document into vocab; raises BadDocument when it cannot be read."""
    if not isinstance(raw, dict):
        raise BadDocument("The document is not a JSON object.")
    return _parse(raw, depth=0)


def _parse(raw: JsonDict, *, depth: int) -> Document:
    document = raw
    if "@context" in raw and not known_context(raw["@context"]):
        document = _compact(raw)
    kind = type_of(document)
    if not kind:
        raise BadDocument("The document has no type.")
    uri = first_id(document.get("id")) or ""
    if kind in NOTE_TYPES:
        return _note(document, uri, kind, raw)
    if kind in ACTOR_TYPES:
        return _actor(document, uri, kind, raw)
    if kind in ACTIVITY_TYPES or ("actor" in document and kind not in COLLECTION_TYPES):
        return _activity(document, uri, kind, raw, depth)
    if kind in COLLECTION_TYPES:
        return _collection(document, uri, kind, raw, depth)
    if kind in PAGE_TYPES:
        return _page(document, uri, kind, raw, depth)
    if kind == "Tombstone":
        return Tombstone(
            uri=uri,
            former_type=_text(document.get("formerType")),
            deleted=_time(document.get("deleted")),
            raw=raw,
        )
    return Unknown(uri=uri, type=kind, raw=raw)


def _embedded(value: Any, depth: int) -> str | Document | None:
    """An IRI, or an embedded object parsed (a bare `{"id": ...}` stays an IRI)."""
    if isinstance(value, str):
        return value or None
    if not isinstance(value, dict):
        return None
    if depth >= MAX_DEPTH or "type" not in value:
        return first_id(value)
    try:
        return _parse(value, depth=depth)
    except BadDocument:
        return first_id(value)


def _items(values: Iterable[Any], depth: int) -> tuple[str | Document, ...]:
    found = (_embedded(v, depth) for v in values)
    return tuple(item for item in found if item is not None)


def _tags(value: Any) -> tuple[Tag, ...]:
    tags: list[Tag] = []
    for entry in as_list(value)[:MAX_TAGS]:
        if not isinstance(entry, dict):
            continue
        kind, name = type_of(entry), _text(entry.get("name"))
        href = first_id(entry.get("href")) or ""
        if kind == "Mention" and href:
            tags.append(Mention(href=href, name=name))
        elif kind == "Hashtag" and name:
            tags.append(Hashtag(href=href, name=name))
        elif kind == "Emoji" and name:
            icon = next((i for i in as_list(entry.get("icon")) if isinstance(i, dict)), {})
            tags.append(
                Emoji(
                    id=first_id(entry.get("id")) or "",
                    name=name,
                    icon_url=_image_url(entry.get("icon")),
                    media_type=_text(icon.get("mediaType")),
                    updated=_time(entry.get("updated")),
                )
            )
    return tuple(tags)


def _attachments(value: Any) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for entry in as_list(value)[:MAX_ATTACHMENTS]:
        if isinstance(entry, str):
            entry = {"type": "Document", "url": entry}
        if not isinstance(entry, dict):
            continue
        media_type = _text(entry.get("mediaType"))
        url, link_type = _link(entry.get("url", entry.get("href")), prefer=media_type or "")
        if not url:
            continue
        focal = entry.get("focalPoint")
        point = None
        if isinstance(focal, list) and len(focal) == 2:
            x, y = focal
            if all(isinstance(c, int | float) and not isinstance(c, bool) for c in (x, y)):
                point = (float(x), float(y))
        found.append(
            Attachment(
                type=type_of(entry) or "Document",
                media_type=media_type or link_type,
                url=url,
                # Interop: Mastodon reads alt text from `name` (some servers use `summary`).
                name=_text(entry.get("name")) or _text(entry.get("summary")),
                blurhash=_text(entry.get("blurhash")),
                focal_point=point,
                width=_int(entry.get("width")),
                height=_int(entry.get("height")),
            )
        )
    return tuple(found)


def _public_keys(value: Any) -> tuple[PublicKey, ...]:
    keys: list[PublicKey] = []
    for entry in as_list(value)[:MAX_KEYS]:
        if isinstance(entry, str) and entry:
            keys.append(PublicKey(id=entry, owner="", pem=""))
        elif isinstance(entry, dict) and (key_id := first_id(entry.get("id"))):
            owner = first_id(entry.get("owner", entry.get("controller"))) or ""
            keys.append(PublicKey(id=key_id, owner=owner, pem=_text(entry.get("publicKeyPem"))))
    return tuple(keys)


def _actor(document: JsonDict, uri: str, kind: str, raw: JsonDict) -> Actor:
    endpoints = document.get("endpoints")
    shared = first_id(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else None
    fields = tuple(
        (_text(e.get("name")), _text(e.get("value")))
        for e in as_list(document.get("attachment"))[:MAX_TAGS]
        if isinstance(e, dict) and type_of(e) == "PropertyValue"
    )
    return Actor(
        uri=uri,
        type=kind,
        preferred_username=_text(document.get("preferredUsername")),
        name=_text(document.get("name")),
        summary=_text(document.get("summary")),
        url=_link(document.get("url"))[0],
        inbox=first_id(document.get("inbox")) or "",
        outbox=first_id(document.get("outbox")) or "",
        followers=first_id(document.get("followers")) or "",
        following=first_id(document.get("following")) or "",
        featured=first_id(document.get("featured")) or "",
        featured_tags=first_id(document.get("featuredTags")) or "",
        shared_inbox=shared or "",
        public_keys=_public_keys(document.get("publicKey")),
        manually_approves_followers=document.get("manuallyApprovesFollowers") is True,
        discoverable=document.get("discoverable") is True,
        indexable=document.get("indexable") is True,
        suspended=document.get("suspended") is True,
        icon_url=_image_url(document.get("icon")),
        image_url=_image_url(document.get("image")),
        fields=fields,
        also_known_as=ids(document.get("alsoKnownAs"), MAX_KEYS),
        moved_to=first_id(document.get("movedTo")) or "",
        published=_time(document.get("published")),
        tags=_tags(document.get("tag")),
        raw=raw,
    )


def _note(document: JsonDict, uri: str, kind: str, raw: JsonDict) -> Note:
    content_map = document.get("contentMap")
    content_map = (
        {k: v for k, v in content_map.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(content_map, dict)
        else {}
    )
    # Interop: GoToSocial prefers `content` when both are set; some servers send only contentMap.
    content = _text(document.get("content")) or next(iter(content_map.values()), "")
    choices = document.get("anyOf")
    multiple = choices is not None
    options = []
    for entry in as_list(choices if multiple else document.get("oneOf"))[:MAX_POLL_OPTIONS]:
        if isinstance(entry, dict) and (name := _text(entry.get("name"))):
            replies = entry.get("replies")
            votes = _int(replies.get("totalItems")) if isinstance(replies, dict) else None
            options.append(PollOption(name=name, votes=votes or 0))
    closed = document.get("closed")
    # Interop: Mastodon honours the first of these quote properties (FEP-044f, Fedibird, Misskey).
    quote = next(
        (q for key in ("quote", "quoteUri", "quoteUrl", "_misskey_quote")
         if (q := first_id(document.get(key)))),
        "",
    )  # fmt: skip
    return Note(
        uri=uri,
        type=kind,
        attributed_to=first_id(document.get("attributedTo")) or "",
        content=content,
        content_map=content_map,
        summary=_text(document.get("summary")),
        sensitive=document.get("sensitive") is True,
        published=_time(document.get("published")),
        updated=_time(document.get("updated")),
        url=_link(document.get("url"))[0],
        in_reply_to=first_id(document.get("inReplyTo")) or "",
        to=ids(document.get("to")),
        cc=ids(document.get("cc")),
        tags=_tags(document.get("tag")),
        attachments=_attachments(document.get("attachment")),
        name=_text(document.get("name")),
        options=tuple(options),
        multiple_choice=multiple,
        end_time=_time(document.get("endTime")),
        closed=closed is True or (isinstance(closed, str) and bool(closed)),
        voters_count=_int(document.get("votersCount")),
        quote_uri=quote,
        raw=raw,
    )


def _activity(document: JsonDict, uri: str, kind: str, raw: JsonDict, depth: int) -> Activity:
    objects = as_list(document.get("object"))[:MAX_ITEMS]
    reaction = document.get("content", document.get("_misskey_reaction"))
    return Activity(
        id=uri,
        type=kind,
        actor=first_id(document.get("actor")) or "",
        object=_embedded(objects[0], depth + 1) if objects else None,
        object_ids=tuple(i for i in (first_id(o) for o in objects) if i),
        target=first_id(document.get("target")) or "",
        to=ids(document.get("to")),
        cc=ids(document.get("cc")),
        published=_time(document.get("published")),
        # Interop: Misskey sends reactions as Like with `_misskey_reaction`; Pleroma EmojiReact
        # and FEP-c0e0 use `content`; Flag carries the report comment in `content`.
        content=_text(reaction),
        tags=_tags(document.get("tag")),
        raw=raw,
    )


def _page(document: JsonDict, uri: str, kind: str, raw: JsonDict, depth: int) -> CollectionPage:
    items = document.get("orderedItems", document.get("items"))
    return CollectionPage(
        id=uri,
        type=kind,
        part_of=first_id(document.get("partOf")) or "",
        next=first_id(document.get("next")) or "",
        prev=first_id(document.get("prev")) or "",
        total_items=_int(document.get("totalItems")),
        items=_items(as_list(items)[:MAX_ITEMS], depth + 1),
        raw=raw,
    )


def _collection(document: JsonDict, uri: str, kind: str, raw: JsonDict, depth: int) -> Collection:
    first = document.get("first")
    page = _embedded(first, depth + 1) if isinstance(first, dict) else None
    items = document.get("orderedItems", document.get("items"))
    return Collection(
        id=uri,
        type=kind,
        total_items=_int(document.get("totalItems")),
        first=page if isinstance(page, CollectionPage) else first_id(first),
        last=first_id(document.get("last")) or "",
        items=_items(as_list(items)[:MAX_ITEMS], depth + 1),
        raw=raw,
    )
