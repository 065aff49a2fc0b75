"""Resolver: signed GETs of ActivityPub documents, same-origin checks, the remote-actor cache.

Every fetch goes through `netguard.guarded_get` (SSRF guard, redirects re-checked, 1 MB, 15 s) and
is signed with the instance actor's key (GoToSocial, Threads and Mastodon in secure mode refuse
unsigned GETs). A fetched document must have an ActivityPub content type and an `id` equal to the
URL it was finally fetched from. Actors are cached in the accounts table for `actor_ttl`.

Wiring (app/context): `svc.extras["http"] = await open_http(config)`, then
`svc.extras["resolver"] = build_resolver(svc)`; close the client on shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from cryptography.exceptions import UnsupportedAlgorithm

from fedi import __version__
from fedi.activitypub.httpsig import sign_cavage
from fedi.activitypub.keys import key_id as main_key_id
from fedi.activitypub.keys import load_private_key, load_public_key
from fedi.activitypub.uris import Uris
from fedi.config import Config
from fedi.context import Services
from fedi.errors import BadDocument, FetchFailed, RemoteError
from fedi.netguard import (
    Fetched,
    FetchLimits,
    GuardedTransport,
    GuardPolicy,
    Refused,
    Resolve,
    Unreachable,
    build_ssl_context,
    check_url,
    guarded_get,
    host_of,
    system_resolve,
)
from fedi.storage import accounts as account_store
from fedi.storage import remote_accounts as store
from fedi.storage.clock import from_db, utcnow
from fedi.storage.rows import Account
from fedi.text import plain_text, sanitize_remote

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]
Signer = Callable[..., Mapping[str, str]]
T = TypeVar("T")

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
AP_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS_PROFILE}"'
JRD_ACCEPT = "application/jrd+json, application/json"
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
ACTOR_TTL = timedelta(hours=24)
REFRESH_INTERVAL = timedelta(minutes=1)
FAILURE_TTL = timedelta(minutes=1)
MAX_FIELDS = 50
MAX_TEXT = 10_000
_MAX_FAILURES_KEPT = 10_000
KEY_HOLD_SECONDS = 60.0
"""How long a verified key stays in memory (every signed POST needs one; a refresh skips it)."""
_MAX_KEYS_HELD = 10_000


def user_agent(config: Config) -> str:
    """`fedi/<version> (+<base_url>)`, so operators of other servers can find us."""
    return f"fedi/{__version__} (+{config.base_url})"


async def open_http(
    config: Config,
    *,
    policy: GuardPolicy | None = None,
    limits: FetchLimits | None = None,
    resolve: Resolve = system_resolve,
) -> httpx.AsyncClient:
    """The one shared outbound client: guarded, pinned connections, timeouts, no auto-redirects."""
    limits = limits or FetchLimits()
    transport = GuardedTransport(
        policy=policy or GuardPolicy.from_config(config.federation),
        ssl_context=build_ssl_context(config.federation.ca_bundle),
        resolve=resolve,
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=limits.timeout(),
        headers={"User-Agent": user_agent(config)},
        follow_redirects=False,
        trust_env=False,
    )


def is_activitypub(content_type: str) -> bool:
    """`application/activity+json`, or `application/ld+json` with the ActivityStreams profile."""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media == "application/activity+json":
        return True
    if media != "application/ld+json":
        return False
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "profile" and AS_PROFILE in value.strip().strip('"').split():
            return True
    return False


def _json_object(fetched: Fetched) -> JsonDict:
    try:
        data = json.loads(fetched.body)
    except (ValueError, RecursionError):
        raise BadDocument(f"{fetched.url} did not answer with valid JSON.") from None
    if not isinstance(data, dict):
        raise BadDocument(f"{fetched.url} did not answer with a JSON object.")
    return data


def _require_own_id(doc: JsonDict, url: str) -> None:
    # Interop: Akkoma and Mastodon (after CVE-2024-23832) accept a document only from its own id.
    if doc.get("id") != url:
        raise BadDocument(
            f"The document at {url} claims to be {str(doc.get('id'))[:200]!r}; "
            "a document is accepted only from its own id."
        )


def _host(url: str) -> str:
    try:
        return host_of(httpx.URL(url))
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""


def _is_actor(doc: JsonDict) -> bool:
    kind = doc.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(k in ACTOR_TYPES for k in kinds)


def _text(value: object, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _http_url(value: object) -> str:
    """An absolute http(s) URL from a string, a Link/Image object or a list of them; else ''."""
    if isinstance(value, list):
        return next((found for item in value if (found := _http_url(item))), "")
    if isinstance(value, dict):
        return _http_url(value.get("href") or value.get("url"))
    if isinstance(value, str) and value.lower().startswith(("https://", "http://")):
        return value[:2048]
    return ""


def _fields(attachment: object) -> str:
    items = attachment if isinstance(attachment, list) else [attachment]
    fields = []
    for item in items[:MAX_FIELDS]:
        if not isinstance(item, dict) or item.get("type") != "PropertyValue":
            continue
        name = plain_text(_text(item.get("name"), 1000)).strip()
        value_html = sanitize_remote(_text(item.get("value")))
        if name or value_html:
            fields.append(
                {"name": name, "value": plain_text(value_html).strip(), "value_html": value_html}
            )
    return json.dumps(fields, ensure_ascii=False)


def _public_key(doc: JsonDict, actor: str) -> tuple[str, str]:
    """(key id, PEM) of the actor's own key; BadDocument for a key of someone else."""
    entries = doc.get("publicKey")
    keys = [k for k in (entries if isinstance(entries, list) else [entries]) if isinstance(k, dict)]
    foreign = ""
    for key in keys:
        key_id, pem, owner = key.get("id"), key.get("publicKeyPem"), key.get("owner")
        if not isinstance(key_id, str) or not isinstance(pem, str):
            continue
        if owner != actor:
            foreign = str(owner)[:200]
            continue
        if _host(key_id) != _host(actor):
            raise BadDocument(f"The key {key_id[:200]} of {actor} lives on another server.")
        try:
            load_public_key(pem)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise BadDocument(f"The public key of {actor} is not a usable RSA key.") from None
        return key_id, pem
    if foreign:
        raise BadDocument(f"The public key in {actor} belongs to {foreign!r}, not to the actor.")
    return "", ""


def actor_fields(doc: JsonDict, url: str) -> store.RemoteAccountFields:
    """The account columns of an actor document fetched from `url` (checked and sanitized)."""
    if not _is_actor(doc):
        raise BadDocument(f"{url} is not an actor (type {str(doc.get('type'))[:50]!r}).")
    _require_own_id(doc, url)
    username = doc.get("preferredUsername")
    # Interop: Mastodon (and fedi) name the instance actor after the domain, which carries a
    # port in development (`localhost:3000`); that name is the actor's own host, so it is taken.
    own_host = isinstance(username, str) and username.lower() == _host(url)
    if (
        not isinstance(username, str)
        or not 0 < len(username) <= 255
        or (not own_host and any(c.isspace() or c in "@/?#:" for c in username))
    ):
        raise BadDocument(f"The actor {url} has no usable preferredUsername.")
    inbox = _http_url(doc.get("inbox"))
    if not inbox:
        raise BadDocument(f"The actor {url} has no inbox.")
    endpoints = doc.get("endpoints")
    shared_inbox = _http_url(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else ""
    key_id, pem = _public_key(doc, url)
    kind = doc.get("type")
    return store.RemoteAccountFields(
        uri=url,
        username=username,
        domain=_host(url),
        url=_http_url(doc.get("url")),
        actor_type=kind if isinstance(kind, str) else "Person",
        display_name=plain_text(_text(doc.get("name"), 1000)).strip(),
        note_html=sanitize_remote(_text(doc.get("summary"))),
        fields_json=_fields(doc.get("attachment")),
        locked=doc.get("manuallyApprovesFollowers") is True,
        # Interop: Mastodon treats a missing `discoverable` as opting out.
        discoverable=doc.get("discoverable") is True,
        avatar_url=_http_url(doc.get("icon")),
        header_url=_http_url(doc.get("image")),
        inbox_uri=inbox,
        shared_inbox_uri=shared_inbox,
        outbox_uri=_http_url(doc.get("outbox")),
        followers_uri=_http_url(doc.get("followers")),
        following_uri=_http_url(doc.get("following")),
        featured_uri=_http_url(doc.get("featured")),
        public_key_id=key_id,
        public_key_pem=pem,
        raw_json=json.dumps(doc, ensure_ascii=False),
    )


def _key_owner(doc: JsonDict, key_id: str) -> str:
    """Who a fetched key document says owns `key_id`: an actor's key entry, or a bare key."""
    entries = doc.get("publicKey")
    for key in entries if isinstance(entries, list) else [entries]:
        if isinstance(key, dict) and key.get("id") == key_id and isinstance(key.get("owner"), str):
            return str(key["owner"])
    if doc.get("id") == key_id:
        owner = doc.get("owner") or doc.get("controller")
        if isinstance(owner, str):
            return owner
    raise BadDocument(f"The document at {key_id[:200]} does not describe that key.")


class Resolver:
    """Fetches and caches remote actors, keys and objects for the rest of the server."""

    def __init__(
        self,
        svc: Services,
        *,
        http: httpx.AsyncClient | None = None,
        policy: GuardPolicy | None = None,
        limits: FetchLimits | None = None,
        sign: Signer = sign_cavage,
        actor_ttl: timedelta = ACTOR_TTL,
        refresh_interval: timedelta = REFRESH_INTERVAL,
        failure_ttl: timedelta = FAILURE_TTL,
    ) -> None:
        assert svc.instance_keys is not None, "the instance actor has no keys yet"
        self.svc = svc
        self.http: httpx.AsyncClient = http if http is not None else svc.extras["http"]
        self.policy = policy or GuardPolicy.from_config(svc.config.federation)
        self.limits = limits or FetchLimits()
        self.key_id = main_key_id(Uris(svc.base_url).instance_actor())
        self.actor_ttl = actor_ttl
        self.refresh_interval = refresh_interval
        self.failure_ttl = failure_ttl
        self._sign = sign
        self._private_key = load_private_key(svc.instance_keys.private_pem)
        self._domain = svc.config.instance.domain.lower()
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._failures: dict[str, tuple[float, RemoteError]] = {}
        self._keys: dict[str, tuple[float, Account, str]] = {}

    # --- fetching ---------------------------------------------------------------------------

    def _signed_headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": AP_ACCEPT}
        headers.update(
            self._sign(
                method="GET",
                url=url,
                headers=headers,
                body=None,
                key_id=self.key_id,
                private_key=self._private_key,
            )
        )
        return headers

    def signed_get_headers(self, url: str, accept: str) -> dict[str, str]:
        """Headers of a GET of `url` signed by the instance actor (with `Accept` signed too);
        used for fetches that are not ActivityPub documents, such as media files."""
        headers = {"Accept": accept}
        headers.update(
            self._sign(
                method="GET",
                url=url,
                headers=headers,
                body=None,
                key_id=self.key_id,
                private_key=self._private_key,
            )
        )
        return headers

    async def _fetch_ap(self, url: str) -> tuple[str, JsonDict]:
        """A signed GET of an ActivityPub document: (final URL, document); id not yet checked."""
        fetched = await guarded_get(
            self.http, url, policy=self.policy, limits=self.limits, headers_for=self._signed_headers
        )
        # Interop: Mastodon 4.2.5+ refuses anything else too (CVE-2024-23832), so peers send the
        # right type; `application/json` is refused, as it is what uploaded files are served as.
        if not is_activitypub(fetched.content_type):
            shown = fetched.content_type.split(";")[0].strip() or "none"
            raise BadDocument(
                f"{fetched.url} is not an ActivityPub document (content type {shown})."
            )
        return fetched.url, _json_object(fetched)

    async def get_object(self, uri: str) -> JsonDict:
        """Any ActivityPub document by id (signed GET); its `id` must be the URL it came from."""
        final, doc = await self._fetch_ap(uri)
        _require_own_id(doc, final)
        return doc

    async def webfinger(self, username: str, host: str) -> JsonDict:
        """The JRD of `acct:username@host` (https; http as a fallback when `allow_http`)."""
        resource = quote(f"acct:{username}@{host}", safe="")
        # Interop: Mastodon and Fedify look `acct:` handles up over https only; plain http is a
        # fallback for development instances (`allow_http`), tried when https gets no answer.
        schemes = ("https", "http") if self.policy.allow_http else ("https",)
        for scheme in schemes:
            url = f"{scheme}://{host}/.well-known/webfinger?resource={resource}"
            if host_of(check_url(url, self.policy)) != host:
                raise Refused(f"{host[:200]!r} is not a host name.")
            try:
                fetched = await guarded_get(
                    self.http,
                    url,
                    policy=self.policy,
                    limits=self.limits,
                    headers_for=lambda _url: {"Accept": JRD_ACCEPT},
                )
            except Unreachable:
                if scheme == schemes[-1]:
                    raise
                continue
            return _json_object(fetched)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- actors and keys --------------------------------------------------------------------

    def _is_local(self, uri: str) -> bool:
        return _host(uri) == self._domain

    def is_fresh(self, account: Account, *, refresh: bool = False) -> bool:
        """Whether a cached account may be used as is (local accounts always may)."""
        if account.local:
            return True
        fetched = from_db(account.fetched_at)
        if fetched is None:
            return False
        age = utcnow() - fetched
        # A refresh is honoured at most once per `refresh_interval`, so a flood of badly signed
        # requests cannot make us hammer the other server.
        return age < self.refresh_interval if refresh else age < self.actor_ttl

    async def get_actor(self, uri: str, *, refresh: bool = False) -> Account:
        """The account of an actor IRI: cached for `actor_ttl`, else fetched, checked and stored.

        When a stale cached actor cannot be refetched (peer down), the cached one is returned.
        """
        async with self.svc.db.read() as conn:
            cached = await account_store.get_account_by_uri(conn, uri)
        if cached is not None and self.is_fresh(cached, refresh=refresh):
            return cached
        if self._is_local(uri):
            raise FetchFailed(f"There is no account {uri[:200]} here.")
        try:
            return await self._once(f"actor {uri}", lambda: self._fetch_actor(uri))
        except FetchFailed as exc:
            if cached is None or refresh or isinstance(exc, Refused):
                raise
            logger.info("remote.actor_stale uri=%s error=%s", uri, exc.safe_message)
            return cached

    async def _fetch_actor(self, uri: str) -> Account:
        final, doc = await self._fetch_ap(uri)
        return await self._store_actor(doc, final)

    async def _store_actor(self, doc: JsonDict, url: str) -> Account:
        fields = actor_fields(doc, url)
        async with self.svc.db.write() as tx:
            account = await store.upsert_remote_account(tx, fields)
        self._failures.pop(account.public_key_id, None)
        self._keys.pop(account.public_key_id, None)
        return account

    async def get_key(self, key_id: str, *, refresh: bool = False) -> tuple[Account, str]:
        """(owner account, public key PEM) for a key id; `refresh=True` after a failed check.

        A key found is held in memory for `KEY_HOLD_SECONDS` (no database round trip per
        signed request); `refresh=True` always looks further.
        """
        held = None if refresh else self._keys.get(key_id)
        if held is not None and held[0] > time.monotonic():
            return held[1], held[2]
        async with self.svc.db.read() as conn:
            cached = await store.get_account_by_key_id(conn, key_id)
        if cached is not None and cached.public_key_pem and self.is_fresh(cached, refresh=refresh):
            return self._hold_key(key_id, cached, cached.public_key_pem)
        if self._is_local(key_id):
            raise FetchFailed(f"There is no key {key_id[:200]} here.")
        failed = self._failures.get(key_id)
        if failed is not None and failed[0] > time.monotonic():
            error = failed[1]
            raise type(error)(error.safe_message, detail=f"remembered failure: {error.detail}")
        try:
            account = await self._once(f"key {key_id}", lambda: self._fetch_key(key_id))
        except RemoteError as exc:
            self._remember_failure(key_id, exc)
            raise
        return self._hold_key(key_id, account, account.public_key_pem)

    def forget_key(self, key_id: str) -> None:
        """Drop a key held in memory (its owner's row changed outside the resolver)."""
        self._keys.pop(key_id, None)

    def _hold_key(self, key_id: str, account: Account, pem: str) -> tuple[Account, str]:
        if len(self._keys) >= _MAX_KEYS_HELD:
            self._keys.clear()
        self._keys[key_id] = (time.monotonic() + KEY_HOLD_SECONDS, account, pem)
        return account, pem

    async def _fetch_key(self, key_id: str) -> Account:
        # Interop: Mastodon's key ids are `<actor>#main-key` (the actor itself answers);
        # GoToSocial's are `<actor>/main-key`, answered by a stub naming the owner.
        key_url = key_id.partition("#")[0]
        final, doc = await self._fetch_ap(key_url)
        owner = _key_owner(doc, key_id)
        if _host(owner) != _host(key_id) or not _host(owner):
            raise BadDocument(f"The key {key_id[:200]} claims an owner on another server.")
        if owner == final and doc.get("id") == final:
            account = await self._store_actor(doc, final)
        else:
            account = await self.get_actor(owner, refresh=True)
        # The owner must list the key itself: a key document alone cannot name its owner
        # (Fedify GHSA-q9f8-5hc7-898f).
        if account.public_key_id != key_id or not account.public_key_pem:
            raise BadDocument(f"The actor {owner[:200]} does not list the key {key_id[:200]}.")
        return account

    def _remember_failure(self, key_id: str, error: RemoteError) -> None:
        """Keep a failed key fetch for `failure_ttl`, so floods cannot make us refetch endlessly."""
        now = time.monotonic()
        if len(self._failures) >= _MAX_FAILURES_KEPT:
            self._failures = {k: v for k, v in self._failures.items() if v[0] > now}
            if len(self._failures) >= _MAX_FAILURES_KEPT:
                self._failures.clear()
        self._failures[key_id] = (now + self.failure_ttl.total_seconds(), error)

    async def resolve_url(self, url: str) -> Account | JsonDict:
        """A pasted profile or post URL: the actor's Account, or the object's document."""
        async with self.svc.db.read() as conn:
            cached = await store.get_remote_account_by_uri(conn, url)
        if cached is not None and self.is_fresh(cached):
            return cached
        final, doc = await self._fetch_ap(url)
        doc_id = doc.get("id")
        if doc_id != final:
            # Interop: Mastodon serves the actor at its profile URL (`/@name`) with the id
            # `/users/name`; refetch from the id, on the same server only.
            if not isinstance(doc_id, str) or _host(doc_id) != _host(final):
                raise BadDocument(
                    f"The document at {final} claims to be {str(doc_id)[:200]!r}, "
                    "which is not on the same server."
                )
            final, doc = await self._fetch_ap(doc_id)
            _require_own_id(doc, final)
        if _is_actor(doc):
            return await self._store_actor(doc, final)
        return doc

    async def _once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """Run `make()` once for concurrent callers asking for the same thing."""
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.ensure_future(make())
            self._inflight[key] = running
            running.add_done_callback(lambda _done: self._inflight.pop(key, None))
        result: T = await asyncio.shield(running)
        return result


def build_resolver(svc: Services) -> Resolver:
    """The process-wide Resolver over `svc.extras["http"]` (see the module docstring)."""
    return Resolver(svc, http=svc.extras["http"])


def resolver_of(svc: Services) -> Resolver:
    """The Resolver wired into `svc.extras["resolver"]`."""
    resolver = svc.extras.get("resolver")
    if not isinstance(resolver, Resolver):
        raise RuntimeError('svc.extras["resolver"] is not set: wire build_resolver(svc) at startup')
    return resolver
