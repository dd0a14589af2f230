from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mail import selectors, services, tokens


# A mail client's one-click POST (RFC 8058) carries no CSRF token and no session; the signed
# token in the URL is what proves it comes from the member's own e-mail.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = tokens.unsubscribe_token_user(token=token)
    if user is None:
        return render(request, "mail/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        services.mail_preference_set(user=user, enabled=False)
        return render(request, "mail/unsubscribed.html")
    preference = selectors.mail_preference_get(user=user)
    return render(request, "mail/unsubscribe.html", {"preference": preference})


@login_required
@require_http_methods(["GET", "POST"])
def mail_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.mail_preference_set(
            user=request.user,
            enabled=request.POST.get("enabled") == "on",
            digest_names=request.POST.get("digest_names") == "on",
        )
        messages.success(request, _("Your e-mail settings are saved."))
        return redirect("mail_settings")
    preference = selectors.mail_preference_get(user=request.user)
    return render(
        request,
        "mail/settings.html",
        {"preference": preference, "address": selectors.address_of(user=request.user)},
    )
