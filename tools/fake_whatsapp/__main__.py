"""Command line of the fake WhatsApp side (see the package docstring)."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time

from tools.fake_whatsapp.fake import FakeWhatsApp
from tools.fake_whatsapp.simulate import answers, secret_from_database, simulate
from tools.fake_whatsapp.state import DEFAULT_APIKEY, DEFAULT_INSTANCE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the fake Evolution API + CDN")
    serve.add_argument("--port", type=int, default=8081)
    serve.add_argument("--apikey", default=DEFAULT_APIKEY)
    serve.add_argument("--instance", default=DEFAULT_INSTANCE)
    serve.add_argument(
        "--webhook-to",
        help="chatmedia's base URL: post send.message and receipts to its webhook (as Evolution)",
    )
    serve.add_argument("--tenant", default="demo", help="whose webhook (with --webhook-to)")
    serve.add_argument(
        "--auto-ack", type=float, default=2.0, help="seconds before each send is delivered, then read"
    )
    sim = sub.add_parser("simulate", help="post realistic webhooks to a running chatmedia")
    sim.add_argument("--chatmedia", default="http://127.0.0.1:8000")
    sim.add_argument("--tenant", default="demo")
    sim.add_argument("--secret", help="the tenant's webhook secret (default: read from chatmedia's database)")
    sim.add_argument("--port", type=int, default=8081, help="port of the running fake (for media URLs)")
    sim.add_argument("--instance", default=DEFAULT_INSTANCE)
    sim.add_argument(
        "--wait", type=float, default=0, help="keep serving media this many seconds after posting"
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        fake = FakeWhatsApp(args.port, args.apikey, args.instance)
        print(f"fake WhatsApp (Evolution API + CDN) on {fake.url}, instance {args.instance!r}", flush=True)
        if args.webhook_to:
            secret = secret_from_database(args.tenant)
            fake.state.webhook_url = (
                f"{args.webhook_to.rstrip('/')}/webhooks/evolution/{args.tenant}/{secret}/"
            )
            fake.state.auto_ack_seconds = args.auto_ack
            print(f"  sends are delivered after {args.auto_ack:g} s and read after twice that", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            fake.server.serve_forever()
        return 0
    # simulate: media must be served by the fake chatmedia is configured with (WHATSAPP_MEDIA_BASE_URL).
    # If one is already running on --port, its copy of the vectors is identical; otherwise serve here.
    secret = args.secret or secret_from_database(args.tenant)
    running = answers(args.port)
    fake = FakeWhatsApp(args.port, instance=args.instance, listen=not running)
    if not running:
        fake.__enter__()
    code = simulate(fake, args.chatmedia, args.tenant, secret)
    if not running:
        time.sleep(args.wait or 30)  # let the worker download the media before the CDN goes away
    return code


if __name__ == "__main__":
    sys.exit(main())
