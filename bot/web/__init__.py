"""The web view and the operators' endpoints, served by the bot process (aiohttp).

`server.WebView` is started and stopped by the composition root; `health` answers
`/healthz` and `/readyz`; `meters` counts what `/metrics` shows.
"""
