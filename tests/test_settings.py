"""Settings come from the environment only; no secret in the repository."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from django.conf import settings

PRINT_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def _python(code_or_args, env_extra: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "HTTPS"}}
    env.update(DJANGO_SETTINGS_MODULE="chatmedia.settings", CHATMEDIA_VAR_DIR=str(tmp_path), **env_extra)
    args = ["-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )


def test_secret_key_is_generated_once_into_var_and_reused(tmp_path):
    first = _python(PRINT_KEY, {}, tmp_path)
    second = _python(PRINT_KEY, {}, tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text().strip()
    assert first.stdout.strip() == second.stdout.strip() == key
    assert len(key) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_secret_key_from_environment_wins(tmp_path):
    result = _python(PRINT_KEY, {"SECRET_KEY": "from-env-" + "x" * 50}, tmp_path)
    assert result.stdout.strip() == "from-env-" + "x" * 50
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_passes_with_production_settings(tmp_path):
    production = {
        "SECRET_KEY": "k" * 20 + "-production-only-%$#@!" + "z" * 30,
        "HTTPS": "1",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "chat.example.com",
    }
    result = _python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_defaults_need_no_service(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.STORAGES['default']['BACKEND'],"
        " s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL, s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    clean = {
        k: "" for k in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "S3_BUCKET", "S3_ENDPOINT_URL")
    }
    result = _python(code, clean, tmp_path)
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.files.storage.FileSystemStorage",
        "django.core.cache.backends.locmem.LocMemCache",
        "memory://",
        "channels.layers.InMemoryChannelLayer",
    ], result.stderr
