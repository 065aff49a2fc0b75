"""Local IRIs and page URLs, built from the instance base URL (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Uris:
    """Every local IRI and page path follows DESIGN.md section 4 (URLs)."""

    base: str

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def actor_collections(self, username: str) -> dict[str, str]:
        actor = self.actor(username)
        return {
            "inbox": f"{actor}/inbox",
            "shared_inbox": f"{self.base}/inbox",
            "outbox": f"{actor}/outbox",
            "followers": f"{actor}/followers",
            "following": f"{actor}/following",
            "featured": f"{actor}/collections/featured",
            "featured_tags": f"{actor}/collections/tags",
        }

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    def status(self, username: str, post_id: int) -> str:
        return f"{self.actor(username)}/statuses/{post_id}"

    def status_page(self, username: str, post_id: int) -> str:
        return f"{self.base}/@{username}/{post_id}"

    def activity(self, username: str, kind: str, ident: int | str) -> str:
        return f"{self.actor(username)}#{kind}/{ident}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"
