"""The forum as an ASGI application for any ASGI server: `forum.asgi:app`.

Settings come from the environment (and a `.env` file in the working folder), as for the
`forum` command; for example `gunicorn -k uvicorn.workers.UvicornWorker -w 4 forum.asgi:app`
or `uvicorn --workers 4 forum.asgi:app`. Set FORUM_TRUSTED_PROXIES behind a reverse proxy.
"""

from __future__ import annotations

from forum.app import create_app
from forum.logs import configure_logging
from forum.settings import Settings

configure_logging()  # JSON lines unless on a terminal; the server's own logs go there too
app = create_app(Settings.from_environ())
