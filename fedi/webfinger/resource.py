"""WebFinger resources and documents (pure): parse `acct:`/URL resources, build JRD and XRD.

Hosts are compared case-insensitively with the port included (`localhost:8000`), and a
percent-encoded resource (`acct%3Aalice%40localhost%3A8000`, as Fedify sends when the query was
encoded twice) is decoded. An `acct:` resource may leave out the scheme (`alice@host`, as Mastodon
accepts) or start with `@`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import quoteattr

from fedi.errors import Invalid, NotFound

JsonDict = dict[str, Any]

SELF_TYPE = "application/activity+json"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
MAX_RESOURCE_LENGTH = 1024

_USERNAME = re.compile(r"^[A-Za-z0-9_]+$")
_PATHS = (
    re.compile(r"^/users/(?P<name>[A-Za-z0-9_]+)/?$"),
    re.compile(r"^/@(?P<name>[A-Za-z0-9_]+)/?$"),
)
_INSTANCE_ACTOR_PATH = re.compile(r"^/actor/?$")

BAD_RESOURCE = "The resource must look like acct:name@host or a URL of an account."
NO_SUCH_ACCOUNT = "There is no account with that name here."
OTHER_HOST = "That account does not live on this server."


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """A parsed resource: `acct:` (username and host) or an http(s) URL (host and path)."""

    scheme: str
    host: str
    username: str = ""
    path: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What a resource names on this server: an account by username, or the instance actor."""

    username: str = ""
    instance_actor: bool = False


def _bad() -> Invalid:
    return Invalid.field("resource", BAD_RESOURCE)


def parse_resource(raw: str) -> Resource:
    """Parse a WebFinger `resource`; Invalid (field `resource`) when it is not one."""
    text = raw.strip()
    if not text or len(text) > MAX_RESOURCE_LENGTH:
        raise _bad()
    lowered = text.lower()
    if "%" in text and (
        "@" not in text or not lowered.startswith(("acct:", "http://", "https://"))
    ):
        text = unquote(text)
        lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        return _parse_url(text)
    if lowered.startswith("acct:"):
        text = text[len("acct:") :]
    text = text.removeprefix("@")
    user, sep, host = text.rpartition("@")
    user, host = unquote(user).strip(), unquote(host).strip().lower()
    if not sep or not user or not host or "/" in host or "@" in host or " " in host:
        raise _bad()
    return Resource(scheme="acct", host=host, username=user)


def _parse_url(text: str) -> Resource:
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        raise _bad() from None
    if not host or parts.username or parts.password:
        raise _bad()
    if port is not None:
        host = f"{host}:{port}"
    return Resource(scheme=parts.scheme.lower(), host=host, path=unquote(parts.path) or "/")


def target_of(resource: Resource, *, domain: str) -> Target:
    """What the resource names on this server (`domain` incl. port); NotFound otherwise."""
    if resource.host != domain.lower():
        raise NotFound(OTHER_HOST)
    if resource.scheme == "acct":
        if resource.username.lower() == domain.lower():
            return Target(instance_actor=True)
        if not _USERNAME.match(resource.username):
            raise NotFound(NO_SUCH_ACCOUNT)
        return Target(username=resource.username)
    if _INSTANCE_ACTOR_PATH.match(resource.path):
        return Target(instance_actor=True)
    for pattern in _PATHS:
        found = pattern.match(resource.path)
        if found:
            return Target(username=found["name"])
    raise NotFound(NO_SUCH_ACCOUNT)


def subscribe_template(base_url: str) -> str:
    """The remote-follow URL template (`{uri}` is filled in by the other server)."""
    return f"{base_url}/authorize_interaction?uri={{uri}}"


def jrd(*, subject: str, actor: str, profile_page: str, base_url: str) -> JsonDict:
    """The JRD for an actor: exactly one `self` link, the profile page and the subscribe template."""
    aliases = [profile_page, actor] if profile_page != actor else [actor]
    return {
        "subject": subject,
        "aliases": aliases,
        "links": [
            {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_page},
            {"rel": "self", "type": SELF_TYPE, "href": actor},
            {"rel": SUBSCRIBE_REL, "template": subscribe_template(base_url)},
        ],
    }


def acct(username: str, domain: str) -> str:
    """`acct:name@host` (the host keeps its port)."""
    return f"acct:{username}@{domain}"


def host_meta(base_url: str) -> str:
    """The host-meta XRD document pointing at our WebFinger endpoint (Mastodon's fallback)."""
    template = quoteattr(f"{base_url}/.well-known/webfinger?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={template}/>\n'
        "</XRD>\n"
    )
