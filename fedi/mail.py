"""Outgoing mail: mailers (file for development, SMTP for production) and the durable `mail` job.

Services never send mail themselves: they call `queue_mail(tx, ...)` inside their write
transaction, so the message survives a restart and a request never waits for SMTP. The `mail`
queue's handler builds the RFC 5322 message and hands it to the mailer in
`svc.extras["mailer"]`; a failure is retried with backoff by the job engine.
"""

from __future__ import annotations

import asyncio
import email.policy
import email.utils
import functools
import logging
import os
import re
import secrets
from email.message import EmailMessage
from pathlib import Path
from string import Template
from typing import Any, Protocol

import aiosmtplib

from fedi.config import Config
from fedi.storage import jobs as job_store
from fedi.storage.clock import from_db, now_db, utcnow
from fedi.storage.db import Tx
from fedi.storage.rows import Job
from fedi.workers import PermanentFailure, Queue

logger = logging.getLogger(__name__)

MAIL_KIND = "mail"
MAIL_MAX_ATTEMPTS = 10
EMAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "emails"
_LINK_RE = re.compile(r"https?://[^\s<>\"']*[^\s<>\"'.,;:!?)]")


class Mailer(Protocol):
    """Something that delivers one finished message (or raises to have it retried)."""

    async def send(self, message: EmailMessage) -> None:
        """Deliver `message`."""
        ...


class FileMailer:
    """Development mailer: one .eml file per message under a directory; links are logged."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        """Write the message atomically (temp file, then rename) and log its links at INFO."""
        path = await asyncio.to_thread(self._write, message)
        links = _LINK_RE.findall(_body_text(message))
        for link in links or [""]:
            logger.info(
                "mail to=%s subject=%s link=%s file=%s",
                message["To"],
                message["Subject"],
                link,
                path.name,
            )

    def _write(self, message: EmailMessage) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
        final = self.directory / name
        temp = self.directory / f".{name}.tmp"
        temp.write_bytes(message.as_bytes(policy=email.policy.SMTP))
        os.replace(temp, final)
        return final


class SmtpMailer:
    """Production mailer: sends through the SMTP server of `[mail]` with aiosmtplib."""

    def __init__(self, config: Config) -> None:
        self.mail = config.mail

    async def send(self, message: EmailMessage) -> None:
        """Send one message; a 5xx refusal of the message or all recipients is permanent."""
        mail = self.mail
        try:
            await aiosmtplib.send(
                message,
                hostname=mail.host,
                port=mail.port,
                username=mail.username or None,
                password=mail.password or None,
                use_tls=mail.use_tls,
                start_tls=False if mail.use_tls else mail.starttls,
                timeout=mail.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(r.code >= 500 for r in exc.recipients):
                raise PermanentFailure(f"recipient refused: {exc}") from exc
            raise
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused):
            raise  # a configuration problem: retry, an operator can fix it meanwhile
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise PermanentFailure(f"SMTP server refused the message: {exc}") from exc
            raise


def build_mailer(config: Config) -> Mailer:
    """The mailer `[mail] backend` asks for: "file" (data_dir/mail) or "smtp"."""
    if config.mail.backend == "smtp":
        return SmtpMailer(config)
    return FileMailer(config.data_path / "mail")


@functools.lru_cache(maxsize=32)
def _template(name: str) -> tuple[str, Template]:
    raw = (EMAIL_TEMPLATES / f"{name}.txt").read_text(encoding="utf-8")
    first, _, body = raw.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"mail template {name}.txt must start with a Subject: line")
    return first[len("Subject:") :].strip(), Template(body.lstrip("\n"))


def compose(name: str, **values: Any) -> tuple[str, str]:
    """Fill templates/emails/<name>.txt ($placeholders); return (subject, plain text)."""
    subject, body = _template(name)
    return Template(subject).substitute(values), body.substitute(values)


async def queue_mail(tx: Tx, *, to: str, subject: str, text: str) -> int | None:
    """Enqueue a plain-text mail as a durable `mail` job in the caller's transaction.

    The caller should also `tx.on_commit(svc.jobs.wake)` so it goes out promptly.
    """
    payload = {"to": to, "subject": subject, "text": text, "date": now_db()}
    return await job_store.enqueue(tx, MAIL_KIND, payload)


def build_message(config: Config, job: Job) -> EmailMessage:
    """The RFC 5322 message for a mail job (stable Message-ID across retries)."""
    data = job.data
    host = config.instance.domain.split(":")[0]
    message = EmailMessage()
    try:
        message["From"] = config.mail_from
        message["To"] = data["to"]
        message["Subject"] = data["subject"]
        sent = from_db(data.get("date")) or utcnow()
        message["Date"] = email.utils.format_datetime(sent)
        message["Message-ID"] = f"<fedi-mail-{job.id}@{host}>"
        message["Auto-Submitted"] = "auto-generated"
        text: str = data["text"]
        message.set_content(text, cte="7bit" if text.isascii() else "quoted-printable")
    except (KeyError, ValueError, TypeError) as exc:
        raise PermanentFailure(f"mail job {job.id} cannot be built: {exc}") from exc
    return message


def mail_queue(config: Config, extras: dict[str, Any]) -> Queue:
    """The `mail` job queue; it sends with extras["mailer"], built from config if absent."""
    extras.setdefault("mailer", build_mailer(config))

    async def handle(job: Job) -> None:
        message = build_message(config, job)
        mailer: Mailer = extras["mailer"]
        await mailer.send(message)

    return Queue(kind=MAIL_KIND, handler=handle, max_attempts=MAIL_MAX_ATTEMPTS)


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    return str(body.get_content())  # type: ignore[attr-defined]
