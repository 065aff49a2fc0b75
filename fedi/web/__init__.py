"""HTTP adapters: pages, Mastodon API, federation and discovery endpoints."""

from __future__ import annotations

from importlib import import_module

from quart import Quart

# Each module exposes a Blueprint named `bp`. Add new page/API modules here.
BLUEPRINT_MODULES = ("fedi.web.health",)


def register_blueprints(app: Quart) -> None:
    """Attach every blueprint listed in BLUEPRINT_MODULES."""
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(name).bp)
