"""HTTP adapters: pages, Mastodon API, federation and discovery endpoints."""

from __future__ import annotations

from importlib import import_module

from quart import Quart

# Each module exposes a Blueprint named `bp`. Add new page/API modules here.
BLUEPRINT_MODULES = (
    "fedi.web.health",
    "fedi.web.assets",
    "fedi.web.pages.auth",
    "fedi.web.pages.account_settings",
    "fedi.web.pages.admin",
    "fedi.web.pages.admin_federation",
    "fedi.web.pages.profile",
    "fedi.web.pages.remote_profile",
    "fedi.web.pages.search",
    "fedi.web.pages.interactions",
    "fedi.web.pages.notifications",
    "fedi.web.pages.settings",
    "fedi.web.pages.home",
    "fedi.web.pages.compose",
    "fedi.web.pages.status",
    "fedi.web.wellknown",
    "fedi.web.federation",
)


def register_blueprints(app: Quart) -> None:
    """Attach every blueprint listed in BLUEPRINT_MODULES."""
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(name).bp)
