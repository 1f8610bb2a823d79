"""dynclient: a typed, validating API client built at run time from an OpenAPI 3.1 spec.

Nothing per endpoint is written by hand: operations, parameters, validation and
error classes all come from the spec (by default, the one bundled in the package).
"""

from typing import Any

from ._client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    AfterResponse,
    AsyncClient,
    BeforeRequest,
    Client,
    OperationGroup,
)
from ._errors import (
    APIError,
    ApiVersionError,
    ApiVersionWarning,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DeadlineExceeded,
    DynclientError,
    DynclientWarning,
    FieldError,
    InvalidTokenError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    RequestValidationError,
    ResponseDriftWarning,
    ResponseTooLargeError,
    ResponseValidationError,
    ResponseValidationWarning,
    ServerError,
    SpecError,
    TransportError,
    UnprocessableEntityError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from ._ir import (
    ApiSpec,
    Operation,
    Pagination,
    Parameter,
    RequestBody,
    Response,
    SchemaRef,
    SecurityRequirement,
    SecurityScheme,
    Server,
    Webhook,
)
from ._raw import RawResponse
from ._retry import RetryPolicy
from ._spec import bundled_spec_path, load_spec
from ._version import __version__ as __version__
from ._webhooks import UnknownWebhookEvent, WebhookEvent, Webhooks

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "APIError",
    "AfterResponse",
    "ApiSpec",
    "ApiVersionError",
    "ApiVersionWarning",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "BeforeRequest",
    "Client",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceeded",
    "DynclientError",
    "DynclientWarning",
    "FieldError",
    "InvalidTokenError",
    "NotFoundError",
    "Operation",
    "OperationGroup",
    "Pagination",
    "PaginationError",
    "Parameter",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestBody",
    "RequestTimeout",
    "RequestValidationError",
    "Response",
    "ResponseDriftWarning",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ResponseValidationWarning",
    "RetryPolicy",
    "SchemaRef",
    "SecurityRequirement",
    "SecurityScheme",
    "Server",
    "ServerError",
    "SpecError",
    "TransportError",
    "UnknownWebhookEvent",
    "UnprocessableEntityError",
    "Webhook",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "Webhooks",
    "bundled_spec_path",
    "load_spec",
]

#: Old names kept working, with a DeprecationWarning; not in ``__all__``.
_DEPRECATED = {"TimeoutError": ("RequestTimeout", RequestTimeout)}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        import warnings

        new, value = _DEPRECATED[name]
        warnings.warn(f"dynclient.{name} is deprecated; use dynclient.{new}", DeprecationWarning, stacklevel=2)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
