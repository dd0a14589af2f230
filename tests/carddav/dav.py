"""What the CardDAV tests share beside their fixtures: the demo book, members with device
passwords, raw DAV requests, and reading a multistatus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree

import requests
from django.test import Client
from prometheus_client import REGISTRY

from devices.models import DeviceLogin
from devices.services import device_password_create
from exports.models import Contact, ExportTask
from tests.exports.factories import contact
from tests.fixtures_app import wait_until

BOOK = [
    contact("Ada Lovelace", "ada@example.com", "+1 415 555 0100"),
    contact("Bob Smith", "bob@example.com", "(212) 555-0101"),
    contact("Carol Jones", "carol@example.com"),
    contact("Dan Brown", phone="+44 20 7946 0123"),
    contact("Name Only"),
    contact("Name Only"),  # the same name twice: two cards, two UIDs
    contact("Émile Zola, \\ ; with commas", "emile@example.fr"),
]


@dataclass
class Member:
    user: object
    username: str
    password: str
    tasks: list = field(default_factory=list)

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)


def member_with_password(user) -> Member:
    _, password = device_password_create(user=user, name="Test phone")
    username = DeviceLogin.objects.get(user=user).username
    return Member(user=user, username=username, password=password)


@dataclass
class Dav:
    """Raw DAV requests against the live app, as one member."""

    base: str
    member: Member

    def request(self, method: str, path: str, body: str = "", **headers) -> requests.Response:
        return requests.request(
            method,
            self.base + path,
            data=body.encode(),
            headers={"Content-Type": "application/xml; charset=utf-8", **headers},
            auth=self.member.auth,
            allow_redirects=False,
            timeout=30,
        )


def cards_sent() -> int:
    """Cards the server has sent with their text so far, over every kind of request."""
    return int(
        sum(
            REGISTRY.get_sample_value("contactsapp_carddav_cards_sent_total", {"request": kind})
            or 0
            for kind in ("get", "propfind", "multiget", "query", "sync")
        )
    )


@dataclass
class WebMember:
    """A member signed in to the web app through the sandbox, with a device password."""

    client: Client
    member: Member

    def export(self) -> ExportTask:
        """Start an export and wait until it is finished, as the status panel polls it."""
        response = self.client.post("/exports/")
        assert response.status_code == 302
        detail_url = response["Location"]
        public_id = detail_url.strip("/").split("/")[-1]

        def finished():
            self.client.get(detail_url + "status/", headers={"HX-Request": "true"})
            task = ExportTask.objects.get(public_id=public_id)
            return task if task.is_finished else None

        task = wait_until(finished)
        assert task.status == ExportTask.Status.SUCCEEDED
        self.member.tasks.append(task)
        return task


DAV_NS = "{DAV:}"
CARD_NS = "{urn:ietf:params:xml:ns:carddav}"
CS_NS = "{http://calendarserver.org/ns/}"


@dataclass
class Found:
    """One `response` of a multistatus: its status, and its properties by status."""

    status: str = ""
    props: dict = field(default_factory=dict)  # "{ns}name" -> element
    missing: set = field(default_factory=set)  # "{ns}name" of the 404 propstat

    def text(self, name: str) -> str:
        return "".join(self.props[name].itertext())


def multistatus(response: requests.Response) -> dict[str, Found]:
    """The responses of a 207 multistatus body, by href."""
    assert response.status_code == 207, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{DAV_NS}multistatus"
    found = {}
    for item in root.findall(f"{DAV_NS}response"):
        entry = Found(status=item.findtext(f"{DAV_NS}status", ""))
        for propstat in item.findall(f"{DAV_NS}propstat"):
            status = propstat.findtext(f"{DAV_NS}status", "")
            for prop in propstat.find(f"{DAV_NS}prop"):
                if " 200 " in status:
                    entry.props[prop.tag] = prop
                else:
                    assert " 404 " in status
                    entry.missing.add(prop.tag)
        found[item.findtext(f"{DAV_NS}href")] = entry
    return found


def sync_token_of(response: requests.Response) -> str:
    return ElementTree.fromstring(response.content).findtext(f"{DAV_NS}sync-token")


def cards_in_book(task) -> int:
    """How many cards the task's book makes: one per contact with a name, e-mail or phone
    (the vCard download leaves blank contacts out, and so does the address book)."""
    return sum(
        1
        for name, email, phone in Contact.objects.filter(task=task).values_list(
            "name", "email", "phone"
        )
        if name.strip() or email.strip() or phone.strip()
    )
