from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refresh import services


@require_POST
@login_required
def refresh_toggle(request: HttpRequest) -> HttpResponse:
    """Turn "Keep my address book current" on (`enabled=1`) or off, then go back."""
    if request.POST.get("enabled") == "1":
        services.refresh_enable(user=request.user)
        messages.success(
            request,
            _(
                "Your address book will now be kept current: a fresh export is made before "
                "LinkedIn's copy of it expires."
            ),
        )
    else:
        services.refresh_disable(user=request.user)
        messages.info(request, _("Automatic refresh is off: no export is made unless you ask."))
    back_to = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back_to, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back_to = "home"
    return redirect(back_to)
