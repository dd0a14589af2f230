"""Creating and revoking device passwords, and what deleting a member does to them."""

from __future__ import annotations

import pytest

from devices import selectors, services
from devices.models import DeviceLogin, DevicePassword
from devices.passwords import device_password_matches
from exports import services as export_services

pytestmark = pytest.mark.django_db


def test_creating_returns_the_password_once_and_stores_only_its_hash(make_member):
    user = make_member()
    device_password, password = services.device_password_create(user=user, name="  Ada's   phone ")
    stored = DevicePassword.objects.get(pk=device_password.pk)
    assert stored.name == "Ada's phone"
    assert password not in stored.password
    assert password.replace("-", "") not in stored.password
    assert stored.password.startswith("device_hmac_sha256$")
    assert device_password_matches(password, stored.password)
    assert stored.last_used_at is None


def test_an_unnamed_password_gets_a_name_and_a_long_one_is_cut(make_member):
    user = make_member()
    unnamed, _ = services.device_password_create(user=user, name="   ")
    long, _ = services.device_password_create(user=user, name="x" * 300)
    assert unnamed.name == "Phone or app"
    assert long.name == "x" * services.NAME_MAX_LENGTH


def test_the_user_name_is_chosen_once_and_kept(make_member):
    user = make_member("Ada")
    first = services.device_login_get_or_create(user=user)
    user.first_name = "Augusta"
    user.save()
    services.device_password_create(user=user, name="Phone")
    assert services.device_login_get_or_create(user=user).username == first.username
    assert DeviceLogin.objects.filter(user=user).count() == 1
    assert first.username.startswith("ada-")


def test_a_member_has_at_most_so_many_passwords(make_member):
    user = make_member()
    for number in range(services.MAX_DEVICE_PASSWORDS):
        services.device_password_create(user=user, name=f"Phone {number}")
    with pytest.raises(services.TooManyDevicePasswords):
        services.device_password_create(user=user, name="One too many")
    assert DevicePassword.objects.filter(user=user).count() == services.MAX_DEVICE_PASSWORDS


def test_the_selector_lists_only_the_owners_passwords_newest_first(make_member):
    ada, grace = make_member("Ada"), make_member("Grace")
    older, _ = services.device_password_create(user=ada, name="Older")
    newer, _ = services.device_password_create(user=ada, name="Newer")
    services.device_password_create(user=grace, name="Grace's")
    assert list(selectors.device_passwords_for_owner(user=ada)) == [newer, older]


def test_revoking_deletes_only_that_password(make_member):
    user = make_member()
    kept, _ = services.device_password_create(user=user, name="Kept")
    revoked, _ = services.device_password_create(user=user, name="Revoked")
    returned = services.device_password_revoke(user=user, public_id=revoked.public_id)
    assert returned.name == "Revoked"
    assert list(DevicePassword.objects.filter(user=user)) == [kept]


def test_revoking_another_members_password_is_refused_and_changes_nothing(make_member):
    ada, grace = make_member("Ada"), make_member("Grace")
    graces, _ = services.device_password_create(user=grace, name="Grace's")
    with pytest.raises(DevicePassword.DoesNotExist):
        services.device_password_revoke(user=ada, public_id=graces.public_id)
    assert DevicePassword.objects.filter(pk=graces.pk).exists()


def test_revoking_all_deletes_every_one_of_the_members_and_no_one_elses(make_member):
    ada, grace = make_member("Ada"), make_member("Grace")
    for name in ["Phone", "Laptop"]:
        services.device_password_create(user=ada, name=name)
    services.device_password_create(user=grace, name="Grace's")
    assert services.device_passwords_revoke_all(user=ada) == 2
    assert not DevicePassword.objects.filter(user=ada).exists()
    assert DevicePassword.objects.filter(user=grace).count() == 1


def test_deleting_all_my_data_revokes_the_device_passwords_and_frees_the_user_name(make_member):
    ada, grace = make_member("Ada"), make_member("Grace")
    services.device_password_create(user=ada, name="Phone")
    services.device_password_create(user=grace, name="Grace's")
    export_services.member_data_delete(user=ada)
    assert not DevicePassword.objects.filter(user_id=ada.pk).exists()
    assert not DeviceLogin.objects.filter(user_id=ada.pk).exists()
    assert DevicePassword.objects.filter(user=grace).count() == 1
