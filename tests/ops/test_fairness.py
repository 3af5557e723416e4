"""chatmedia/ops/fairness.py: a tenant's slots, their lease, and what a crashed holder leaves."""

import time

import pytest
from django.core.cache import cache

from chatmedia.ops import fairness


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_tenant_gets_at_most_its_limit_and_the_others_are_untouched():
    with (
        fairness.tenant_slot("job", "t1", 1) as first,
        fairness.tenant_slot("job", "t1", 1) as second,
        fairness.tenant_slot("job", "t2", 1) as other_tenant,
    ):
        assert (first, second, other_tenant) == (True, False, True)
    with fairness.tenant_slot("job", "t1", 1) as again:
        assert again is True  # freed when the block ended


def test_a_crashed_holders_slot_is_free_after_the_lease(settings):
    settings.MEDIA_TENANT_SLOT_LEASE_SECONDS = 1
    key = fairness._acquire("job", "t1", 1, "crashed-worker")  # taken and never released nor renewed
    assert key is not None
    with fairness.tenant_slot("job", "t1", 1) as slot:
        assert slot is False
    time.sleep(1.3)
    with fairness.tenant_slot("job", "t1", 1) as slot:
        assert slot is True


def test_a_running_job_keeps_its_slot_past_the_lease(settings):
    settings.MEDIA_TENANT_SLOT_LEASE_SECONDS = 1
    with fairness.tenant_slot("job", "t1", 1) as mine:
        time.sleep(1.6)  # renewed every third of the lease
        with fairness.tenant_slot("job", "t1", 1) as theirs:
            assert (mine, theirs) == (True, False)
