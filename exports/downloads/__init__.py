"""Downloads of an address book, one small writer module per format.

Each module has a `write(items)` generator of byte chunks and says what it is: `LABEL`,
`HINT` (where the file goes, shown in the download menu), `CONTENT_TYPE`, `FILE_SUFFIX`,
`SOURCE` (what it writes, the key of its feed in `feeds.FEEDS`: "rows", each contact's
name, e-mail, phone and international phone as stored; "people", `base.Person` per
contact, or per person when `MERGES` and the member asks for merged, with a vCard `uid`
only when it needs `UIDS`, and for a format without them a contact alone as its row
(`people.cards`); "raw", the stored JSON text of each contact; "changes", each new and
changed contact) and whether it `MERGES`. One view streams whichever key is asked
for (`exports.views.contacts_download`). Adding a format is one module and one line
below; the menu lists them in this order.
"""

from __future__ import annotations

from types import ModuleType

from exports.downloads import changes, csv_excel, csv_plain, google, json_raw, outlook, vcard

FORMATS: dict[str, ModuleType] = {
    "vcard": vcard,
    "google": google,
    "outlook": outlook,
    "excel": csv_excel,
    "csv": csv_plain,
    "json": json_raw,
    "changes": changes,
}
# The formats of the download menu; the changes file is offered beside the changes.
MENU = [key for key, module in FORMATS.items() if module.SOURCE != "changes"]
