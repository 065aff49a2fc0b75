"""`/api/v1/push/subscription` (reference §5.9): the Web Push subscription of the access token.

Interop: Elk asks `GET` on every start and expects 404 `Record not found` when there is none;
masto.js sends `policy` at the top level rather than as `data[policy]`, so both are read.
"""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.errors import Unauthorized
from fedi.oauth.tokens import Grant
from fedi.push import subscriptions
from fedi.push.subscriptions import ALERT_TYPES, SubscriptionRequest
from fedi.web.api.auth import INVALID_TOKEN, api_auth, bearer_token, current_grant
from fedi.web.api.entities_push import subscription_entity
from fedi.web.api.params import TRUE, Params, api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_push", __name__)


def _grant() -> Grant:
    grant = current_grant()
    if grant is None or grant.account is None:
        raise Unauthorized(INVALID_TOKEN)
    return grant


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in TRUE


def _alerts(params: Params) -> dict[str, bool] | None:
    """`data[alerts][<type>]`; None when no alerts were sent at all."""
    data = params.sub("data")
    if not data.has("alerts"):
        return None
    sent = data.dict("alerts")
    return {t: _truthy(sent.get(t)) for t in ALERT_TYPES}


def _policy(params: Params) -> str | None:
    return params.sub("data").opt_str("policy") or params.opt_str("policy")


@bp.post("/api/v1/push/subscription")
@api_auth("push")
async def create_subscription() -> Response:
    """Subscribe this token to Web Push (replacing its previous subscription)."""
    params = await api_params()
    grant = _grant()
    subscription = params.sub("subscription")
    keys = subscription.sub("keys")
    request = SubscriptionRequest(
        endpoint=subscription.str("endpoint"),
        p256dh=keys.str("p256dh"),
        auth=keys.str("auth"),
        standard=subscription.bool("standard"),
        alerts=_alerts(params) or {},
        policy=_policy(params),
    )
    assert grant.account is not None
    view = await subscriptions.subscribe(
        services(),
        token_id=grant.token_id,
        account_id=grant.account.id,
        token=bearer_token(),
        request=request,
    )
    return api_json(subscription_entity(view))


@bp.get("/api/v1/push/subscription")
@api_auth("push")
async def show_subscription() -> Response:
    """This token's subscription; 404 `Record not found` when it has none."""
    view = await subscriptions.get_subscription(services(), token_id=_grant().token_id)
    return api_json(subscription_entity(view))


@bp.put("/api/v1/push/subscription")
@api_auth("push")
async def update_subscription() -> Response:
    """Change the alerts (all of them: those not sent are off) and/or the policy."""
    params = await api_params()
    view = await subscriptions.update_subscription(
        services(), token_id=_grant().token_id, alerts=_alerts(params), policy=_policy(params)
    )
    return api_json(subscription_entity(view))


@bp.delete("/api/v1/push/subscription")
@api_auth("push")
async def delete_subscription() -> Response:
    """End this token's subscription; `{}` whether or not it had one."""
    await subscriptions.unsubscribe(services(), token_id=_grant().token_id)
    return api_json({})
