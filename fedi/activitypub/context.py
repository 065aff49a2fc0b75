"""Our fixed JSON-LD `@context` and an offline pyld document loader (bundled contexts only).

Documents we serve carry `CONTEXT`: the ActivityStreams and security contexts by URL plus the
`toot:`/`schema:` terms Mastodon uses, inline. The loader never touches the network: it serves the
files in `contexts/` for their well-known URLs (http or https, with or without a trailing slash or
`.jsonld`) and raises `JsonLdError` for anything else. Reading the bundled files is package data,
not I/O with the outside world; they are read once and kept.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pyld.jsonld import JsonLdError

JsonDict = dict[str, Any]

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

# Normalised URL (host + path, no scheme, no trailing slash or .jsonld) -> bundled file.
_BUNDLED = {
    "www.w3.org/ns/activitystreams": "activitystreams.json",
    "w3id.org/security/v1": "security-v1.json",
    "w3id.org/security/data-integrity/v1": "data-integrity-v1.json",
    "w3id.org/security/multikey/v1": "multikey-v1.json",
}


@cache
def _read(filename: str) -> JsonDict:
    data: JsonDict = json.loads((CONTEXTS_DIR / filename).read_text(encoding="utf-8"))
    return data


def extension_terms() -> JsonDict:
    """The `toot:`/`schema:` term map Mastodon expects (a fresh copy each call)."""
    return copy.deepcopy(_read("fedi-extensions.json")["@context"])


def _fixed_context() -> list[Any]:
    return [AS_CONTEXT, SECURITY_CONTEXT, extension_terms()]


CONTEXT: list[Any] = _fixed_context()
"""The `@context` of every top-level document we serve (actors, notes, activities, collections)."""


def with_context(document: JsonDict) -> JsonDict:
    """The document with our `@context` as its first key."""
    return {"@context": copy.deepcopy(CONTEXT), **document}


def bundled_name(url: str) -> str | None:
    """The bundled file for a context URL, or None when we do not bundle it."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or parts.query or parts.fragment:
        return None
    path = parts.path.rstrip("/")
    for suffix in (".jsonld", ".json"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return _BUNDLED.get(f"{(parts.hostname or '').lower()}{path}")


def document_loader(url: str, options: Any = None) -> JsonDict:
    """pyld document loader that serves only bundled contexts and raises for anything else."""
    name = bundled_name(url)
    if name is None:
        raise JsonLdError(
            f"Refusing to load a JSON-LD document that is not bundled: {url}",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {
        "contextUrl": None,
        "documentUrl": url,
        "contentType": "application/ld+json",
        "document": copy.deepcopy(_read(name)),
    }
