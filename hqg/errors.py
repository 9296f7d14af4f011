"""The one error hierarchy of hqg.

Every failure a caller can see is an ``HqgError``. The HTTP layer maps each class to one status
and one JSON shape ``{"error": {"code", "message", "request_id", "decision_id"?}}``; the CLI
prints the message and exits non-zero. Messages name the problem (file, field, rule, dataset)
and never echo raw user text that may hold PII.

::

    HqgError                       500  internal (never carries data)
    ├── ConfigError                500  settings or workspace invalid at start-up
    ├── InvalidRequest             422  a request body is well-formed JSON but unusable
    ├── ContractError              400  a dataset contract is invalid (file, field, problem)
    ├── IngestError                400  an ingest could not run (unreadable source, bad format)
    ├── NotFound                   404  a dataset, version or principal does not exist
    │   ├── UnknownCollection           a collection does not exist or the caller may not see it
    │   └── ModelNotFound               a chat request names a model id hqg does not serve
    ├── AuthError                  401  missing or unknown credentials
    ├── AccessDenied               403  policy denied; carries the reasons and decision id
    │   └── PromptInjection             the prompt guard blocked the request as an injection
    ├── UnsafeQuery                400  the SQL guard rejected a query; carries the rule name
    ├── InvalidParameter           400  a request parameter cannot be honoured; names it
    │   ├── UnsupportedParameter        an option hqg does not offer (e.g. OpenAI ``n=2``)
    │   └── ParameterOutOfRange         beyond its setting's bound (e.g. ``k`` > max_k)
    ├── NoQuestion                 400  a chat request holds no user message to answer
    ├── InvalidText                400  a request holds text that is not valid Unicode text
    ├── RequestTooLarge            413  a request exceeds a size limit; carries the setting
    ├── QueryLimitExceeded         400  a query ran past its time or resource cap
    ├── RateLimited                429  too many requests; carries retry-after seconds
    └── Unavailable                503  a backend (policy engine, store, detector) failed:
        ├── PolicyEngineError           fail closed, nothing is served
        └── PrivacyError                detection or masking failed: fail closed

Library errors are wrapped with ``raise … from`` so the cause is kept for operators while the
message shown to callers stays generic.
"""

from __future__ import annotations


class HqgError(Exception):
    """Base of every error hqg raises on purpose."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(HqgError):
    """Settings, the workspace or a principals file is invalid."""

    code = "config_error"


class InvalidRequest(HqgError):
    """A request passed schema validation but cannot be served (e.g. a blank query, a
    candidate policy bundle that does not compile); the message names the field."""

    code = "invalid_request"
    status = 422


class ContractError(HqgError):
    """A dataset contract is invalid; the message names file, field and problem."""

    code = "contract_invalid"
    status = 400


class IngestError(HqgError):
    """An ingest could not run at all (as opposed to rows quarantined by a run)."""

    code = "ingest_failed"
    status = 400


class NotFound(HqgError):
    """A named dataset, version or principal does not exist."""

    code = "not_found"
    status = 404


class UnknownCollection(NotFound):
    """A named collection does not exist, or the caller may not see it: the two must answer
    alike (``gateway.visibility``), so neither the class nor the message tells them apart."""

    code = "unknown_collection"


class ModelNotFound(NotFound):
    """A chat request names a model id that ``GET /v1/models`` does not list (OpenAI's
    ``model_not_found``); the message never echoes the id."""

    code = "model_not_found"


class AuthError(HqgError):
    """The caller is not authenticated."""

    code = "unauthenticated"
    status = 401


class AccessDenied(HqgError):
    """Policy denied the request; ``reasons`` say why, ``decision_id`` which decision."""

    code = "policy_denied"
    status = 403

    def __init__(
        self, message: str, *, reasons: tuple[str, ...] = (), decision_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.reasons = reasons
        self.decision_id = decision_id


class OriginNotAllowed(HqgError):
    """A browser sent the request from a web origin the operator did not allow (the MCP
    endpoint's defence against DNS rebinding)."""

    code = "origin_not_allowed"
    status = 403


class PromptInjection(AccessDenied):
    """The prompt guard scored the request as a prompt-injection attempt; a refusal of its
    own, so a client can tell it from a policy decision (``reasons`` name the rules)."""

    code = "prompt_injection"


class UnsafeQuery(HqgError):
    """The SQL guard rejected a query; ``rule`` names the guard rule that did."""

    code = "unsafe_query"
    status = 400

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule


class InvalidParameter(HqgError):
    """A request parameter (not a query) cannot be honoured; ``parameter`` names it, never its
    value. The SQL ``vector_search`` k stays a guard rule (``UnsafeQuery(rule="search_k")``):
    there it is part of a query."""

    code = "invalid_parameter"
    status = 400

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class UnsupportedParameter(InvalidParameter):
    """An option hqg would otherwise silently ignore (an OpenAI parameter it does not
    implement, ``n`` other than 1)."""

    code = "unsupported_parameter"


class ParameterOutOfRange(InvalidParameter):
    """A parameter beyond the bound a setting puts on it (``k`` above ``HQG_SEARCH__MAX_K``)."""

    code = "parameter_out_of_range"


class NoQuestion(HqgError):
    """A chat or ask request holds no non-blank user message, so there is nothing to answer."""

    code = "no_question"
    status = 400


class InvalidText(HqgError):
    """A request holds invalid text (a lone surrogate, malformed UTF-8, a control character)
    in its path, query, headers or body; the message names where, never the text."""

    code = "invalid_text"
    status = 400


class RequestTooLarge(HqgError):
    """A request exceeds a size limit; ``limit`` names the setting that bounds it."""

    code = "request_too_large"
    status = 413

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class QueryLimitExceeded(HqgError):
    """A query exceeded its time or resource cap and was interrupted."""

    code = "query_limit_exceeded"
    status = 400


class RateLimited(HqgError):
    """The caller exceeded a rate limit or quota."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(HqgError):
    """A backend failed; the request is refused rather than served unguarded."""

    code = "unavailable"
    status = 503


class PolicyEngineError(Unavailable):
    """The policy engine failed, timed out or returned an undefined decision."""

    code = "policy_engine_error"


class PrivacyError(Unavailable):
    """PII detection or masking failed; nothing unmasked is served."""

    code = "privacy_error"
