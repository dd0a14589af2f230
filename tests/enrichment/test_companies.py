"""The companies of a joined book ("who do I know at…"): each a range of company ranks,
counted at the join, and its own page of contacts (enrichment/selectors.py)."""

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from enrichment.models import CompanyGroup
from enrichment.selectors import company_contacts_page, largest_companies
from enrichment.services.storing import archive_join
from tests.enrichment.archives import connection, rows_of
from tests.exports.factories import contact, export_ingested, member

pytestmark = pytest.mark.django_db

PEOPLE = [f"Person {number:02}" for number in range(12)]
COMPANIES = [
    "Acme", "Zeta", "ACME", "Acme", "Ácme", "Beta", "Zeta", "", "Acme", "Beta", "Acme", "株式会社",
]  # fmt: skip


def joined():
    task = export_ingested(member(), [contact(name) for name in PEOPLE])
    rows = [
        connection(*name.split(), company=company)
        for name, company in zip(PEOPLE, COMPANIES, strict=True)
    ]
    archive = archive_join(task=task, rows=rows_of(*rows), file_kind="csv")
    task.refresh_from_db()
    return task, archive


def test_companies_are_counted_case_and_accents_aside_with_the_usual_spelling():
    _task, archive = joined()
    counted = [(group.company, group.contacts) for group in largest_companies(archive=archive)]
    # "Acme", "ACME", "Ácme" sort as one: one company, under the spelling most have.
    # Ties in the order the book first lists them.
    assert counted == [("Acme", 6), ("Zeta", 2), ("Beta", 2), ("株式会社", 1)]
    assert sum(count for _name, count in counted) == 11  # the one blank is in none


def test_a_company_page_is_exactly_its_contacts_read_as_a_rank_range():
    task, archive = joined()
    acme = CompanyGroup.objects.get(archive=archive, company="Acme")
    with CaptureQueriesContext(db) as queries:
        page = company_contacts_page(task=task, company=acme, page_number=1, per_page=4)
        names = [c.name for c in page.object_list]
    assert len(queries) == 1 and "company_rank" in queries[0]["sql"]
    assert "BETWEEN" in queries[0]["sql"]
    assert page.paginator.count == 6 and page.paginator.num_pages == 2
    second = company_contacts_page(task=task, company=acme, page_number=2, per_page=4)
    everyone = names + [c.name for c in second.object_list]
    expected = [
        name
        for name, company in zip(PEOPLE, COMPANIES, strict=True)
        if company.casefold() in {"acme", "ácme"}
    ]
    assert sorted(everyone) == sorted(expected)
    assert {c.company for c in [*page.object_list, *second.object_list]} == {"Acme", "ACME", "Ácme"}


def test_the_company_page_over_http_and_its_owner_only(client):
    task, archive = joined()
    client.force_login(task.owner)
    page = client.get(f"/exports/{task.public_id}/company-and-position/").content.decode()
    beta = CompanyGroup.objects.get(archive=archive, company="Beta")
    url = f"/exports/{task.public_id}/company-and-position/companies/{beta.pk}/"
    assert f'href="{url}"' in page  # the chip is the exact filter, not a search
    listed = client.get(url).content.decode()
    assert 'data-testid="company-count">2 contacts work there' in listed
    assert "Person 05" in listed and "Person 09" in listed and "Person 00" not in listed
    other = member()
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_a_replaced_archive_s_company_is_gone():
    task, archive = joined()
    old = CompanyGroup.objects.get(archive=archive, company="Beta")
    archive_join(
        task=task, rows=rows_of(connection("Person", "05", company="Beta")), file_kind="csv"
    )
    assert not CompanyGroup.objects.filter(pk=old.pk).exists()
    assert list(CompanyGroup.objects.values_list("company", "contacts")) == [("Beta", 1)]
