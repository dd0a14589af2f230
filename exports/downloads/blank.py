"""A contact with nothing to put in a card: no name, no e-mail and no phone.

LinkedIn's books hold a few (an imported entry whose fields were all empty). In a vCard, a
Google or an Outlook file each would become a blank entry on the member's phone or in their
contacts, which nobody can tell apart or reach, so the card formats leave them out; the
spreadsheet, CSV and JSON keep every contact, as LinkedIn sent them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from exports.downloads.base import Person

if TYPE_CHECKING:
    from exports.selectors.in_order import CardRow, PersonRow


def is_blank(person: Person) -> bool:
    """Whether `person` has no name, no e-mail and no phone to put in a card."""
    return not (
        person.name.strip()
        or any(email.strip() for email in person.emails)
        or any(phone.as_sent.strip() or phone.international for phone in person.phones)
    )


def has_content(row: CardRow | PersonRow) -> bool:
    """Whether the contact of `row` has something to put in a card: `is_blank`'s rule on the
    row itself (its one e-mail, and its phone only when LinkedIn sent one), with no
    `Person` to build."""
    return bool(
        row.name.strip()
        or row.email.strip()
        or (row.phone and (row.phone.strip() or row.phone_international))
    )


def without_blanks(people: Iterable[Person]) -> Iterator[Person]:
    """`people` less those with nothing to put in a card, in their order."""
    return (person for person in people if not is_blank(person))
