"""A tenant's time zone: the web chat's dates are in it (GET /api/me/), an unknown zone is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from chatmedia.tenancy.models import Tenant


def test_new_tenants_take_the_servers_zone_and_me_says_it(world_a, settings):
    assert world_a.tenant.time_zone == settings.TIME_ZONE == "America/Sao_Paulo"
    world_a.tenant.time_zone = "America/Manaus"
    world_a.tenant.full_clean()
    world_a.tenant.save()
    assert world_a.client().get("/api/me/").json()["tenant"]["time_zone"] == "America/Manaus"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "UTC+3"])
def test_a_zone_that_is_not_an_iana_name_is_refused(db, zone):
    tenant = Tenant(slug="fuso", name="Fuso", time_zone=zone)
    with pytest.raises(ValidationError) as refused:
        tenant.full_clean()
    assert "time_zone" in refused.value.message_dict
