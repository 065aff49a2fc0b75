"""Who signed an incoming request: the signature verdict, with one key re-fetch on failure.

The key comes from the resolver (stored, or fetched with a signed GET). When a signature does not
verify with a stored key, the key is fetched again once (the actor may have rotated it, with or
without an Update) and the check repeated. The signer is the key's owner as the resolver found it
(reciprocal: the actor document lists the key); the caller compares it with the activity's actor.
Reference: federation-interop.md sections 3 and 5.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fedi.activitypub import httpsig
from fedi.context import Services
from fedi.errors import BadDocument, FetchFailed, RemoteGone
from fedi.remote import Resolver, build_resolver, open_http
from fedi.storage import remote_accounts as remote_account_store
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

# Failures a fresh copy of the key could cure; a stale date or a wrong digest it could not.
_KEY_FAILURES = frozenset({"bad signature", "unusable public key", "unsupported key type"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RawRequest:
    """An HTTP request as received: headers and body untouched (signatures cover them)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureCheck:
    """The verdict on a request's signature; `signer` is the verified key owner when ok."""

    ok: bool
    reason: str
    key_id: str = ""
    scheme: str = ""
    signer: Account | None = None


async def resolver_for(svc: Services) -> Resolver:
    """The process-wide Resolver (`svc.extras["resolver"]`), made on first use if not wired."""
    found = svc.extras.get("resolver")
    if isinstance(found, Resolver):
        return found
    if "http" not in svc.extras:
        logger.warning('inbox: svc.extras["http"] is not wired; opening the client')
        svc.extras["http"] = await open_http(svc.config)
    resolver = svc.extras["resolver"] = build_resolver(svc)
    return resolver


async def _key(resolver: Resolver, key_id: str, *, refresh: bool) -> tuple[Account, str] | str:
    """(owner, PEM) of a key, or the reason it could not be had."""
    try:
        return await resolver.get_key(key_id, refresh=refresh)
    except RemoteGone:
        # Interop: a deleted actor's key answers 410, yet its Delete is signed with the key we
        # hold (SWICG "Handling Deletes of actors"): check against our stored copy.
        async with resolver.svc.db.read() as conn:
            stored = await remote_account_store.get_account_by_key_id(conn, key_id)
        if stored is not None and not stored.local and stored.public_key_pem:
            return stored, stored.public_key_pem
        return "the signing key is gone"
    except (FetchFailed, BadDocument) as exc:
        logger.info("key fetch failed key_id=%s error=%s", key_id, exc)
        return "could not fetch the signing key"


def _missing_reason(headers: Mapping[str, str]) -> str:
    lower = {name.lower(): value for name, value in headers.items()}
    tried = "signature" in lower or lower.get("authorization", "")[:10].lower() == "signature "
    return "malformed signature header" if tried else "no signature"


def _verify(request: RawRequest, pem: str, now: datetime | None) -> httpsig.Verdict:
    return httpsig.verify(
        method=request.method,
        path_with_query=request.path,
        headers=request.headers,
        body=request.body,
        public_key=pem,
        now=now,
    )


async def check_signature(
    resolver: Resolver, request: RawRequest, *, now: datetime | None = None
) -> SignatureCheck:
    """Verify a request's HTTP signature (cavage or RFC 9421); side effect: may fetch the key.

    On a key-related failure the key is fetched once more (rotation) and the check repeated; the
    resolver honours such a refresh at most once a minute per key, so floods cannot make us
    refetch endlessly (Fedify CVE-2026-34148).
    """
    params = httpsig.parse_signature_headers(request.headers)
    if params is None:
        return SignatureCheck(ok=False, reason=_missing_reason(request.headers))
    found = await _key(resolver, params.key_id, refresh=False)
    if isinstance(found, str):
        return SignatureCheck(ok=False, reason=found, key_id=params.key_id, scheme=params.scheme)
    signer, pem = found
    verdict = _verify(request, pem, now)
    if not verdict.ok and verdict.reason in _KEY_FAILURES:
        logger.info("signature failed, refetching key key_id=%s", params.key_id)
        found = await _key(resolver, params.key_id, refresh=True)
        if isinstance(found, str):
            return SignatureCheck(
                ok=False, reason=found, key_id=params.key_id, scheme=params.scheme
            )
        signer, pem = found
        verdict = _verify(request, pem, now)
    if not verdict.ok:
        return SignatureCheck(
            ok=False, reason=verdict.reason, key_id=params.key_id, scheme=params.scheme
        )
    return SignatureCheck(
        ok=True, reason="ok", key_id=params.key_id, scheme=params.scheme, signer=signer
    )


def signer_matches(check: SignatureCheck, actor_uri: str) -> bool:
    """True when the verified key owner is the activity's actor (no one speaks for another)."""
    return check.ok and check.signer is not None and check.signer.uri == actor_uri
