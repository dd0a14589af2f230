"""Paths mirror linkedin.com and api.linkedin.com, served on one origin."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from linkedin_sandbox import (
    avatars,
    contacts_api,
    control,
    data_archive,
    mailbox,
    oidc,
    portability,
)
from linkedin_sandbox.errors import linkedin_error_response

urlpatterns = [
    # Sign In with LinkedIn using OpenID Connect.
    path("oauth/.well-known/openid-configuration", oidc.discovery, name="discovery"),
    path("oauth/openid/jwks", oidc.jwks_view, name="jwks"),
    path("oauth/v2/authorization", oidc.authorize, name="authorize"),
    path("oauth/v2/accessToken", oidc.token, name="token"),
    path("v2/userinfo", oidc.userinfo, name="userinfo"),
    path("media/avatars/<slug:member_key>.svg", avatars.avatar, name="avatar"),
    path("favicon.ico", avatars.favicon, name="favicon"),
    # Contacts API.
    path("v2/contactExporterTasks", contacts_api.export_start, name="export_start"),
    path("v2/contactExporterTasks/<str:task_id>", contacts_api.export_status, name="export_status"),
    # Member Data Portability API: the member's connections, as the archive has them.
    path("rest/memberSnapshotData", portability.member_snapshot, name="member_snapshot"),
    # Control API (not LinkedIn's).
    path("", control.index, name="index"),
    path("_sandbox/reset", control.reset, name="reset"),
    path("_sandbox/knobs", control.knobs, name="knobs"),
    path("_sandbox/faults", control.faults, name="faults"),
    path("_sandbox/stats", control.stats, name="stats"),
    path("_sandbox/members", control.members, name="members"),
    path("_sandbox/members/<slug:member_key>/contacts", control.member_contacts),
    path("_sandbox/members/<slug:member_key>/revoke", control.member_revoke),
    path("_sandbox/tasks/<str:task_id>/expire", control.task_expire),
    # "Get a copy of your data": the member's archive, as the link in LinkedIn's e-mail.
    path("_sandbox/archive/<str:sub>.zip", data_archive.archive_download, name="data_archive"),
    # The mailbox: what the app sent to the sandbox's SMTP server (not LinkedIn's either).
    path("mailbox", mailbox.mailbox_page, name="mailbox"),
    path("mailbox/<int:message_id>/", mailbox.message_page, name="mailbox_message"),
    path("mailbox/<int:message_id>/html", mailbox.message_html, name="mailbox_message_html"),
    path("_sandbox/mailbox", mailbox.mailbox_json, name="mailbox_json"),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return linkedin_error_response(404)


def server_error(request: HttpRequest) -> HttpResponse:
    return linkedin_error_response(500)


handler404 = not_found
handler500 = server_error
