"""Who left, pure: the previous contacts no new contact was matched to, listed by name
while the previous export is stored, and only counted once it is purged.
"""

from __future__ import annotations

from exports.departures import (
    LEFT,
    NAMES_GONE,
    Departed,
    PreviousKeys,
    change_row,
    departed_label,
    departed_list,
    departed_positions,
    departed_summary,
)
from exports.downloads.changes import HEADER


def test_a_previous_contact_found_at_any_level_has_not_left():
    previous = [
        PreviousKeys(0, email=11, phone=21, name=31),  # found by e-mail
        PreviousKeys(1, email=12, phone=22, name=32),  # found by phone (new e-mail)
        PreviousKeys(2, name=33),  # found by name only
        PreviousKeys(3, email=14, phone=24, name=34),  # gone
        PreviousKeys(4),  # nothing to find it by: gone
        PreviousKeys(5, phone=26, name=36),  # its phone's key found as an e-mail only: gone
    ]
    found = {"email": {11, 26}, "phone": {22}, "name": {33}}
    assert departed_positions(previous, found) == [3, 4, 5]


def test_a_key_of_another_level_does_not_find_a_contact():
    previous = [PreviousKeys(0, email=7)]
    assert departed_positions(previous, {"phone": {7}, "name": {7}}) == [0]


def test_while_stored_the_departed_are_listed_by_name_and_after_the_purge_only_counted():
    contacts = {3: ("Carol Jones", "carol@x", ""), 4: ("", "", "+1 415 555 0100")}
    listed = departed_list([3, 4], contacts)
    assert listed == [Departed("Carol Jones", "carol@x", ""), Departed("", "", "+1 415 555 0100")]
    assert [departed_label(d) for d in listed] == ["Carol Jones", "+1 415 555 0100"]
    assert departed_list([3, 4], None) is None
    assert departed_summary(count=2, shown=2, purged=False) == "2 contacts are no longer there:"
    assert departed_summary(count=1, shown=0, purged=True) == (
        f"1 contact is no longer there. {NAMES_GONE}"
    )
    assert departed_summary(count=30, shown=20, purged=False) == (
        "30 contacts are no longer there (the first 20 are listed; the changes file has them all):"
    )
    assert departed_summary(count=0, shown=0, purged=False).startswith("Nobody")


def test_a_departed_contact_is_a_row_of_the_changes_csv():
    row = change_row(Departed("Carol Jones", "carol@x", "+1 415"))
    assert len(row) == len(HEADER)
    assert dict(zip(HEADER, row, strict=True)) == {
        "Change": LEFT,
        "Name": "Carol Jones",
        "Email Address": "carol@x",
        "Phone Number": "+1 415",
        "Phone Number (International)": "",
        "Previous Email Address": "",
        "Previous Phone Number": "",
        "Company": "",
        "Position": "",
        "Previous Company": "",
        "Previous Position": "",
    }
