"""Reading the mails the `file` backend wrote, and the links in them (shared by web tests)."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

from fedi.config import Config


def mails(config: Config) -> list[EmailMessage]:
    """Every mail written under data_dir/mail, oldest first."""
    folder = config.data_path / "mail"
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in paths
    ]


def link(message: EmailMessage, prefix: str) -> str:
    """The path of the first link under `prefix` in a mail's plain-text body."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = re.search(r"http://localhost(" + re.escape(prefix) + r"[\w-]+)", body.get_content())
    assert match, body.get_content()
    return match.group(1)
