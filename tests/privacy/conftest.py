"""The serving worlds (`a`, `b`: committed data the media app's threads read) of the media tests."""

from tests.media.conftest import a, b, fresh_serving  # noqa: F401 - fixtures
