"""What the web UI's tests share: the app over a built archive, and one request to it."""

from __future__ import annotations

import asyncio


def get(ds, path: str):
    """One GET through Datasette's in-process client (no socket)."""

    async def fetch():
        return await ds.client.get(path)

    return asyncio.run(fetch())
