"""LinkedIn's Contacts API: the calls (`client`), the body's shape (`result`), the failures
(`errors`). Nothing else in the project talks to LinkedIn's REST API or reads its bodies.
"""

from exports.linkedin_api.client import fetch_export, start_export
from exports.linkedin_api.errors import (
    AddressBookRejected,
    InvalidAddressBook,
    LinkedInAPIError,
    PermissionMissing,
    ResponseTooLarge,
    TaskNotFound,
    TokenRejected,
    Unavailable,
)
from exports.linkedin_api.result import (
    ExportResult,
    ExportTaskResponse,
    LinkedInContact,
    parse_export_task,
)

__all__ = [
    "AddressBookRejected",
    "ExportResult",
    "ExportTaskResponse",
    "InvalidAddressBook",
    "LinkedInAPIError",
    "LinkedInContact",
    "PermissionMissing",
    "ResponseTooLarge",
    "TaskNotFound",
    "TokenRejected",
    "Unavailable",
    "fetch_export",
    "parse_export_task",
    "start_export",
]
