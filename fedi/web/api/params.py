"""Request parameters the way Mastodon (Rails) reads them: query and body merged, brackets nested.

Interop: clients send form data (Mastodon.py, Tusky, Phanpy), JSON (masto.js, Ice Cubes, toot),
multipart (uploads, profile edits) or query strings (Mammoth's token request), with Rails-style
bracket keys (`media_ids[]`, `poll[options][]`, `fields_attributes[0][name]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from quart import g, request
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import BadRequest

from fedi.errors import Invalid

TRUE = frozenset({"1", "true", "t", "on", "yes", "y"})
FALSE = frozenset({"0", "false", "f", "off", "no", "n", ""})
_SEGMENT = re.compile(r"\[([^\]]*)\]")


def _path(key: str) -> list[str]:
    """`poll[options][]` -> ["poll", "options", ""]."""
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    return [head, *_SEGMENT.findall("[" + rest)]


def _insert(target: dict[str, Any], path: list[str], value: Any) -> None:
    node: Any = target
    for index, part in enumerate(path):
        last = index == len(path) - 1
        following = None if last else path[index + 1]
        if part == "":
            # `a[]`: append; `a[][id]`: a list of dicts (Rails starts a new dict on a repeated key)
            if not isinstance(node, list):
                return
            if last:
                node.append(value)
                return
            if not node or not isinstance(node[-1], dict) or path[index + 1] in node[-1]:
                node.append({})
            node = node[-1]
            continue
        if not isinstance(node, dict):
            return
        if last:
            node[part] = value
            return
        if part not in node or not isinstance(node[part], (dict, list)):
            node[part] = [] if following == "" else {}
        node = node[part]


def flatten_pairs(pairs: Iterable[tuple[str, Any]], into: dict[str, Any]) -> None:
    """Fold (key, value) pairs, in the order sent, into nested values (repeated plain keys
    become lists). The order matters for `a[][id]=1&a[][x]=y&a[][id]=2` (two objects)."""
    plain: dict[str, list[Any]] = {}
    for key, value in pairs:
        path = _path(key)
        if len(path) == 1:
            seen = plain.setdefault(key, [])
            seen.append(value)
            into[key] = seen if len(seen) > 1 else value
        else:
            _insert(into, path, value)


def flatten_multidict(data: MultiDict[str, Any], into: dict[str, Any]) -> None:
    """Fold form/query pairs into nested values (repeated plain keys become lists)."""
    flatten_pairs(data.items(multi=True), into)


class Params:
    """Merged request parameters with typed, forgiving accessors."""

    def __init__(self, values: dict[str, Any], files: dict[str, FileStorage] | None = None):
        self.values = values
        self.files = files or {}

    def has(self, name: str) -> bool:
        """Whether the client sent the parameter at all."""
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        """The raw value (string, list, dict, or a JSON scalar)."""
        return self.values.get(name, default)

    def str(self, name: str, default: str = "") -> str:
        """A string (the last one when several were sent)."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, list):
            value = value[-1] if value else default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict):
            return default
        return str(value)

    def opt_str(self, name: str) -> str | None:
        """A string, or None when absent."""
        return self.str(name) if name in self.values else None

    def bool(self, name: str, default: bool = False) -> bool:
        """true/false/1/0/on/off/t/f or a JSON boolean; junk or absent gives the default."""
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if value is None or isinstance(value, (list, dict)):
            return default
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE and text != "":
            return False
        return default

    def opt_bool(self, name: str) -> bool | None:
        """A boolean, or None when absent or unreadable."""
        if name not in self.values:
            return None
        first = self.bool(name, True)
        second = self.bool(name, False)
        return first if first == second else None

    def int(
        self,
        name: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        """An integer clamped to [low, high]; empty or junk gives the default (Interop: Bridgy)."""
        value = self.values.get(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        if value is None or isinstance(value, (dict, bool)):
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            return default
        if low is not None:
            number = max(low, number)
        if high is not None:
            number = min(high, number)
        return number

    def id(self, name: str) -> int | None:
        """A numeric id (ids are decimal strings in the API); None when absent or not numeric."""
        value = self.str(name).strip()
        return int(value) if value.isdigit() else None

    def list(self, name: str) -> list[str]:
        """`name[]=a&name[]=b`, `name=a`, or a JSON array: always a list of strings."""
        value = self.values.get(name)
        if value is None:
            return []
        if isinstance(value, dict):
            # Interop: masto.js sends arrays in multipart as name[0], name[1].
            return [str(v) for _, v in sorted(value.items(), key=lambda kv: _order(kv[0]))]
        if not isinstance(value, list):
            value = [value]
        return [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]

    def ids(self, name: str) -> list[int]:
        """A list of numeric ids; non-numeric entries are ignored."""
        return [int(v) for v in self.list(name) if v.strip().isdigit()]

    def dict(self, name: str) -> dict[str, Any]:
        """A nested object (`name[key]=...` or a JSON object); {} when absent."""
        value = self.values.get(name)
        return value if isinstance(value, dict) else {}

    def sub(self, name: str) -> Params:
        """The nested object as Params (e.g. `poll`, `source`)."""
        return Params(self.dict(name))

    def records(self, name: str) -> list[dict[str, Any]]:
        """A list of objects: `a[][k]=`, `a[0][k]=` or a JSON array of objects."""
        value = self.values.get(name)
        if isinstance(value, dict):
            return [
                v
                for _, v in sorted(value.items(), key=lambda kv: _order(kv[0]))
                if isinstance(v, dict)
            ]
        if isinstance(value, list):
            return [v for v in value if isinstance(v, dict)]
        return []

    def file(self, name: str) -> FileStorage | None:
        """An uploaded file (multipart), or None."""
        upload = self.files.get(name)
        return upload if upload is not None and upload.filename is not None else None

    def require(self, name: str) -> str:
        """A required non-empty string, else 422 naming the field."""
        value = self.str(name).strip()
        if not value:
            raise Invalid.field(name, "can't be blank")
        return value


def _pairs(raw: bytes) -> list[tuple[str, str]]:
    return parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


def _order(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 30, key)


async def api_params() -> Params:
    """The current request's merged parameters (query first, then the body), parsed once."""
    cached = g.get("api_params")
    if cached is not None:
        return cached
    values: dict[str, Any] = {}
    # Parsed from the raw bytes: werkzeug's MultiDict groups repeated keys and loses the order.
    flatten_pairs(_pairs(request.query_string), values)
    files: dict[str, FileStorage] = {}
    mimetype = request.mimetype or ""
    # A GET without a body is answered without waiting on the (empty) body stream.
    bodiless = (
        request.method in ("GET", "HEAD")
        and not request.content_length
        and "Transfer-Encoding" not in request.headers
    )
    if not bodiless and (
        request.method not in ("GET", "HEAD", "DELETE") or await request.get_data()
    ):
        if mimetype == "application/json" or mimetype.endswith("+json"):
            body = await request.get_json(silent=True)
            if body is None and (await request.get_data()).strip():
                raise BadRequest("The request body is not valid JSON.")
            if isinstance(body, dict):
                values.update(body)
        elif mimetype == "application/x-www-form-urlencoded":
            flatten_pairs(_pairs(await request.get_data()), values)
        elif mimetype == "multipart/form-data":
            flatten_multidict(await request.form, values)
            uploaded = await request.files
            files = {key: uploaded[key] for key in uploaded}
    params = Params(values, files)
    g.api_params = params
    return params
