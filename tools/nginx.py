"""deploy/nginx/chatmedia.conf made runnable on this machine: the very file production uses, with
its addresses and paths pointed at a test's or a benchmark's (tests/media/serving/test_nginx_accel.py,
bench/serving.py)."""

from __future__ import annotations

import getpass
from pathlib import Path

from tools.services import ROOT

DEPLOY = ROOT / "deploy" / "nginx"


def render_nginx(app_port: int, nginx_port: int, media_root: Path, work: Path) -> Path:
    site = (DEPLOY / "chatmedia.conf").read_text()
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{nginx_port};")
    site = site.replace("alias /srv/chatmedia/var/media/;", f"alias {media_root}/;")
    site = site.replace(
        "/etc/nginx/snippets/chatmedia-media-headers.conf", str(DEPLOY / "chatmedia-media-headers.conf")
    )
    site = site.replace("/var/cache/nginx/chatmedia", str(work / "cache"))
    (work / "site.conf").write_text(site)
    temp = work / "tmp"
    temp.mkdir()
    # Objects are written 0600: nginx's workers run as chatmedia's user (README, "Behind nginx").
    main = f"""
user {getpass.getuser()};
pid {work}/nginx.pid;
error_log {work}/error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log off;
    include /etc/nginx/mime.types;
    client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
    uwsgi_temp_path {temp}; scgi_temp_path {temp};
    include {work}/site.conf;
}}
"""
    (work / "nginx.conf").write_text(main)
    return work / "nginx.conf"
