"""The web process: uvicorn serving `chatmedia.asgi`, with what faces the network decided here once.

`python -m chatmedia.webserver [--host H] [--port P] [--workers N]` is how `make run`, the Procfile,
`make stack` and the tests start it (never a bare `uvicorn` command line, whose defaults differ):

- **No proxy headers.** uvicorn's own (on by default, trusting 127.0.0.1) rewrite the client address
  from `X-Forwarded-For`, so any local caller could pick the address the login throttle counts.
  `X-Forwarded-For` is read in one place, `ops.clients.client_address`, and only as far as
  TRUSTED_PROXY_COUNT says.
- **Headers on time** (slowloris): a request's headers must be complete within
  WEB_HEADER_TIMEOUT_SECONDS of the connection opening or of the request's first byte; a client
  that trickles them is answered 408 and cut off instead of holding a connection for ever. The cut
  is a lingering close (as nginx's): our side is shut for writing and what the client still sends
  is read and dropped for LINGER_SECONDS, so the kernel does not answer it with a reset that would
  throw away the 408 before the client read it. Idle
  keep-alive connections close after WEB_KEEP_ALIVE_SECONDS.
- No `Server` header and no access log (webhook URLs carry the tenant's secret; our own logs redact).
"""

from __future__ import annotations

import argparse
import logging
import os

import django
import uvicorn
from django.conf import settings
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)

# How long a cut-off client may still send (and have it dropped) before the socket closes.
LINGER_SECONDS = 2.0
REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on each request's headers."""

    _header_deadline = None
    _lingering = False

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # a client cut off: what it still sends is dropped
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        seconds = settings.WEB_HEADER_TIMEOUT_SECONDS
        self._header_deadline = self.loop.call_later(seconds, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        logger.info("request headers not complete in time; connection closed (408)")
        self.transport.write(REQUEST_TIMEOUT)
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def options(host: str, port: int, workers: int) -> dict:
    """uvicorn's options for the web process (the tests start it with the same)."""
    return {
        "app": "chatmedia.asgi:application",
        "host": host,
        "port": port,
        "workers": workers,
        "http": f"{__name__}:HeaderDeadlineProtocol",
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
        "timeout_keep_alive": settings.WEB_KEEP_ALIVE_SECONDS,
        # Django's LOGGING (JSON, redaction) configures uvicorn's loggers, here and in each worker.
        "log_config": None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_PROCESSES", "1")))
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    django.setup()  # settings and logging for this (supervising) process too
    uvicorn.run(**options(args.host, args.port, args.workers))


if __name__ == "__main__":
    main()
