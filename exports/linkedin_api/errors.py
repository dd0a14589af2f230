"""What can go wrong with LinkedIn, each failure with a message a member can read."""

from __future__ import annotations

from exports.notices import Notice


class LinkedInAPIError(Exception):
    """Any failure of a call to LinkedIn; `notice` is for the member, worded in their
    language when shown (`exports.notices`), `message` the same in English.
    """

    def __init__(self, message: str | Notice, *, status: int | None = None):
        self.notice = message if isinstance(message, Notice) else Notice.text(message)
        self.message = self.notice.english()
        super().__init__(self.message)
        self.status = status


class TokenRejected(LinkedInAPIError):
    """401: the access token expired or was revoked; the member must sign in again."""


class PermissionMissing(LinkedInAPIError):
    """403: the token lacks the Contacts permission."""


class TaskNotFound(LinkedInAPIError):
    """404: LinkedIn does not know the task (any more)."""


class Unavailable(LinkedInAPIError):
    """LinkedIn is down, slow, throttling us or answering garbage: try again later."""

    def __init__(
        self, message: str | Notice, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ResponseTooLarge(LinkedInAPIError):
    """The body is larger than we are willing to hold in memory."""


class InvalidAddressBook(Unavailable):
    """LinkedIn's result does not have the shape of an address book: try again later."""


class AddressBookRejected(LinkedInAPIError):
    """LinkedIn's result holds something we cannot store (nesting too deep, a value too
    long, text that is not Unicode): LinkedIn would send the same again, so it is final.
    """
