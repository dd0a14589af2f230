"""Deterministic address books shaped like the Contacts API's ``contacts`` list.

``generate(seed, count)`` is a pure function: the same seed and count give the same list, on any
machine and in any process, so tests and benchmarks can rely on it. Realistic contacts are mixed
with the awkward ones an app meets in real address books (see ``AWKWARD_CONTACTS``).
"""

from __future__ import annotations

import copy
import random
import re
import unicodedata

# Contacts an exporter must survive. A book holds all of them once it has at least twice as many
# contacts; smaller books hold the first ones (awkward cases never make up more than half a book).
AWKWARD_CONTACTS: list[dict] = [
    # Phone formats seen across locales.
    {"emailAddress": "sf.office@example.com", "name": "San Francisco Office",
     "phoneNumber": {"number": "+1 415 555 0100"}},
    {"name": "Parenthesised Number", "phoneNumber": {"number": "(415) 555-0100"}},
    {"emailAddress": "london@example.co.uk", "name": "London Desk",
     "phoneNumber": {"number": "+44 20 7946 0958"}},
    # Missing fields, only one way to reach someone, empty strings.
    {"phoneNumber": {"number": "+1 415 555 0101"}},
    {"emailAddress": "only.an.email@example.org"},
    {"name": "Name Without Anything Else"},
    {"emailAddress": "", "name": "", "phoneNumber": {"number": ""}},
    {"emailAddress": "no.number@example.com", "name": "Empty Phone Object", "phoneNumber": {}},
    {},
    {"emailAddress": "blank.name@example.com", "name": "   "},
    # Names in many scripts, and emoji.
    {"emailAddress": "wang.xiaoming@example.cn", "name": "王小明",
     "phoneNumber": {"number": "+86 10 5555 0100"}},
    {"emailAddress": "yamada.taro@example.jp", "name": "山田 太郎",
     "phoneNumber": {"number": "+81 3-5555-0100"}},
    {"emailAddress": "kim.minjun@example.kr", "name": "김민준"},
    {"emailAddress": "m.alali@example.ae", "name": "محمد العلي",
     "phoneNumber": {"number": "+971 4 555 0100"}},
    {"emailAddress": "anna.karenina@example.ru", "name": "Анна Каренина",
     "phoneNumber": {"number": "+7 495 555-01-00"}},
    {"emailAddress": "g.papadopoulos@example.gr", "name": "Γιώργος Παπαδόπουλος"},
    {"emailAddress": "jose.nunez@example.es", "name": "José Núñez-Ébano",
     "phoneNumber": {"number": "+34 915 55 01 00"}},
    {"emailAddress": "zoe@example.com", "name": "Zoë Brontë-Ørsted"},
    {"emailAddress": "sam.rivera@example.com", "name": "Sam 🚀 Rivera"},
    {"name": "👩‍💻 Priya", "phoneNumber": {"number": "+91 98765 43210"}},
    # Names a spreadsheet would run as formulas.
    {"emailAddress": "formula1@example.com", "name": '=HYPERLINK("http://x","click")'},
    {"emailAddress": "formula2@example.com", "name": "@SUM(A1)"},
    {"emailAddress": "formula3@example.com", "name": "+cmd|' /C calc'!A0"},
    {"emailAddress": "formula4@example.com", "name": "-2+3"},
    {"emailAddress": "tab@example.com", "name": "\tTabbed Name"},
    {"emailAddress": "carriage.return@example.com", "name": "\rCarriage Return"},
    # Names that are markup.
    {"emailAddress": "script@example.com", "name": "<script>alert(1)</script>"},
    {"emailAddress": "bold@example.com", "name": "<b>bold</b>"},
    {"emailAddress": "img@example.com", "name": '"><img src=x onerror=alert(1)>'},
    # Names with CSV's special characters.
    {"emailAddress": "john.smith@example.com", "name": "Smith, John",
     "phoneNumber": {"number": "415-555-0102"}},
    {"emailAddress": "the.rock@example.com", "name": 'Dwayne "The Rock" Johnson'},
    {"emailAddress": "two.lines@example.com", "name": "First Line\nSecond Line"},
    {"emailAddress": "pat.obrien@example.ie", "name": "O'Brien, \"Pat\"\r\nSr."},
    {"name": "A Very Long Name " + "Indeed " * 40},
    # The same contact twice, exactly (address books merged from several sources).
    {"emailAddress": "twice@example.com", "name": "Listed Twice",
     "phoneNumber": {"number": "+1 415 555 0199"}},
    {"emailAddress": "twice@example.com", "name": "Listed Twice",
     "phoneNumber": {"number": "+1 415 555 0199"}},
]  # fmt: skip

_GIVEN_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Mia", "Lucas",
    "Chloé", "Mateo", "Leila", "Hiroshi", "Aisha", "Wei", "Priya", "Sven", "Ingrid", "Diego",
    "Fatima", "Kwame", "Nadia", "Omar", "Yuki", "Rafael", "Zanele", "Björn", "Siobhán", "Tomás",
)  # fmt: skip
_FAMILY_NAMES = (
    "Smith", "Johnson", "Garcia", "Müller", "Rossi", "Nguyen", "Kim", "Patel", "Okafor", "Silva",
    "Dubois", "Kowalski", "Novák", "Andersson", "O'Connor", "Hernández", "Tanaka", "Ivanova",
    "Haddad", "Mensah", "van der Berg", "da Costa", "Løvlie", "Çelik", "Nakamura", "Chen",
)  # fmt: skip
# Names already written in their own script, as imported address books hold them.
_NATIVE_NAMES = (
    "李娜", "陈伟", "佐藤 花子", "鈴木 一郎", "이서연", "박지훈", "أحمد حسن", "فاطمة الزهراء",
    "Дмитрий Соколов", "Ольга Смирнова", "Νίκος Γεωργίου", "דוד כהן", "अर्जुन शर्मा", "สมชาย ใจดี",
)  # fmt: skip
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "corp.example")
_JOB_WORDS = ("Recruiting", "Sales", "Support", "Front Desk", "Consulting", "Office")


def generate(seed: str, count: int) -> list[dict]:
    """Return ``count`` contacts, the same ones for the same ``seed``."""
    if count <= 0:
        return []
    # Seeding with a str hashes it with SHA-512: stable across processes (unlike hash()).
    rng = random.Random(f"linkedin-sandbox-addressbook:{seed}")
    awkward_count = min(len(AWKWARD_CONTACTS), count // 2)
    contacts = [_realistic_contact(rng) for _ in range(count - awkward_count)]
    for awkward in AWKWARD_CONTACTS[:awkward_count]:
        contacts.insert(rng.randrange(len(contacts) + 1), copy.deepcopy(awkward))
    return contacts


# What one new export of a changing book does (see ``evolve``).
CHANGES_PER_EXPORT = {"added": 3, "removed": 2, "new_email": 2, "new_phone": 2}


def evolve(seed: str, contacts: list[dict], version: int) -> list[dict]:
    """Return ``contacts`` as they stand ``version`` exports later: each export adds three
    contacts, removes two, gives two a new e-mail and two a new phone, the same ones for the
    same seed and version. Version 0 is ``contacts`` unchanged (a copy).
    """
    book = copy.deepcopy(contacts)
    for step in range(1, version + 1):
        rng = random.Random(f"linkedin-sandbox-evolve:{seed}:{step}")
        for _ in range(min(CHANGES_PER_EXPORT["removed"], len(book))):
            book.pop(rng.randrange(len(book)))
        # Who changes is drawn among contacts that have the field to change, so each
        # change is one a comparison can see.
        for field, change in (("emailAddress", "new_email"), ("phoneNumber", "new_phone")):
            having = [contact for contact in book if contact.get(field)]
            for contact in rng.sample(having, min(CHANGES_PER_EXPORT[change], len(having))):
                if field == "emailAddress":
                    local, _, domain = contact["emailAddress"].partition("@")
                    contact["emailAddress"] = f"{local}.v{step}@{domain or 'example.com'}"
                else:
                    contact["phoneNumber"] = {"number": _phone_number(rng)}
        for number in range(CHANGES_PER_EXPORT["added"]):
            name = f"{rng.choice(_GIVEN_NAMES)} {rng.choice(_FAMILY_NAMES)}"
            contact = {"name": name, "emailAddress": f"new{step}.{number}.{_email_for(name, rng)}"}
            book.insert(rng.randrange(len(book) + 1), contact)
    return book


def _realistic_contact(rng: random.Random) -> dict:
    name = _realistic_name(rng)
    contact: dict = {}
    roll = rng.random()
    # Most contacts have an email, many a phone, a few a name only or nothing usable.
    if roll < 0.88:
        contact["emailAddress"] = _email_for(name, rng)
    if roll > 0.97:
        contact["emailAddress"] = ""
    if rng.random() < 0.97:
        contact["name"] = name
    if rng.random() < 0.55:
        contact["phoneNumber"] = {"number": _phone_number(rng)}
    return contact


def _realistic_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06:
        return rng.choice(_NATIVE_NAMES)
    if roll < 0.09:
        return f"{rng.choice(_FAMILY_NAMES)} {rng.choice(_JOB_WORDS)}"
    if roll < 0.12:
        # Imported books often hold "Family, Given".
        return f"{rng.choice(_FAMILY_NAMES)}, {rng.choice(_GIVEN_NAMES)}"
    return f"{rng.choice(_GIVEN_NAMES)} {rng.choice(_FAMILY_NAMES)}"


def _email_for(name: str, rng: random.Random) -> str:
    # "Chloé Müller" -> "chloe.muller"; names in other scripts get a made-up local part.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = ".".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))
    local = local or f"contact{rng.randrange(10_000)}"
    if rng.random() < 0.3:
        local = f"{local}{rng.randrange(1, 100)}"
    return f"{local}@{rng.choice(_DOMAINS)}"


def _phone_number(rng: random.Random) -> str:
    return rng.choice(_PHONE_FORMATS)(rng)


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _us_area(rng: random.Random) -> str:
    return rng.choice(("415", "212", "646", "312", "206"))


# 555-01xx numbers are reserved for fiction in North America; the others use fictional ranges.
_PHONE_FORMATS = (
    lambda rng: f"+1 {_us_area(rng)} 555 01{_digits(rng, 2)}",
    lambda rng: f"({_us_area(rng)}) 555-01{_digits(rng, 2)}",
    lambda rng: f"{_us_area(rng)}-555-01{_digits(rng, 2)}",
    lambda rng: f"{_us_area(rng)}.555.01{_digits(rng, 2)}",
    lambda rng: f"1{_us_area(rng)}55501{_digits(rng, 2)}",
    lambda rng: f"+1-{_us_area(rng)}-555-01{_digits(rng, 2)} ext. {rng.randrange(1, 500)}",
    lambda rng: f"+44 20 7946 0{_digits(rng, 3)}",
    lambda rng: f"+44 7700 900{_digits(rng, 3)}",
    lambda rng: f"020 7946 0{_digits(rng, 3)}",
    lambda rng: f"+49 30 5555{_digits(rng, 4)}",
    lambda rng: f"+33 1 55 55 {_digits(rng, 2)} {_digits(rng, 2)}",
    lambda rng: f"+61 2 5550 {_digits(rng, 4)}",
    lambda rng: f"+91 98765 4{_digits(rng, 4)}",
)
