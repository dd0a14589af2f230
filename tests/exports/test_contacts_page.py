"""The contacts list: language-aware order with blanks last, folded search, paging anywhere.

Each test stores a small hand-made address book through the real ingest step (LinkedIn's
body → `contacts_ingest`) and reads it through the whole Django stack, signed in as the
typical member of the live sandbox.
"""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports import linkedin_api, search_index, selectors, services
from exports.models import Contact, ExportTask

pytestmark = pytest.mark.django_db

DAY_MS = 24 * 60 * 60 * 1000

# position: name / email / phone. Blanks are the point: every column has some.
BOOK = [
    {"name": "Zoë Brontë", "emailAddress": "zoe@example.com",
     "phoneNumber": {"number": "+44 20 7946 0958"}},                                # 0
    {"name": "Çelik Aydin", "emailAddress": "Celik@example.com"},                   # 1
    {"phoneNumber": {"number": "(415) 555-0100"}},                                  # 2
    {"name": "émilie Martin", "emailAddress": "emilie.m@example.fr"},               # 3
    {"name": "Aisha Khan", "phoneNumber": {"number": "+1 212 555 0100"}},           # 4
    {"name": "Emilie Martin", "emailAddress": "aisha@example.com"},                 # 5
    {"name": '=HYPERLINK("x")', "emailAddress": "hyper@example.com"},               # 6
    {"name": "Ärger Anna"},                                                         # 7
    {"name": "Müller Hans", "emailAddress": "mueller@example.de",
     "phoneNumber": {"number": "030 5555 1234"}},                                   # 8
    {"emailAddress": "only@example.com"},                                           # 9
    {"name": "Mu\u0308ller Greta", "emailAddress": "greta@example.de"},             # 10
    {"name": "Zack Young", "emailAddress": "   "},                                  # 11
    {"name": "Celia Cruz", "emailAddress": "CELIA@example.com",
     "phoneNumber": {"number": "+1 415 555 0199"}},                                 # 12
    {"name": "bob stone", "emailAddress": "bob@example.com"},                       # 13
]  # fmt: skip

# Written out by hand: Ç with C, Ä with A, "émilie" beside "Emilie" (ties in LinkedIn's
# order), a decomposed "Müller" with the composed one, markup and formulas by their letters.
BY_NAME = [4, 7, 13, 12, 1, 3, 5, 6, 10, 8, 11, 0]
NAMELESS = [2, 9]
BY_EMAIL = [5, 13, 12, 1, 3, 10, 6, 8, 9, 0]
EMAILLESS = [2, 4, 7, 11]
BY_PHONE = [8, 4, 12, 2, 0]  # digits compared, "+", spaces and brackets ignored
PHONELESS = [1, 3, 5, 6, 7, 9, 10, 11, 13]

EXPECTED = {
    "": list(range(len(BOOK))),
    "name": BY_NAME + NAMELESS,
    "-name": BY_NAME[::-1] + NAMELESS,
    "email": BY_EMAIL + EMAILLESS,
    "-email": BY_EMAIL[::-1] + EMAILLESS,
    "phone": BY_PHONE + PHONELESS,
    "-phone": BY_PHONE[::-1] + PHONELESS,
}


def export_body(contacts: list[dict]) -> bytes:
    expires_at = int(time.time() * 1000) + DAY_MS
    result = {"contacts": contacts, "expiresAt": expires_at, "id": "AQresult"}
    return json.dumps(
        {"id": "AQtask", "result~": result, "status": "SUCCEEDED"}, ensure_ascii=False
    ).encode()


@pytest.fixture
def book(member_client):
    """The signed-in typical member with BOOK stored as a finished export."""
    owner = get_user_model().objects.get()
    task = ExportTask.objects.create(owner=owner, linkedin_task_id="AQtask")
    result = linkedin_api.parse_export_task(export_body(BOOK)).result
    services.contacts_ingest(task=task, result=result)
    task.refresh_from_db()
    assert task.status == ExportTask.Status.SUCCEEDED
    return member_client, f"/exports/{task.public_id}/", task


def shown(client, url: str, **params) -> list[int]:
    response = client.get(url, params)
    assert response.status_code == 200
    return [contact.position for contact in response.context["page"].object_list]


def every_page(client, url: str, **params) -> list[int]:
    """The positions on every page, in order, following the page count the page gives."""
    first = client.get(url, params).context["page"]
    positions = []
    for number in range(1, first.paginator.num_pages + 1):
        positions += shown(client, url, page=number, **params)
    return positions


@pytest.mark.parametrize("sort", list(EXPECTED))
def test_every_sort_is_language_aware_with_blanks_last_in_both_directions(book, sort):
    client, url, _ = book
    assert shown(client, url, sort=sort) == EXPECTED[sort]


@pytest.mark.parametrize("sort", list(EXPECTED))
@pytest.mark.parametrize("per_page", [1, 3, 5])
def test_pages_of_every_sort_put_together_are_the_whole_sort(book, settings, sort, per_page):
    settings.CONTACTS_PER_PAGE = per_page  # pages that straddle the start of the blanks
    client, url, _ = book
    assert every_page(client, url, sort=sort) == EXPECTED[sort]


@pytest.mark.parametrize("sort", ["name", "-name", "-phone"])
def test_a_page_of_a_sort_is_one_range_query_without_offset_or_count(book, settings, sort):
    settings.CONTACTS_PER_PAGE = 3
    client, url, _ = book
    with CaptureQueriesContext(connection) as queries:
        assert shown(client, url, sort=sort, page=3) == EXPECTED[sort][6:9]
    contact_queries = [q["sql"] for q in queries if "exports_contact" in q["sql"]]
    assert len(contact_queries) == 1
    sql = contact_queries[0].upper()
    assert "OFFSET" not in sql and "COUNT(" not in sql
    assert f"{sort.strip('-').upper()}_RANK" in sql


@pytest.mark.parametrize(
    "typed",
    ["muller", "Müller", "MÜLLER", "Mu\u0308ller", "MU\u0308LLER", "mÜller"],
)
def test_search_ignores_case_accents_and_unicode_form_both_ways(book, typed):
    client, url, _ = book
    # 8 is stored composed, 10 decomposed: each spelling finds both.
    assert shown(client, url, q=typed) == [8, 10]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("zoe", [0]), ("Zoe\u0308", [0]), ("EMILIE", [3, 5]), ("celik", [1]), ("ärger", [7])],
)
def test_search_finds_what_a_person_types(book, typed, expected):
    client, url, _ = book
    assert shown(client, url, q=typed) == expected


def test_a_search_keeps_the_sort_and_its_blanks_last(book):
    client, url, _ = book
    # "example" is in every e-mail address; nameless 9 still comes last by name.
    matching = [p for p in EXPECTED["-name"] if BOOK[p].get("emailAddress", "").strip()]
    assert shown(client, url, q="example", sort="-name") == matching


def test_the_search_form_carries_the_current_sort_with_and_without_htmx(book):
    client, url, _ = book
    hidden = '<input type="hidden" name="sort" value="-phone" form="contact-search-form">'
    page = client.get(url, {"sort": "-phone"}).content.decode()
    assert 'id="contact-search-form"' in page and hidden in page
    # After htmx swaps the list for a new sort, the new list brings the form its sort.
    fragment = client.get(
        url, {"sort": "-phone"}, headers={"HX-Request": "true", "HX-Target": "contacts"}
    )
    assert hidden in fragment.content.decode()
    # Sort links and page links keep the search.
    searched = client.get(url, {"q": "example", "sort": "-phone"}).content.decode()
    assert 'href="?q=example&amp;sort=phone"' in searched


def test_paging_reaches_the_first_the_last_and_any_page_without_javascript(book, settings):
    settings.CONTACTS_PER_PAGE = 2  # 14 contacts: 7 pages
    client, url, _ = book
    page = client.get(url, {"sort": "name", "page": 4}).content.decode()
    for number in (1, 2, 3, 5, 6, 7):
        assert f'href="?sort=name&amp;page={number}"' in page
    assert 'aria-label="Last page, 7"' in page and 'aria-label="First page, 1"' in page
    assert 'data-testid="current-page"><span class="visually-hidden">Page </span>4<' in page
    # "Go to page" is a plain GET form that keeps the sort.
    assert 'class="go-to-page"' in page and 'name="page" min="1" max="7"' in page
    assert '<input type="hidden" name="sort" value="name">' in page
    assert shown(client, url, sort="name", page=7) == EXPECTED["name"][12:14]
    # A page past the end shows the last one.
    assert shown(client, url, sort="name", page=99) == EXPECTED["name"][12:14]


def test_far_pages_are_elided_around_the_current_one(book, settings):
    settings.CONTACTS_PER_PAGE = 1  # 14 pages
    client, url, _ = book
    response = client.get(url, {"page": 7})
    links = response.context["page_links"]  # what the template draws the paging from
    assert [number for number, _ in links] == [1, "…", 5, 6, 7, 8, 9, "…", 14]
    page = response.content.decode()
    for number, href in links:
        if number == "…":
            assert href == ""  # a gap has no link
        else:
            assert href.endswith(f"page={number}")
            if number != 7:  # the current page is shown, not linked
                assert f'href="{href}"'.replace("&", "&amp;") in page


def test_a_search_with_very_many_matches_is_counted_only_up_to_a_bound(book, monkeypatch):
    monkeypatch.setattr(selectors.contacts, "SEARCH_COUNT_LIMIT", 4)
    client, url, _ = book
    response = client.get(url, {"q": "example"})
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.count_is_exact) == (4, False)
    assert "4+ of 14 contacts match" in response.content.decode()
    exact = client.get(url, {"q": "muller"})
    assert exact.context["page"].paginator.count_is_exact
    assert "2 of 14 contacts match" in exact.content.decode()


@pytest.mark.parametrize("sort", ["name", "-name", "-email", "phone", "-phone"])
@pytest.mark.parametrize("per_page", [1, 2, 5])
def test_pages_of_a_sorted_search_put_together_are_the_sorted_matches(
    book, settings, sort, per_page
):
    settings.CONTACTS_PER_PAGE = per_page  # pages that straddle the start of the blanks
    client, url, task = book
    matching = set(
        Contact.objects.filter(task=task, search_text__contains="e").values_list(
            "position", flat=True
        )
    )
    assert 0 < len(matching) < len(BOOK)
    expected = [position for position in EXPECTED[sort] if position in matching]
    assert every_page(client, url, q="e", sort=sort) == expected


@pytest.mark.parametrize(
    "typed",
    [
        'hyperlink("x")',  # quotes and brackets: the index's query syntax, taken literally
        '"x"',
        "=hyp",
        "(415) 555-0",
        "e.m@",
        "le.com",
        "nna",
        "ller",
        "AND",
        "e OR",
        "hans*",
        "555 01",
    ],
)
@pytest.mark.parametrize("few", [search_index.FEW_CANDIDATES, 0], ids=["rare", "common"])
def test_a_search_of_three_characters_or_more_is_exactly_the_substring_match(
    book, typed, few, monkeypatch
):
    # On SQLite a trigram index finds these (migration 0005), or, for a term it finds
    # everywhere, the book is walked; the answer must be what a plain substring test of
    # the stored search text says, in LinkedIn's order.
    monkeypatch.setattr(search_index, "FEW_CANDIDATES", few)
    client, url, task = book
    folded = typed.lower()
    expected = [
        position
        for position, text in Contact.objects.filter(task=task)
        .order_by("position")
        .values_list("position", "search_text")
        if folded in text
    ]
    assert shown(client, url, q=typed) == expected


def test_a_deleted_export_leaves_nothing_in_the_search_of_the_next_one(book, member_client):
    client, url, task = book
    services.export_delete(task=task)
    again = ExportTask.objects.create(owner=task.owner, linkedin_task_id="AQagain")
    services.contacts_ingest(
        task=again, result=linkedin_api.parse_export_task(export_body(BOOK)).result
    )
    url = f"/exports/{again.public_id}/"
    assert shown(client, url, q="muller") == [8, 10]
    assert shown(client, url, q="example.com") == [0, 1, 5, 6, 9, 12, 13]


def test_a_search_reads_an_index_of_the_search_text_on_either_database(book):
    client, url, _ = book
    with CaptureQueriesContext(connection) as queries:
        assert shown(client, url, q="muller") == [8, 10]
    searches = [q["sql"] for q in queries if "search_text" in q["sql"]]
    assert searches
    if connection.vendor == "postgresql":
        # The planner reads its trigram index (migration 0013) for the substring test,
        # asked for the book and the term together: the book's key is given as a bigint,
        # the only type the index's `btree_gin` half compares it with.
        assert all("LIKE" in sql for sql in searches)
        _, _, task = book
        assert all(f'"exports_contact"."task_id" = ({task.pk})::bigint' in sql for sql in searches)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'exports_contact' "
                "AND indexdef LIKE '%%search_text%%'"
            )
            (definition,) = cursor.fetchall()
        assert "USING gin (task_id, search_text gin_trgm_ops)" in definition[0]
        return
    # SQLite: the trigram index of migration 0005 first, then the substring test of the
    # few contacts it found, by key: no walk of the book by its task.
    assert any("exports_contact_search MATCH" in q["sql"] for q in queries)
    assert all('"exports_contact"."id" IN (' in sql for sql in searches)
    assert not any('"exports_contact"."task_id" =' in sql for sql in searches)


def test_a_search_shows_none_of_the_same_contacts_in_another_members_book(book):
    client, url, task = book
    other = get_user_model().objects.create_user(username="someone-else")
    theirs = ExportTask.objects.create(owner=other, linkedin_task_id="AQtheirs")
    services.contacts_ingest(
        task=theirs, result=linkedin_api.parse_export_task(export_body(BOOK)).result
    )
    # The index finds both books' Müllers; the page shows this book's two.
    page = client.get(url, {"q": "muller"}).context["page"]
    assert {contact.task_id for contact in page.object_list} == {task.pk}
    assert [contact.position for contact in page.object_list] == [8, 10]
    assert page.paginator.count == 2


@pytest.mark.parametrize("sort", ["", "name", "-email", "-phone"])
def test_a_common_term_is_counted_up_to_the_bound_and_paged_as_the_sorted_matches(
    book, settings, monkeypatch, sort
):
    # Common for the trigram index (every term of three characters or more is), and more
    # matches than the bound: counted from the index in the book's range of keys on SQLite.
    monkeypatch.setattr(search_index, "FEW_CANDIDATES", 0)
    monkeypatch.setattr(selectors.contacts, "SEARCH_COUNT_LIMIT", 4)
    settings.CONTACTS_PER_PAGE = 2
    client, url, task = book
    matching = set(
        Contact.objects.filter(task=task, search_text__contains="example").values_list(
            "position", flat=True
        )
    )
    assert len(matching) > 4
    paginator = client.get(url, {"q": "example", "sort": sort}).context["page"].paginator
    assert (paginator.count, paginator.count_is_exact) == (4, False)
    expected = [position for position in EXPECTED[sort] if position in matching][:4]
    assert every_page(client, url, q="example", sort=sort) == expected


@pytest.mark.parametrize("few", [search_index.FEW_CANDIDATES, 0], ids=["rare", "common"])
def test_a_common_term_under_the_bound_is_counted_exactly(book, few, monkeypatch):
    monkeypatch.setattr(search_index, "FEW_CANDIDATES", few)
    client, url, _ = book
    page = client.get(url, {"q": "example", "sort": "-name"}).context["page"]
    matching = [p for p in EXPECTED["-name"] if BOOK[p].get("emailAddress", "").strip()]
    assert (page.paginator.count, page.paginator.count_is_exact) == (len(matching), True)
    assert [contact.position for contact in page.object_list] == matching


def test_the_ingest_stores_the_range_of_the_books_keys_where_the_index_reads_it(book):
    _, _, task = book
    keys = list(Contact.objects.filter(task=task).values_list("pk", flat=True))
    stored = (task.lowest_contact_id, task.highest_contact_id)
    if connection.vendor == "sqlite":
        assert stored == (min(keys), max(keys))
    else:
        assert stored == (None, None)  # PostgreSQL's trigram index is not asked by key


@pytest.mark.parametrize("few", [search_index.FEW_CANDIDATES, 0], ids=["rare", "common"])
def test_the_range_of_keys_only_bounds_a_search_other_books_in_it_and_none_are_left_out(
    book, few, monkeypatch
):
    monkeypatch.setattr(search_index, "FEW_CANDIDATES", few)
    client, url, task = book
    other = get_user_model().objects.create_user(username="someone-else")
    theirs = ExportTask.objects.create(owner=other, linkedin_task_id="AQtheirs")
    services.contacts_ingest(
        task=theirs, result=linkedin_api.parse_export_task(export_body(BOOK)).result
    )
    theirs.refresh_from_db()
    expected = [0, 1, 5, 6, 9, 12, 13]
    # A range holding another member's book, and a book stored before ranges were.
    for lowest, highest in [(task.lowest_contact_id, theirs.highest_contact_id), (None, None)]:
        ExportTask.objects.filter(pk=task.pk).update(
            lowest_contact_id=lowest, highest_contact_id=highest
        )
        page = client.get(url, {"q": "example.com", "sort": "name"}).context["page"]
        assert {contact.task_id for contact in page.object_list} == {task.pk}
        assert sorted(contact.position for contact in page.object_list) == expected
        assert page.paginator.count == len(expected)


def test_a_common_term_is_counted_from_the_index_in_the_books_range(book, monkeypatch):
    monkeypatch.setattr(search_index, "FEW_CANDIDATES", 0)
    client, url, _ = book
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"q": "example"}).context["page"].paginator.count == 10
    counts = [q["sql"] for q in queries if "INSTR" in q["sql"] and "MATCH" in q["sql"]]
    if connection.vendor == "postgresql":
        # No such table: the planner reads its trigram index for the substring test.
        assert not counts
        assert any("LIKE" in q["sql"] and "search_text" in q["sql"] for q in queries)
        return
    # SQLite: one read of the index in the book's range, each candidate tested as it
    # comes: no walk of the book by its task for the count.
    assert len(counts) == 1 and "BETWEEN" in counts[0]
    assert not any("LIKE" in q["sql"] and '"task_id" =' in q["sql"] for q in queries)
