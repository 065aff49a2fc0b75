"""Mail: the file and SMTP backends, and the durable `mail` job (real aiosmtpd on loopback)."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from fedi.app import create_app
from fedi.context import Services
from fedi.mail import FileMailer, build_mailer, compose, queue_mail
from fedi.storage import jobs as job_store
from tests.conftest import make_config
from tests.factories import CSRF_COOKIE_VALUE, csrf_token_for

PASSWORD = "correct horse battery staple"


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every recipient."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(port: int, handler: Inbox) -> Iterator[Inbox]:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@asynccontextmanager
async def smtp_app(tmp_path: Path, port: int) -> AsyncIterator[tuple[Services, Any]]:
    """An app that sends mail over SMTP to 127.0.0.1:port, and a logged-out client."""
    cfg = make_config(
        tmp_path,
        mail={
            "backend": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "starttls": False,
            "timeout": 5,
        },
    )
    application = create_app(cfg, start_workers=False)
    async with application.test_app():
        client = application.test_client()
        client.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)
        yield application.extensions["fedi"], client


async def _sign_up(svc: Services, client: Any) -> None:
    response = await client.post(
        "/signup",
        form={
            "username": "newbie",
            "email": "newbie@example.com",
            "password": PASSWORD,
            "password_confirmation": PASSWORD,
            "csrf_token": csrf_token_for(svc),
        },
    )
    assert response.status_code == 200


async def _mail_jobs(svc: Services) -> list[Any]:
    return await svc.jobs.list(kind="mail")


async def test_smtp_delivers_the_confirmation_mail(tmp_path):
    """The confirmation mail of a sign-up reaches a real SMTP server through the mail job."""
    port = free_port()
    with smtp_server(port, Inbox()) as inbox:
        async with smtp_app(tmp_path, port) as (svc, client):
            await _sign_up(svc, client)
            assert inbox.messages == []  # the request did not wait for SMTP
            assert await svc.jobs.run_until_idle() == 1
            [job] = await _mail_jobs(svc)
            assert job.state == "done"
    [message] = inbox.messages
    assert message["To"] == "newbie@example.com"
    assert message["From"] == "fedi <noreply@localhost>"
    assert message["Message-ID"] == f"<fedi-mail-{job.id}@localhost>"
    assert "http://localhost/auth/confirm/" in message.get_content()


async def test_unreachable_smtp_server_is_retried_without_losing_the_mail(tmp_path):
    """With the SMTP server down the job waits to retry; once it is up, the same mail arrives."""
    port = free_port()
    async with smtp_app(tmp_path, port) as (svc, client):
        await _sign_up(svc, client)
        await svc.jobs.run_until_idle()
        [job] = await _mail_jobs(svc)
        assert job.state == "retry"
        assert job.attempts == 1
        assert "SMTPConnect" in job.last_error
        assert job.data["to"] == "newbie@example.com"

        with smtp_server(port, Inbox()) as inbox:
            assert await svc.jobs.requeue(job.id)
            await svc.jobs.run_until_idle()
        [job] = await _mail_jobs(svc)
        assert job.state == "done"
    [message] = inbox.messages
    assert "http://localhost/auth/confirm/" in message.get_content()


async def test_refused_recipient_is_given_up(tmp_path):
    """A recipient the server refuses permanently (5xx) is not retried."""
    port = free_port()
    with smtp_server(port, Inbox(refuse=True)) as inbox:
        async with smtp_app(tmp_path, port) as (svc, client):
            await _sign_up(svc, client)
            await svc.jobs.run_until_idle()
            [job] = await _mail_jobs(svc)
    assert job.state == "dead"
    assert "recipient refused" in job.last_error
    assert inbox.messages == []


async def test_file_mailer_writes_eml_files_and_logs_links(svc, config, caplog):
    """The file backend writes one readable .eml per mail and logs its links for developers."""
    caplog.set_level(logging.INFO, logger="fedi.mail")
    assert isinstance(svc.extras["mailer"], FileMailer)
    async with svc.db.write() as tx:
        await queue_mail(tx, to="a@example.com", subject="First", text="Go to http://x.test/a1")
        await queue_mail(tx, to="b@example.com", subject="Second", text="No link here.")
    assert await svc.jobs.run_until_idle() == 2

    folder = config.data_path / "mail"
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2 and all(n.endswith(".eml") for n in names)  # no temp files left
    messages = [
        email.message_from_bytes((folder / n).read_bytes(), policy=email.policy.default)
        for n in names
    ]
    assert {m["Subject"] for m in messages} == {"First", "Second"}
    assert all(m["From"] == config.mail_from and m["Date"] for m in messages)
    logged = [r.getMessage() for r in caplog.records if r.name == "fedi.mail"]
    assert any(
        "to=a@example.com" in line and "subject=First" in line and "link=http://x.test/a1" in line
        for line in logged
    )


async def test_mail_jobs_survive_in_the_database(svc):
    """A queued mail is a pending job row holding everything needed to send it later."""
    async with svc.db.write() as tx:
        job_id = await queue_mail(tx, to="a@example.com", subject="Hi", text="Hello")
    async with svc.db.read() as conn:
        job = await job_store.get(conn, job_id or 0)
    assert job is not None and job.kind == "mail" and job.state == "pending"
    assert job.data["to"] == "a@example.com" and job.data["text"] == "Hello"


def test_compose_fills_a_mail_template():
    """Mail templates have a subject line and $placeholders."""
    subject, text = compose(
        "confirm", instance="Tiny", base_url="https://tiny.test", username="ann", link="L1"
    )
    assert subject == "Confirm your e-mail address for Tiny"
    assert "Hello @ann" in text and "\nL1\n" in text


def test_build_mailer_follows_the_config(tmp_path):
    """`[mail] backend` picks the mailer."""
    assert type(build_mailer(make_config(tmp_path))).__name__ == "FileMailer"
    smtp = make_config(tmp_path, mail={"backend": "smtp"})
    assert type(build_mailer(smtp)).__name__ == "SmtpMailer"
