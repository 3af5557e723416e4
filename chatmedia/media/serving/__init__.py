"""Serving stored media to browsers: `app` (the lean ASGI app at `/media/…`), `signing` (signed
URLs, checked without a query), `catalog` (which object a URL names, per tenant), `cache` (the two
tiers), `delivery` (Range, conditional requests and headers, pure) and `blocking` (the thread pool
its blocking work runs in)."""
