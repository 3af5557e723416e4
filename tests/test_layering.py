"""The layering stays as README's architecture says (an import contract, checked on the source):
- `media` never imports `whatsapp` (it queues work by name: `chatmedia.jobs`);
- `tenancy` imports none of `chat`, `media`, `whatsapp`;
- providers never import each other, and the neutral core reaches them only through
  `providers.of(connection)`;
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


def test_providers_never_import_each_other_and_the_core_goes_through_the_seam():
    cloud = sources("whatsapp", "providers", "cloud")
    # (whatsapp.values is shared: JIDs and names mean the same whatever the provider.)
    evolution_modules = (
        *(
            f"chatmedia.whatsapp.{m}"
            for m in ("evolution", "payloads", "content", "download", "crypto", "send_request")
        ),
        "chatmedia.whatsapp.providers.evolution",
    )
    assert offenders(cloud, evolution_modules) == []
    assert (
        offenders(sources("whatsapp", "providers", "evolution.py"), ("chatmedia.whatsapp.providers.cloud",))
        == []
    )
    core = [
        sources("whatsapp", f"{m}.py")[0]
        for m in ("ingest", "receipts", "sending", "actions", "recovery", "tasks")
    ]
    direct = (
        "chatmedia.whatsapp.providers.cloud",
        "chatmedia.whatsapp.providers.evolution",
        "chatmedia.whatsapp.evolution",
    )
    assert offenders(core, direct) == []


def test_work_is_queued_only_through_jobs():
    queued_directly = []
    for path in sources(""):
        if path.name in ("tasks.py", "jobs.py", "celery.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("delay", "apply_async", "send_task"):
                queued_directly.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert queued_directly == []
