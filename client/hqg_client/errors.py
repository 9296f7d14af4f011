"""The gateway's refusals as exceptions: one class per kind, all ``HqgError``.

The gateway answers every error in one JSON shape (``{"error": {"code", "message",
"request_id", "decision_id"?, "parameter"?}}``); the exception keeps each field, so a caller can
branch on ``code`` and quote ``decision_id`` to the security team.
"""

from __future__ import annotations


class HqgError(Exception):
    """A request the gateway refused or could not serve (or that never reached it)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "error",
        status: int = 0,
        request_id: str | None = None,
        decision_id: str | None = None,
        parameter: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.request_id = request_id
        self.decision_id = decision_id
        self.parameter = parameter
        self.retry_after = retry_after


class BadRequest(HqgError):
    """400/422: the query or a parameter was refused (``code`` says which rule)."""


class AuthError(HqgError):
    """401: the key is missing, unknown or disabled."""


class AccessDenied(HqgError):
    """403: policy refused the request; ``decision_id`` names the decision."""


class NotFound(HqgError):
    """404: no such route or resource (a collection the caller may not see answers so too)."""


class RateLimited(HqgError):
    """429: slow down; ``retry_after`` is in seconds."""


class Unavailable(HqgError):
    """503, or the gateway cannot be reached."""


BY_STATUS: dict[int, type[HqgError]] = {
    400: BadRequest,
    401: AuthError,
    403: AccessDenied,
    404: NotFound,
    413: BadRequest,
    422: BadRequest,
    429: RateLimited,
    503: Unavailable,
}
