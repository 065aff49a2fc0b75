"""Page rendering with a synchronous Jinja environment.

Quart's own environment runs in async mode, which on our pages cost about three times the
rendering time and re-imported the macros module on every `{% include %}`. Templates here do
no I/O, so a plain environment sharing Quart's loader renders them, and `import` of the macros
is cached. `g`, `request` and `url_for` are globals, so macros imported without context see them.
"""

from __future__ import annotations

from typing import Any

import jinja2
from quart import Quart, g, request, url_for

_ENV_KEY = "fedi_jinja_sync"


def build_environment(app: Quart) -> jinja2.Environment:
    """A sync Environment with Quart's loader, filters, tests and the request globals."""
    env = jinja2.Environment(
        loader=app.jinja_env.loader,
        autoescape=app.select_jinja_autoescape,
        auto_reload=bool(app.config.get("TEMPLATES_AUTO_RELOAD")),
        extensions=list(app.jinja_env.extensions),
        trim_blocks=app.jinja_env.trim_blocks,
        lstrip_blocks=app.jinja_env.lstrip_blocks,
    )
    env.filters.update(app.jinja_env.filters)
    env.tests.update(app.jinja_env.tests)
    env.globals.update(url_for=url_for, request=request, g=g, config=app.config)
    app.extensions[_ENV_KEY] = env
    return env


def render(app: Quart, template: str, context: dict[str, Any]) -> str:
    """Render a template synchronously (call inside a request context)."""
    env: jinja2.Environment = app.extensions[_ENV_KEY]
    return env.get_template(template).render(context)
