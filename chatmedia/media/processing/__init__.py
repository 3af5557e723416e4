"""Verified bytes in → checked, analysed, rendered, stored (both directions).

`pipeline` (the worker step: screen, inspect, scan, store, ready or failed) and `outgoing` (a
verified browser upload → the file WhatsApp gets) are the Django side. `inspection` (`screen` +
`inspect`) and the analyzers under it — `sniff` (the real type), `images`, `audio`, `video`,
`documents`, `renditions` — run in an isolated child process (`isolation`) and never import
Django. `scanning` is the optional virus scan before anything is stored."""
