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
    "fedi.web.pages.account_deletion",
    "fedi.web.pages.blocks",
    "fedi.web.pages.follow_options",
    "fedi.web.pages.admin",
    "fedi.web.pages.admin_federation",
    "fedi.web.pages.admin_media",
    "fedi.web.pages.announcements",
    "fedi.web.pages.profile",
    "fedi.web.pages.featured_tags",
    "fedi.web.pages.remote_profile",
    "fedi.web.pages.search",
    "fedi.web.pages.interactions",
    "fedi.web.pages.pins",
    "fedi.web.pages.endorsements",
    "fedi.web.pages.reports",
    "fedi.web.pages.notifications",
    "fedi.web.pages.notification_requests",
    "fedi.web.pages.scheduled",
    "fedi.web.pages.settings",
    "fedi.web.pages.home",
    "fedi.web.pages.compose",
    "fedi.web.pages.status",
    "fedi.web.wellknown",
    "fedi.web.federation",
    "fedi.web.oauth",
    "fedi.web.api.apps",
    "fedi.web.api.instance",
    "fedi.web.api.statuses",
    "fedi.web.api.accounts",
    "fedi.web.api.timelines",
    "fedi.web.api.follow_requests",
    "fedi.web.api.favourites_bookmarks",
    "fedi.web.pages.authorized_apps",
    "fedi.web.media",
    "fedi.web.api.media",
    "fedi.web.remote_media",
    "fedi.web.api.notifications",
    "fedi.web.api.markers",
    "fedi.web.api.preferences",
    "fedi.web.api.lists",
    "fedi.web.api.filters",
    "fedi.web.api.conversations",
    "fedi.web.api.tags",
    "fedi.web.api.endorsements",
    "fedi.web.api.blocks_mutes",
    "fedi.web.api.trends",
    "fedi.web.api.suggestions",
    "fedi.web.api.announcements",
    "fedi.web.api.reports",
    "fedi.web.api.search",
    "fedi.web.api.domain_blocks",
    "fedi.web.api.streaming",
    "fedi.web.api.push",
    "fedi.web.api.polls",
    "fedi.web.pages.polls",
    "fedi.web.api.scheduled_statuses",
    "fedi.web.api.notification_policy",
)


def register_blueprints(app: Quart) -> None:
    """Attach every blueprint listed in BLUEPRINT_MODULES."""
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(name).bp)
