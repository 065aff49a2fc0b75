"""Import rules of STYLE.md section 3, checked by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fedi"

PURE = (
    "fedi.errors",
    "fedi.config",
    "fedi.activitypub",
    "fedi.text",
    "fedi.textrender",
    "fedi.remote_html",
    "fedi.webfinger.resource",
)
STORAGE = ("fedi.storage",)
INFRA = (
    "fedi.context",
    "fedi.events",
    "fedi.remote",
    "fedi.netguard",
    "fedi.workers",
    "fedi.mail",
    "fedi.load_gauge",
    "fedi.gc_settings",
)
SERVICES = (
    "fedi.accounts",
    "fedi.visibility",
    "fedi.moderation",
    "fedi.timelines",
    "fedi.notifications",
    "fedi.nodeinfo",
    "fedi.posts_view",
    "fedi.webfinger",
    "fedi.outbox",
    "fedi.inbox",
    "fedi.oauth",
    "fedi.instance_info",
    "fedi.api_reads",
    "fedi.status_actions",
    "fedi.account_actions",
    "fedi.media",
    "fedi.streams",
    "fedi.paging",
    "fedi.filters",
    "fedi.filters_v1",
    "fedi.lists",
    "fedi.markers",
    "fedi.notification_queries",
    "fedi.conversations",
    "fedi.tags",
    "fedi.trends",
    "fedi.suggestions",
    "fedi.reports",
    "fedi.user_domain_blocks",
    "fedi.search",
    "fedi.push",
    "fedi.scheduled",
    "fedi.scheduled_publish",
    "fedi.notification_policy",
    "fedi.polls",
    "fedi.announcements",
    "fedi.follow_options",
    "fedi.profile_options",
    "fedi.cards",
    "fedi.endorsements",
    "fedi.featured_tags",
)
ADAPTERS = ("fedi.web", "fedi.cli")
WIRING = ("fedi.app", "fedi.__main__")
LAYERS = (PURE, STORAGE, INFRA, SERVICES, ADAPTERS, WIRING)

# Third-party packages each layer may not use.
FORBIDDEN_THIRD_PARTY = {
    0: ("quart", "hypercorn", "aiosqlite", "httpx", "whoosh", "aiosmtplib"),
    1: ("quart", "hypercorn", "httpx"),
    2: ("quart", "hypercorn"),
    3: ("quart", "hypercorn", "aiosqlite"),
}
# Explicit exceptions: (importer prefix, imported prefix).
ALLOWED = (
    ("fedi.web", "fedi.storage.rows"),  # row dataclasses are plain data
    ("fedi.cli", "fedi.app"),  # the console script starts the app
)


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer_of(module: str) -> int | None:
    """The layer number of a fedi module (pure=0 ... wiring=5); None for the package root."""
    # webfinger.resource is pure although webfinger is a service package.
    for number, prefixes in enumerate(LAYERS):
        if _matches(module, prefixes):
            if number == 3 and _matches(module, PURE):
                return 0
            return number
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.Module, module: str) -> list[tuple[int, str, bool]]:
    """(line, imported module, at top level?) for every import in a module."""
    found = []
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((node.lineno, alias.name, id(node) in top_level))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".")
                base = ".".join(
                    pkg[: len(pkg) - node.level + (1 if _is_pkg(module) else 0)]
                    + ([base] if base else [])
                )
            names = [f"{base}.{a.name}" for a in node.names] if base.startswith("fedi") else [base]
            for name in names:
                found.append((node.lineno, name, id(node) in top_level))
    return found


def _is_pkg(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").exists()


def _violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mine = layer_of(module)
        for line, imported, top in _imports(tree, module):
            where = f"{path.relative_to(ROOT)}:{line} imports {imported}"
            if not top and not _inside_type_checking(tree, line):
                problems.append(f"{where} inside a function (move it to the top of the module)")
            if imported.startswith("fedi."):
                theirs = layer_of(imported)
                if mine is None or theirs is None:
                    continue
                if any(_matches(module, (a,)) and _matches(imported, (b,)) for a, b in ALLOWED):
                    continue
                if theirs > mine:
                    problems.append(f"{where}: layer {mine} may not import layer {theirs}")
                elif _matches(module, ("fedi.web",)) and _matches(imported, STORAGE):
                    problems.append(f"{where}: web handlers go through services, not storage")
                elif _matches(module, ("fedi.outbox",)) and _matches(imported, ("fedi.inbox",)):
                    problems.append(f"{where}: outbox may not import inbox")
            elif mine is not None:
                top_name = imported.split(".")[0]
                if top_name in FORBIDDEN_THIRD_PARTY.get(mine, ()):
                    problems.append(f"{where}: layer {mine} may not use {top_name}")
    return problems


def _inside_type_checking(tree: ast.Module, line: int) -> bool:
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end:
                return True
    return False


def test_imports_point_down():
    """Every module imports only from its own or lower layers (STYLE.md section 3)."""
    problems = _violations()
    assert not problems, "layering violations:\n" + "\n".join(problems)


def test_every_module_has_a_layer():
    """A new top-level module must be placed in a layer here, so the rules cover it."""
    unplaced = [
        _module_name(p)
        for p in PACKAGE.rglob("*.py")
        if layer_of(_module_name(p)) is None and _module_name(p) != "fedi"
    ]
    assert not unplaced, f"modules without a layer: {unplaced}"
