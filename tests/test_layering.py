"""The layering stays as README's architecture says (an import contract, checked on the source):
- `media` never imports `whatsapp` (it queues work by name: `chatmedia.jobs`);
- `tenancy` imports none of `chat`, `media`, `whatsapp`;
- providers (`whatsapp/providers/<name>/`) never import each other, and nothing outside them
  (the neutral `whatsapp` core, chat, media, realtime, tenancy) names their modules: it goes
  through `providers.of(connection)`;
- work is queued only through `chatmedia.jobs` outside the tasks modules themselves."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "chatmedia"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def sources(*parts: str) -> list[Path]:
    base = ROOT.joinpath(*parts)
    return (
        [base]
        if base.suffix == ".py"
        else sorted(p for p in base.rglob("*.py") if "migrations" not in p.parts)
    )


def offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in imports_of(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def test_media_never_imports_whatsapp():
    assert offenders(sources("media"), ("chatmedia.whatsapp",)) == []


def test_tenancy_imports_nothing_above_it():
    assert offenders(sources("tenancy"), ("chatmedia.chat", "chatmedia.media", "chatmedia.whatsapp")) == []


PROVIDERS = ("evolution", "cloud")


def test_providers_never_import_each_other():
    for name in PROVIDERS:
        others = tuple(f"chatmedia.whatsapp.providers.{o}" for o in PROVIDERS if o != name)
        assert offenders(sources("whatsapp", "providers", name), others) == []


def test_the_neutral_core_reaches_a_provider_only_through_the_seam():
    """Every module outside `whatsapp/providers/<name>/` — the neutral `whatsapp` core, chat,
    media, realtime, tenancy, ops, web — names no provider's modules; it calls
    `providers.of(connection)`. (Management commands that are one provider's tools, such as
    decrypting a WhatsApp CDN file, may; and so does the URL and ASGI routing.)"""
    core = [
        path
        for path in sources("")
        if not {"providers", "management"} & set(path.relative_to(ROOT).parts)
        and path.name not in ("urls.py", "asgi.py")
    ]
    assert len(core) > 50
    direct = tuple(f"chatmedia.whatsapp.providers.{name}" for name in PROVIDERS)
    assert offenders(core, direct) == []


def test_the_routing_names_each_provider_only_for_its_webhooks():
    names = imports_of(ROOT / "urls.py") | imports_of(ROOT / "asgi.py")
    provider_imports = {n for n in names if n.startswith("chatmedia.whatsapp.providers.")}
    assert provider_imports, "the webhook routes are wired in urls.py / asgi.py"
    assert all(".webhook" in n for n in provider_imports), provider_imports


def test_work_is_queued_only_through_jobs():
    queued_directly = []
    for path in sources(""):
        if path.name in ("tasks.py", "jobs.py", "celery.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("delay", "apply_async", "send_task"):
                queued_directly.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert queued_directly == []


def test_what_the_isolated_processing_process_imports_never_imports_django():
    """The analyzers run in a forkserver child that never sets Django up (processing/isolation)."""
    pure = [
        ROOT / "media" / "kinds.py",
        ROOT / "media" / "policy.py",
        *(
            ROOT / "media" / "processing" / f"{name}.py"
            for name in (
                "inspection",
                "isolation",
                "images",
                "audio",
                "video",
                "documents",
                "renditions",
                "sniff",
                "transcode",
            )
        ),
    ]
    at_module_level = []
    for path in pure:
        for node in ast.parse(path.read_text()).body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            at_module_level += [
                f"{path.relative_to(ROOT)} imports {n}" for n in names if n.split(".")[0] == "django"
            ]
            at_module_level += [
                f"{path.relative_to(ROOT)} imports {n}"
                for n in names
                if n.startswith("chatmedia.")
                and not n.startswith(
                    ("chatmedia.media.processing", "chatmedia.media.kinds", "chatmedia.media.policy")
                )
            ]
    assert at_module_level == []
