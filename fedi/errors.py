"""The error tree shared by every layer; web/errors.py maps it to responses."""

from __future__ import annotations

from collections.abc import Mapping


class FediError(Exception):
    """Base error: `safe_message` may be shown to users, `detail` is for logs only."""

    status = 500
    default_message = "Something went wrong."

    def __init__(self, safe_message: str | None = None, *, detail: str = "") -> None:
        self.safe_message = safe_message or self.default_message
        self.detail = detail
        super().__init__(self.safe_message if not detail else f"{self.safe_message} ({detail})")


class NotFound(FediError):
    status = 404
    default_message = "Not found."


class Gone(FediError):
    status = 410
    default_message = "This has been deleted."


class Forbidden(FediError):
    status = 403
    default_message = "You are not allowed to do that."


class Unauthorized(FediError):
    status = 401
    default_message = "You need to log in first."


class Conflict(FediError):
    status = 409
    default_message = "That conflicts with something that already exists."


class Invalid(FediError):
    """Validation failed; `field_errors` maps a field name to a message for that field."""

    status = 422
    default_message = "Some of what you sent is not valid."

    def __init__(
        self,
        safe_message: str | None = None,
        *,
        field_errors: Mapping[str, str] | None = None,
        detail: str = "",
    ) -> None:
        self.field_errors = dict(field_errors or {})
        if safe_message is None and len(self.field_errors) == 1:
            safe_message = next(iter(self.field_errors.values()))
        super().__init__(safe_message, detail=detail)

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        """An error about one field."""
        return cls(message, field_errors={name: message})


class RateLimited(FediError):
    status = 429
    default_message = "Too many requests; try again later."

    def __init__(self, safe_message: str | None = None, *, retry_after: int = 60) -> None:
        self.retry_after = retry_after
        super().__init__(safe_message)


class RemoteError(FediError):
    status = 502
    default_message = "Another server could not be reached or sent something unusable."


class FetchFailed(RemoteError):
    pass


class RemoteGone(RemoteError):
    status = 410


class BadDocument(RemoteError):
    pass


class SignatureError(FediError):
    status = 401
    default_message = "The request signature could not be verified."


class ConfigError(FediError):
    """A configuration file or environment override is wrong; the message names the key."""

    status = 500
