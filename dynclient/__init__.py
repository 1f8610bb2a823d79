"""dynclient: a typed, validating API client built at run time from an OpenAPI 3.1 spec.

Nothing per endpoint is written by hand: operations, parameters, validation and
error classes all come from the spec (by default, the one bundled in the package).
"""

from ._client import (
    DEFAULT_TIMEOUT,
    AfterResponse,
    AsyncClient,
    BeforeRequest,
    Client,
    OperationGroup,
    ResponseValidationWarning,
)
from ._errors import (
    APIError,
    DynclientError,
    FieldError,
    PaginationError,
    RequestValidationError,
    ResponseValidationError,
    SpecError,
    TimeoutError,
    TransportError,
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
)
from ._retry import RetryPolicy
from ._spec import bundled_spec_path, load_spec

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TIMEOUT",
    "APIError",
    "AfterResponse",
    "ApiSpec",
    "AsyncClient",
    "BeforeRequest",
    "Client",
    "DynclientError",
    "FieldError",
    "Operation",
    "OperationGroup",
    "Pagination",
    "PaginationError",
    "Parameter",
    "RequestBody",
    "RequestValidationError",
    "Response",
    "ResponseValidationError",
    "ResponseValidationWarning",
    "RetryPolicy",
    "SchemaRef",
    "SecurityRequirement",
    "SecurityScheme",
    "Server",
    "SpecError",
    "TimeoutError",
    "TransportError",
    "bundled_spec_path",
    "load_spec",
]
