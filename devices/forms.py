from django import forms
from django.utils.translation import gettext_lazy

from devices.models import DevicePassword


class DevicePasswordForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name it after the phone or app"),
        max_length=DevicePassword._meta.get_field("name").max_length,
        required=False,
        strip=True,
    )
