"""Why an export failed, or what held it up: stored as a code and its values, worded when shown.

A reason written in English at poll time would be English for every member whatever their
language, and for ever. So what LinkedIn's calls, the body's bounds and polling find is a
`Notice`: a code of `WORDINGS` and the values its sentence needs (a limit, a status, the
seconds before the next try, LinkedIn's own words). `ExportTask` stores its code and values
(`failure_code` + `failure_params`, `note_code` + `note_params`) and the English text beside
them (`failure_reason`, `note`), which operators and logs read and which rows stored before
the codes existed keep showing (`worded` falls back to it).

A notice's values may hold another notice (a failure after retrying says what the last try
met): `{"code": …, "params": …}` in place of a value, worded in the same language. Words a
notice only carries (`TEXT`) are never translated: LinkedIn's own, or a message from code that
has no code of its own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

# A notice holding text as it is, words without a code (an error raised with plain text).
TEXT = "text"

WORDINGS = {
    TEXT: "%(text)s",
    # Calls to LinkedIn (exports/linkedin_api/client.py).
    "linkedin_start_status": gettext_lazy(
        "LinkedIn answered %(status)s instead of 201 Created when asked to start the export."
    ),
    "linkedin_start_no_id": gettext_lazy("LinkedIn started the export but did not say its id."),
    "linkedin_timeout": gettext_lazy("LinkedIn did not answer in time."),
    "linkedin_unreachable": gettext_lazy("We could not reach LinkedIn, or the connection broke."),
    "linkedin_too_large": gettext_lazy(
        "LinkedIn sent more than %(megabytes)s MB, more than this site accepts for one "
        "address book."
    ),
    "linkedin_too_slow": gettext_lazy("LinkedIn took too long to send the address book."),
    "linkedin_sign_in_rejected": gettext_lazy(
        "LinkedIn no longer accepts your sign-in (it expired or was revoked)."
    ),
    "linkedin_permission_missing": gettext_lazy(
        "LinkedIn did not give this app permission to read your contacts."
    ),
    "linkedin_permission_missing_said": gettext_lazy(
        "LinkedIn did not give this app permission to read your contacts (%(linkedin_said)s)."
    ),
    "linkedin_task_unknown": gettext_lazy("LinkedIn no longer knows this export."),
    "linkedin_throttling": gettext_lazy("LinkedIn is throttling requests right now."),
    "linkedin_error_status": gettext_lazy("LinkedIn answered with an error (%(status)s)."),
    # LinkedIn's task and its result (exports/linkedin_api/result.py).
    "task_status_unknown": gettext_lazy(
        "LinkedIn reported a task status we do not know: %(status)s."
    ),
    "result_missing": gettext_lazy("LinkedIn said the export succeeded but sent no address book."),
    "result_no_expiry": gettext_lazy("LinkedIn's address book did not say when it expires."),
    "result_impossible_expiry": gettext_lazy("LinkedIn's address book has an impossible expiry."),
    "result_no_contacts": gettext_lazy("LinkedIn's address book has no list of contacts."),
    "result_not_a_contact": gettext_lazy("Contact %(number)s from LinkedIn is not a contact."),
    "result_not_json": gettext_lazy("LinkedIn answered with something that is not valid JSON."),
    "result_unreadable": gettext_lazy(
        "LinkedIn's address book holds a value we cannot read, so we stored none of it. "
        "Try again later, as LinkedIn may send it differently; if the same happens again, "
        "please contact support."
    ),
    # The body's bounds (exports/linkedin_limits.py), as retried (the number) or final.
    "body_number_too_large": gettext_lazy(
        "LinkedIn's address book holds a number too large to read, so we stored none of it."
    ),
    "body_too_deep": gettext_lazy(
        "LinkedIn's address book has values nested more than %(limit)s levels deep, more than "
        "any contact needs, so we stored none of it. Try again later, as LinkedIn may send it "
        "differently; if the same happens again, please contact support."
    ),
    "body_value_too_long": gettext_lazy(
        "LinkedIn's address book holds a value longer than %(limit)s characters, more than a "
        "contact's field can be, so we stored none of it. Try again later, as LinkedIn may "
        "send it differently; if the same happens again, please contact support."
    ),
    "body_key_too_long": gettext_lazy(
        "LinkedIn's address book holds a field name longer than %(limit)s characters, so we "
        "stored none of it. Try again later, as LinkedIn may send it differently; if the same "
        "happens again, please contact support."
    ),
    "body_not_unicode": gettext_lazy(
        "LinkedIn's address book is not valid UTF-8 text, so we stored none of it. Try again "
        "later, as LinkedIn may send it differently; if the same happens again, please "
        "contact support."
    ),
    # Polling (exports/services/polling.py).
    "linkedin_failed": gettext_lazy("LinkedIn could not generate your address book this time."),
    "gave_up_waiting": gettext_lazy(
        "Gave up waiting. LinkedIn did not finish generating your address book."
    ),
    "gave_up_waiting_after": gettext_lazy("Gave up waiting. %(problem)s"),
    "retrying": gettext_lazy("%(problem)s We will try again in %(seconds)s s."),
}

# Values that are numbers a person reads: formatted for the language ("32,767" in English).
_NUMBERS = frozenset(("limit", "megabytes", "seconds", "number"))


class Notice(NamedTuple):
    """One code of `WORDINGS` and the values its sentence needs (JSON: text, numbers, notices)."""

    code: str
    params: dict[str, Any] = {}

    @classmethod
    def text(cls, text: str) -> Notice:
        """A notice of words as they are, for a message that has no code."""
        return cls(TEXT, {"text": text})

    def english(self) -> str:
        """The notice in English: what operators, logs and `failure_reason` read."""
        with translation.override("en"):
            return worded(self.code, self.params)

    def as_param(self) -> dict[str, Any]:
        """This notice as a value of another one's `params`."""
        return {"code": self.code, "params": self.params}

    def failure_fields(self) -> dict[str, Any]:
        """The fields of an `ExportTask` that failed with this notice."""
        return {
            "failure_reason": self.english(),
            "failure_code": self.code,
            "failure_params": self.params,
        }

    def note_fields(self) -> dict[str, Any]:
        """The fields of an `ExportTask` held up by this notice."""
        return {"note": self.english(), "note_code": self.code, "note_params": self.params}


def no_note() -> dict[str, Any]:
    """The fields of an `ExportTask` no longer held up."""
    return {"note": "", "note_code": "", "note_params": {}}


def worded(code: str, params: dict[str, Any] | None, fallback: str = "") -> str:
    """Return the notice `code` with `params` in the active language, or `fallback` (the text
    stored with it) when the code is empty or unknown, or its values do not fit its words.
    """
    wording = WORDINGS.get(code)
    if wording is None:
        return fallback
    values = {name: _value(name, value) for name, value in (params or {}).items()}
    try:
        return str(wording) % values
    except (KeyError, TypeError, ValueError):
        return fallback


def _value(name: str, value: Any) -> Any:
    if isinstance(value, dict) and "code" in value:
        return worded(value["code"], value.get("params"), fallback="")
    if name in _NUMBERS and isinstance(value, int | float) and not isinstance(value, bool):
        return number_format(value, force_grouping=True)
    return value
