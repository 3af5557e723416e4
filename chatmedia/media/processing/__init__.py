"""Verified bytes in → checked, analysed, rendered, stored (both directions).

`pipeline` (the worker step: screen, inspect, scan, store, ready or failed) and `outgoing` (a
verified browser upload → the file WhatsApp gets) are the Django side. `inspection` (`screen` +
`inspect`), `conversion` (a file made fit for WhatsApp or a browser) and the analyzers under them —
`sniff` (the real type), `images`, `audio`, `video`, `documents`, `renditions`, `transcode` — run in
an isolated child process (`isolation`) and never import Django. `scanning` is the optional virus
scan before anything is stored."""
