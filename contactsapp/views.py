from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contactsapp.accounts import account_language, account_sessions_end, account_sign_in
from contactsapp.linkedin_auth import SignInError, complete_sign_in, redirect_to_linkedin
from languages.choice import remember_language
from refresh import services as refresh_services
from refresh.models import RefreshSubscription

NEXT_SESSION_KEY = "sign_in_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _sign_in_failed(request: HttpRequest, error: SignInError) -> HttpResponse:
    status = 400 if error.code in {"cancelled", "state"} else 502
    return render(request, "sign_in_failed.html", {"error": error}, status=status)


def _signed_in_sub(request: HttpRequest) -> str:
    account = getattr(request.user, "linkedin_account", None)
    return account.sub if request.user.is_authenticated and account else ""


@require_GET
def login_view(request: HttpRequest) -> HttpResponse:
    request.session[NEXT_SESSION_KEY] = _safe_next(request, request.GET.get("next"))
    redirect_uri = request.build_absolute_uri(reverse("auth_callback"))
    try:
        return redirect_to_linkedin(
            request,
            redirect_uri=redirect_uri,
            fresh_consent=request.GET.get("consent") == "1",
            member_sub=_signed_in_sub(request),
        )
    except SignInError as error:
        return _sign_in_failed(request, error)


@require_GET
def callback_view(request: HttpRequest) -> HttpResponse:
    try:
        identity = complete_sign_in(request)
    except SignInError as error:
        return _sign_in_failed(request, error)
    next_url = request.session.pop(NEXT_SESSION_KEY, None)
    user = account_sign_in(identity=identity)
    login(request, user)
    remember_language(request, account_language(user_id=user.pk))
    if identity.name:
        signed_in = _("Signed in with LinkedIn as %(name)s.") % {"name": identity.name}
    else:
        signed_in = _("Signed in with LinkedIn as you.")
    messages.success(request, signed_in)
    # A new token mends a refresh stopped for the old one's sake.
    if refresh_services.refresh_resume(user=user, granted_scopes=identity.scopes):
        messages.info(request, _("Your address book is kept current again."))
    return redirect(_safe_next(request, next_url))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("home")


@require_POST
@login_required
def logout_everywhere_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    account_sessions_end(user=user)
    # Nothing more is made in the member's name until they say so again.
    refresh_services.refresh_stop(user=user, reason=RefreshSubscription.StopReason.SIGNED_OUT)
    logout(request)
    messages.info(request, _("You are signed out in every browser."))
    return redirect("home")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Point `/favicon.ico`, which browsers ask for whatever a page says, at the real icon."""
    # Not permanent: the icon's hashed name changes whenever it does.
    return redirect(static("favicon.svg"))
