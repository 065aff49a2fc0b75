"""The WebPushSubscription entity (reference §5.9) from the push service's view."""

from __future__ import annotations

from typing import Any

from fedi.push.subscriptions import SubscriptionView


def subscription_entity(view: SubscriptionView) -> dict[str, Any]:
    """WebPushSubscription: `{id, endpoint, standard, alerts{<type>: bool}, policy, server_key}`.

    Interop: the id is a decimal string like every API id (Mastodon itself sends a number here;
    its docs, masto.js and GoToSocial say string, and Moshi/Codable integer decoders accept both).
    """
    return {
        "id": str(view.id),
        "endpoint": view.endpoint,
        "standard": view.standard,
        "alerts": dict(view.alerts),
        "policy": view.policy,
        "server_key": view.server_key,
    }
