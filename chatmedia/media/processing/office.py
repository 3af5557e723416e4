"""Office documents → PDF with LibreOffice headless, so the PDF path (`documents.analyze_pdf`) makes
their first-page preview, page count and searchable text. Runs inside the isolated processing child
(`isolation`), which is also what bounds LibreOffice: it inherits the child's address-space and CPU
limits. No Django here.

`to_pdf(path, mime_type, run_dir, office)` → the PDF's path, or `Unprocessable` with the reason
(code `timeout`, `crashed` or `unreadable`). Each run of LibreOffice:
- is `soffice.bin` itself, not the `soffice` script, whose `oosplash` restarts it and outlives kills;
- opens the file only with the import filter of the type our checks found (`FILTERS`), never by
  LibreOffice's own guess;
- starts in its own session, is killed as a group at `office.timeout_seconds`, and dies with the
  child if the child is killed (PR_SET_PDEATHSIG);
- has no network: a new network namespace (`office.network_namespace`; LibreOffice otherwise fetches
  a document's linked images — a server-side request any customer could aim), and a profile whose
  settings block untrusted links (local files too) and send any request to a closed proxy;
- gets a fresh copy of a clean profile (`_template`: made once per machine and LibreOffice build,
  never used itself) with macros disabled, and an environment of its own.

`find_binary(setting)` and `status(office)` are what settings, the policy and `/readyz` use.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile

from chatmedia.media.policy import OfficeTarget
from chatmedia.media.processing.renditions import Unprocessable

# Where Debian's (and most distributions') LibreOffice keeps the real program.
DEFAULT_BINARIES = ("/usr/lib/libreoffice/program/soffice.bin", "/opt/libreoffice/program/soffice.bin")

SPREADSHEETS = frozenset(
    {
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "text/csv",
    }
)
PRESENTATIONS = frozenset(
    {
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.presentation",
    }
)
# The one import filter each type is opened with (LibreOffice's filter names).
FILTERS = {
    "application/msword": "MS Word 97",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "MS Word 2007 XML",
    "application/vnd.oasis.opendocument.text": "writer8",
    "application/rtf": "Rich Text Format",
    "application/vnd.ms-excel": "MS Excel 97",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Calc MS Excel 2007 XML",
    "application/vnd.oasis.opendocument.spreadsheet": "calc8",
    "text/csv": "Text - txt - csv (StarCalc)",
    "application/vnd.ms-powerpoint": "MS PowerPoint 97",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "Impress MS PowerPoint 2007 XML"
    ),
    "application/vnd.oasis.opendocument.presentation": "impress8",
}
TYPES = frozenset(FILTERS)

# The profile's settings: no macro runs (none is trusted, execution off), no link to anything outside
# the file is followed (remote or local), and every request goes to a closed port.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
{items}
</oor:items>
"""
_SETTINGS = (
    ("Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("Inet/Settings", "ooInetProxyType", "1"),
    ("Inet/Settings", "ooInetHTTPProxyName", "127.0.0.1"),
    ("Inet/Settings", "ooInetHTTPProxyPort", "9"),
    ("Inet/Settings", "ooInetHTTPSProxyName", "127.0.0.1"),
    ("Inet/Settings", "ooInetHTTPSProxyPort", "9"),
    ("Inet/Settings", "ooInetNoProxy", ""),
)
# LibreOffice's exit code when a first start set up its profile and wants to be started again.
_RESTART = 81
_PR_SET_PDEATHSIG = 1
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
# How long making the clean profile may take (LibreOffice's first start).
TEMPLATE_TIMEOUT_SECONDS = 60.0


def find_binary(setting: str) -> str:
    """The soffice.bin to run: the setting's ("off": none), else the first that exists ("" if none).
    A path to the `soffice` script resolves to the program beside it."""
    if setting == "off":
        return ""
    for candidate in (setting,) if setting else (*DEFAULT_BINARIES, shutil.which("soffice") or ""):
        if not candidate:
            continue
        path = os.path.realpath(candidate)
        if os.path.basename(path) == "soffice":
            path = os.path.join(os.path.dirname(path), "soffice.bin")
        if os.access(path, os.X_OK):
            return path
    return ""


def network_namespace_available() -> bool:
    """Whether this process may give a child a network namespace (util-linux's `unshare` tries:
    as root, or in a user namespace of our own)."""
    for command in (
        ["unshare", "--net", "true"],
        ["unshare", "--user", "--map-current-user", "--net", "true"],
    ):
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            if subprocess.run(command, capture_output=True, timeout=10, check=False).returncode == 0:
                return True
    return False


def _unshare_network() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWNET) == 0:
        return
    # Without CAP_SYS_ADMIN: a user namespace of our own (our uid and gid mapped to themselves).
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare: {os.strerror(errno)}")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as file:
            file.write(text)


def _sandbox(network_namespace: bool):
    """What the LibreOffice process does before it starts (in the fork, single-threaded)."""

    def enter() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if network_namespace:
            _unshare_network()

    return enter


def _settings_xml() -> str:
    items = "\n".join(
        f'<item oor:path="/org.openoffice.{path}"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{value}</value></prop></item>"
        for path, name, value in _SETTINGS
    )
    return PROFILE_SETTINGS.format(items=items)


def _environment(home: str) -> dict[str, str]:
    return {
        "HOME": home,
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": home,
        "SAL_USE_VCLPLUGIN": "svp",
    }


def _run(office: OfficeTarget, profile: str, arguments: list[str], home: str, timeout: float) -> int:
    """LibreOffice with this profile, until it exits or `timeout` (then its whole group is killed)."""
    command = [
        office.binary,
        "--headless",
        "--invisible",
        "--norestore",
        "--nolockcheck",
        "--nologo",
        "--nodefault",
        "--nofirststartwizard",
        f"-env:UserInstallation=file://{profile}",
        *arguments,
    ]
    with open(os.path.join(home, "soffice.log"), "wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=home,
            env=_environment(home),
            start_new_session=True,
            preexec_fn=_sandbox(office.network_namespace),  # the child is single-threaded
        )
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise


def _template(office: OfficeTarget) -> str:
    """The clean profile copied for each run: made once per LibreOffice build, user and settings, in a
    private directory (0700, ours); a path someone else made is never used (a private one is)."""
    stat = os.stat(office.binary)
    key = hashlib.sha256(f"{office.binary}:{stat.st_mtime_ns}:{stat.st_size}:{_settings_xml()}".encode())
    final = os.path.join(tempfile.gettempdir(), f"chatmedia-office-{os.getuid()}-{key.hexdigest()[:16]}")
    if _ours(final):
        return final
    made = tempfile.mkdtemp(prefix="chatmedia-office-new-")
    os.makedirs(os.path.join(made, "user"))
    with open(os.path.join(made, "user", "registrymodifications.xcu"), "w") as file:
        file.write(_settings_xml())
    for _ in range(3):  # a first start sets the profile up, asks to be started again (81), then exits 0
        code = _run(office, made, ["--terminate_after_init"], made, TEMPLATE_TIMEOUT_SECONDS)
        if code == 0:
            break
        if code != _RESTART:
            shutil.rmtree(made, ignore_errors=True)
            raise Unprocessable(f"LibreOffice did not start (exit code {code})", code="crashed")
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(made, "soffice.log"))
    try:
        os.rename(made, final)
    except OSError:  # another worker made it first, or the name is taken by somebody else
        if _ours(final):
            shutil.rmtree(made, ignore_errors=True)
            return final
        return made  # private to this run; removed with it by the caller
    return final


def _ours(path: str) -> bool:
    try:
        stat = os.lstat(path)
    except FileNotFoundError:
        return False
    return (
        os.path.isdir(path)
        and not os.path.islink(path)
        and stat.st_uid == os.getuid()
        and stat.st_mode & 0o077 == 0
        and os.path.exists(os.path.join(path, "user", "registrymodifications.xcu"))
    )


def _filter(path: str, mime_type: str) -> str:
    """The import filter, with a CSV's separator, quote and character set (Brazilian files often
    use ';' and Windows-1252)."""
    name = FILTERS[mime_type]
    if mime_type != "text/csv":
        return name
    with open(path, "rb") as file:
        head = file.read(64 * 1024)
    try:
        text, charset = head.decode("utf-8"), "76"  # LibreOffice's token for UTF-8
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of what was read
            text, charset = head.decode("cp1252", errors="replace"), "1"  # Windows-1252
        else:
            text, charset = head[: exc.start].decode("utf-8"), "76"
    try:
        separator = csv.Sniffer().sniff(text[:8192], ",;\t|").delimiter
    except csv.Error:
        separator = ","
    return f"{name}:{ord(separator)},34,{charset},1"


def to_pdf(path: str, mime_type: str, run_dir: str, office: OfficeTarget) -> str:
    """The document at `path` (of a type in TYPES) as a PDF in `run_dir`, or Unprocessable."""
    template = _template(office)
    profile = os.path.join(run_dir, "profile")
    shutil.copytree(template, profile, symlinks=True)
    if template.startswith(os.path.join(tempfile.gettempdir(), "chatmedia-office-new-")):
        shutil.rmtree(template, ignore_errors=True)  # a private one (see _template)
    source = os.path.join(run_dir, "document")
    os.symlink(os.path.abspath(path), source)
    out_dir = os.path.join(run_dir, "pdf")
    arguments = [f"--infilter={_filter(path, mime_type)}", "--convert-to", "pdf", "--outdir", out_dir, source]
    try:
        code = _run(office, profile, arguments, run_dir, office.timeout_seconds)
    except subprocess.TimeoutExpired:
        raise Unprocessable(
            f"LibreOffice took longer than {office.timeout_seconds:g} s to open the document", code="timeout"
        ) from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = os.path.join(out_dir, "document.pdf")
    if code < 0:
        if -code == signal.SIGXCPU:
            raise Unprocessable("LibreOffice used more processor time than allowed", code="timeout")
        raise Unprocessable(f"LibreOffice stopped on this document (signal {-code})", code="crashed")
    if code != 0 or not os.path.exists(pdf) or os.path.getsize(pdf) == 0:
        raise Unprocessable("LibreOffice could not open the document", code="unreadable")
    return pdf
