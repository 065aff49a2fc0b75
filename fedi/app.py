"""The app factory: build Services, register blueprints, start and stop the workers."""

from __future__ import annotations

import logging
from pathlib import Path

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from quart import Quart, Request, Response
from quart.typing import ResponseTypes
from quart.wrappers.response import DataBody

from fedi.accounts.deletion import account_purge_queue
from fedi.cards.service import card_fetch_queue
from fedi.config import Config
from fedi.context import Services, close_services, open_services
from fedi.events import close_broker, listen_for_notifications, open_broker
from fedi.inbox.dispatch import inbox_queue
from fedi.load_gauge import LoadGauge
from fedi.mail import mail_queue
from fedi.media.remote_jobs import media_fetch_queue
from fedi.media.worker import media_expire_queue, media_queue
from fedi.moderation.report_forward import report_forward_queue
from fedi.outbox.delivery import close_delivery, deliver_queue
from fedi.outbox.fanout import fanout_queue
from fedi.polls.ending import poll_end_queue
from fedi.polls.federation import poll_update_queue
from fedi.push.deliver import push_after_notifications, push_queue
from fedi.remote import build_resolver, open_http
from fedi.scheduled_publish import publish_scheduled_queue
from fedi.storage.mediafiles import open_media_store
from fedi.web import register_blueprints
from fedi.web.api.responses import register_api_hooks
from fedi.web.auth import check_csrf, finish_response, load_viewer
from fedi.web.errors import register_error_handlers
from fedi.web.templating import build_environment

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent / "web" / "static"
MAX_BODY = 16 * 1024 * 1024

CSP = (
    "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)


def register_queues(svc: Services) -> None:
    """Register every job kind's handler with the runner (mail; later inbox, delivery...)."""
    svc.jobs.register(mail_queue(svc.config, svc.extras))
    svc.jobs.register(fanout_queue(svc))
    svc.jobs.register(deliver_queue(svc))
    svc.jobs.register(inbox_queue(svc))
    svc.jobs.register(account_purge_queue(svc))
    svc.jobs.register(media_queue(svc))
    svc.jobs.register(media_expire_queue(svc))
    svc.jobs.register(media_fetch_queue(svc))
    svc.jobs.register(report_forward_queue(svc))
    svc.jobs.register(push_queue(svc))
    listen_for_notifications(svc, push_after_notifications)
    svc.jobs.register(publish_scheduled_queue(svc))
    svc.jobs.register(card_fetch_queue(svc))
    svc.jobs.register(poll_update_queue(svc))
    svc.jobs.register(poll_end_queue(svc))


async def open_runtime(config: Config) -> Services:
    """Services with the outbound HTTP client, the resolver and every job queue registered."""
    svc = await open_services(config)
    svc.extras["http"] = await open_http(config)
    svc.extras["resolver"] = build_resolver(svc)
    svc.extras["media_store"] = open_media_store(config)
    open_broker(svc)
    register_queues(svc)
    return svc


async def close_runtime(svc: Services) -> None:
    """End the live streams, stop the workers, close the database and the HTTP client."""
    close_broker(svc)
    await close_services(svc)
    await close_delivery(svc)
    await svc.extras["http"].aclose()


STREAMED = "fedi.streamed"  # ASGI scope key: this request already left the load gauge


class FediQuart(Quart):
    """Quart that counts its in-flight HTTP requests in a LoadGauge, for the workers to yield to.

    An HTTP request counts from the server's call into the app until its response is sent. A
    response with a streamed body (Server-Sent Events, a file) stops counting once the handler
    has returned it, so an open stream or a long download does not hold the workers back;
    WebSockets never count.
    """

    load_gauge: LoadGauge

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve one ASGI connection; an HTTP request is counted in the load gauge meanwhile."""
        if scope["type"] != "http":
            await super().asgi_app(scope, receive, send)
            return
        gauge = self.load_gauge
        gauge.enter()
        try:
            await super().asgi_app(scope, receive, send)
        finally:
            if STREAMED not in scope:
                gauge.leave()

    async def handle_request(self, request: Request) -> ResponseTypes:
        """Handle one HTTP request; a streamed response leaves the load gauge here."""
        response = await super().handle_request(request)
        if not isinstance(getattr(response, "response", None), DataBody):
            scope = request.scope
            if STREAMED not in scope:
                scope[STREAMED] = True  # type: ignore[literal-required]
                self.load_gauge.leave()
        return response


def create_app(config: Config, *, start_workers: bool = True) -> Quart:
    """A Quart app for this config; the database opens when serving starts."""
    app = FediQuart(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder=str(STATIC),
        static_url_path="/static",
    )
    # Uploads: four images or one video per request, plus the form around them; slow mobile links.
    app.config["MAX_CONTENT_LENGTH"] = (
        max(MAX_BODY, config.media.max_video_bytes, 4 * config.media.max_image_bytes) + 1024 * 1024
    )
    app.config["BODY_TIMEOUT"] = 600
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    app.url_map.strict_slashes = False
    app.extensions["fedi_config"] = config
    app.load_gauge = LoadGauge()

    @app.before_serving
    async def startup() -> None:
        svc = await open_runtime(config)
        app.extensions["fedi"] = svc
        svc.jobs.yield_to(app.load_gauge)  # background jobs let this process's requests go first
        if start_workers:
            svc.jobs.start()
        logger.info("fedi serving %s", config.base_url)

    @app.after_serving
    async def shutdown() -> None:
        svc = app.extensions.pop("fedi", None)
        if svc is not None:
            await close_runtime(svc)

    register_api_hooks(app)
    app.before_request(load_viewer)
    app.before_request(check_csrf)
    app.after_request(finish_response)

    @app.after_request
    async def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.content_type and response.content_type.startswith("text/html"):
            headers.setdefault("Content-Security-Policy", CSP)
            headers.setdefault("X-Frame-Options", "DENY")
        return response

    register_error_handlers(app)
    register_blueprints(app)
    build_environment(app)
    return app
