"""The domain steps of an export, by sub-domain; views and commands hold no rules of their own.

- `polling`: start an export, refresh it (the lease that calls LinkedIn once), refresh-due;
- `ingest`: LinkedIn's address book stored as contacts and fingerprints;
- `comparison`: the previous export, and what changed since;
- `retention`: purge what LinkedIn's expiry ends, trim, delete one export or a member's data;
- `rows`: the named rows ingest writes, and how they are built from LinkedIn's contacts;
- `status`: the conditional writes of a task's status, shared by polling and ingest.

The names below are the public ones; callers import them from here.
"""

from exports.linkedin_api import InvalidAddressBook
from exports.services.comparison import (
    MATCH_ORDER,
    export_compare_with_previous,
    export_previous,
)
from exports.services.ingest import LARGE_ADDRESS_BOOK, contacts_ingest
from exports.services.polling import (
    ExportTooSoon,
    SignInRequired,
    export_refresh,
    export_start,
    exports_next_check_after,
    exports_overdue_since,
    exports_refresh_due,
)
from exports.services.retention import (
    PurgeReport,
    address_books_trim,
    export_delete,
    exports_purge_expired,
    member_data_delete,
)
from exports.services.rows import (
    CONTACT_COLUMNS,
    FINGERPRINT_COLUMNS,
    FINGERPRINT_KEYS,
    ContactRow,
    FingerprintRow,
)

__all__ = [
    "CONTACT_COLUMNS",
    "FINGERPRINT_COLUMNS",
    "FINGERPRINT_KEYS",
    "LARGE_ADDRESS_BOOK",
    "MATCH_ORDER",
    "ContactRow",
    "ExportTooSoon",
    "FingerprintRow",
    "InvalidAddressBook",
    "PurgeReport",
    "SignInRequired",
    "address_books_trim",
    "contacts_ingest",
    "export_compare_with_previous",
    "export_delete",
    "export_previous",
    "export_refresh",
    "export_start",
    "exports_next_check_after",
    "exports_overdue_since",
    "exports_purge_expired",
    "exports_refresh_due",
    "member_data_delete",
]
