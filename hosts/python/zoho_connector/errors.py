"""One exception per case of the component's `types.error` variant, with the case's fields as
attributes (snake_case), so callers can `except RateLimited as e: sleep(e.retry_after_seconds)`.
Messages never contain a secret: the component redacts them before they cross the boundary."""

from __future__ import annotations

from typing import Any


class ZohoError(Exception):
    """Any error an action, poll or notification returned. `case` is the WIT case name; the case's fields are attributes."""

    case = "error"

    def __init__(self, message: str, /, **fields: Any) -> None:
        super().__init__(message)
        for name, value in fields.items():
            setattr(self, name, value)
        self.message = message
        self.fields = fields


class Unauthorized(ZohoError):
    case = "unauthorized"


class Forbidden(ZohoError):
    case = "forbidden"


class NotFound(ZohoError):
    case = "not-found"


class RateLimited(ZohoError):
    case = "rate-limited"


class InvalidInput(ZohoError):
    """An input the component refused; `input` names it, and the text a traceback or a platform
    shows starts with it: the component words `message` to read on from the name
    (`recordId is required: the record's id, a string of digits`)."""

    case = "invalid-input"

    def __str__(self) -> str:
        name = getattr(self, "input", "")
        return f"{name} {self.message}" if name else self.message


class ApiError(ZohoError):
    case = "api"


class PartialFailure(ZohoError):
    case = "partial-failure"


class TransportError(ZohoError):
    case = "transport"


class OutcomeUnknown(ZohoError):
    case = "outcome-unknown"


class DecodeError(ZohoError):
    case = "decode"


class CredentialError(ZohoError):
    case = "credential"


class HttpError(ZohoError):
    case = "http"


BY_CASE = {cls.case: cls for cls in ZohoError.__subclasses__()}


class CredentialProblem(Exception):
    """Raise from a credentials callable when it cannot hand out a token.

    `problem` is one of `unknown-connection`, `reauthorization-required`, `throttled` (then
    give `retry_after_seconds`) or `unavailable`; the component reports it as a
    `CredentialError` to the caller of the action."""

    PROBLEMS = ("unknown-connection", "reauthorization-required", "throttled", "unavailable")

    def __init__(self, problem: str, message: str = "", retry_after_seconds: int = 0) -> None:
        if problem not in self.PROBLEMS:
            raise ValueError(f"problem must be one of {self.PROBLEMS}, not {problem!r}")
        super().__init__(message or problem)
        self.problem = problem
        self.message = message or problem
        self.retry_after_seconds = retry_after_seconds
