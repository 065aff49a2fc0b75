"""Input dataclasses of the authoring use cases, shared by the web forms, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from fedi.media.attach import MediaChange
from fedi.polls.rules import PollDraft


@dataclass(frozen=True, slots=True, kw_only=True)
class PostDraft:
    """A new post as its author wrote it (Markdown text, not yet validated).

    `visibility` None means the author's default (`users.default_visibility`).
    Field errors name Mastodon's parameters: `status`, `spoiler_text`, `visibility`,
    `in_reply_to_id`.
    """

    text: str
    content_warning: str = ""
    visibility: str | None = None
    in_reply_to_id: int | None = None
    # None: the author's default (`users.default_sensitive`, for posts with media).
    sensitive: bool | None = None
    # None: the author's default language (`users.default_language`), else no language.
    language: str | None = None
    # Ids of the author's own ready, unattached uploads (fedi.media), in order: up to four images,
    # or one video/audio file. Field errors name `media`.
    media_ids: tuple[int, ...] = ()
    # A poll to attach (fedi.polls); never together with media. Field errors name `poll[...]`.
    poll: PollDraft | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PostEdit:
    """New text for an existing post (its visibility and reply target do not change)."""

    text: str
    content_warning: str = ""
    sensitive: bool = False
    language: str | None = None
    # None keeps the attachments; a tuple makes those uploads the post's attachments (others go).
    media_ids: tuple[int, ...] | None = None
    # The poll after the edit (fedi.polls.editing): a draft replaces or adds it; None keeps it,
    # unless `remove_poll` (Mastodon: an API edit without `poll` removes the post's poll).
    poll: PollDraft | None = None
    remove_poll: bool = False
    # New alt text and focal points of the post's attachments (Mastodon's `media_attributes`).
    media_changes: tuple[MediaChange, ...] = ()
