from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from devices import selectors, services
from devices.forms import DevicePasswordForm
from devices.models import DevicePassword
from devices.profiles import PROFILE_CONTENT_TYPE, DavServer, carddav_profile
from devices.qr import account_uri, qr_code_data_uri

PROFILE_DEFAULT_NAME = gettext_lazy("iPhone or Mac")


def _connect_context(request: HttpRequest, **extra) -> dict:
    dav_url = _dav_root_url(request)
    return {
        "dav_url": dav_url,
        "dav_is_secure": dav_url.startswith("https://"),
        # Production refuses Basic auth over plain HTTP (see devices.auth).
        "dav_refuses_plain_http": not settings.DEBUG,
        "device_username": services.device_login_get_or_create(user=request.user).username,
        "device_passwords": selectors.device_passwords_for_owner(user=request.user),
        "form": DevicePasswordForm(),
        "profile_form": DevicePasswordForm(
            initial={"name": PROFILE_DEFAULT_NAME}, prefix="profile"
        ),
        "max_device_passwords": services.MAX_DEVICE_PASSWORDS,
        **extra,
    }


def _private(response: HttpResponse) -> HttpResponse:
    """Keep a response that shows a password out of every cache, the browser's included."""
    add_never_cache_headers(response)
    return response


@require_GET
@login_required
def device_connect(request: HttpRequest) -> HttpResponse:
    return render(request, "devices/connect.html", _connect_context(request))


@require_POST
@login_required
def device_password_create(request: HttpRequest) -> HttpResponse:
    """Create a device password and show it, this once: it is kept only as a hash."""
    form = DevicePasswordForm(request.POST)
    if not form.is_valid():
        context = _connect_context(request, form=form)
        return render(request, "devices/connect.html", context, status=400)
    try:
        device_password, password = services.device_password_create(
            user=request.user, name=form.cleaned_data["name"]
        )
    except services.TooManyDevicePasswords:
        return _too_many(request)
    server = DavServer.from_url(_dav_root_url(request))
    uri = account_uri(server=server, username=_username(request), password=password)
    context = _connect_context(
        request,
        new_password=password,
        new_device_password=device_password,
        qr_code=qr_code_data_uri(uri),
    )
    return _private(render(request, "devices/created.html", context))


@require_POST
@login_required
def device_profile_download(request: HttpRequest) -> HttpResponse:
    """Create a device password and answer with a profile holding it, for iPhone and Mac."""
    form = DevicePasswordForm(request.POST, prefix="profile")
    if not form.is_valid():
        context = _connect_context(request, profile_form=form)
        return render(request, "devices/connect.html", context, status=400)
    try:
        _device_password, password = services.device_password_create(
            user=request.user, name=form.cleaned_data["name"] or str(PROFILE_DEFAULT_NAME)
        )
    except services.TooManyDevicePasswords:
        return _too_many(request)
    profile = carddav_profile(
        server=DavServer.from_url(_dav_root_url(request)),
        principal_path=reverse("carddav:principal"),
        username=_username(request),
        password=password,
        product_name=settings.PRODUCT_NAME,
    )
    response = HttpResponse(profile, content_type=PROFILE_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="linkedin-contacts.mobileconfig"'
    return _private(response)


@require_POST
@login_required
def device_password_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    try:
        device_password = services.device_password_revoke(user=request.user, public_id=public_id)
    except DevicePassword.DoesNotExist as error:
        raise Http404("No such device password.") from error
    messages.success(
        request,
        _("“%(name)s” is revoked: it no longer opens your address book.")
        % {"name": device_password.name},
    )
    return redirect("device_connect")


def _dav_root_url(request: HttpRequest) -> str:
    """The DAV root, the address a person types; clients find it from `/.well-known` too."""
    return request.build_absolute_uri(reverse("carddav:root"))


def _username(request: HttpRequest) -> str:
    return services.device_login_get_or_create(user=request.user).username


def _too_many(request: HttpRequest) -> HttpResponse:
    messages.error(
        request,
        ngettext(
            "You have %(count)d device password, the most there can be. "
            "Revoke it if you no longer use it, then create the new one.",
            "You have %(count)d device passwords, the most there can be. "
            "Revoke one you no longer use, then create the new one.",
            services.MAX_DEVICE_PASSWORDS,
        )
        % {"count": services.MAX_DEVICE_PASSWORDS},
    )
    return redirect("device_connect")
