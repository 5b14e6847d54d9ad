"""Run the stand-in on its own, for benchmarks and crash tests that need a separate process.

``python -m tests.botapi.serve [--flood-limits] [--port N]`` prints ``PORT <n>`` once
listening. ``GET /_stats`` returns what it received; ``POST /_push`` injects an update.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
from typing import Any

from aiohttp import web

from tests.botapi.server import SEND_METHODS, FakeBotApi


def stats(api: FakeBotApi) -> dict[str, Any]:
    sends = [c for c in api.calls if c.method in SEND_METHODS]
    per_chat: dict[int, list[str]] = collections.defaultdict(list)
    for call in sends:
        if call.ok and call.chat_id is not None:
            per_chat[call.chat_id].append(call.text[:80])
    return {
        "sent_ok": sum(1 for c in sends if c.ok),
        "refused_429": sum(1 for c in sends if c.error and c.error.startswith("Too Many")),
        "refused_other": sum(
            1 for c in sends if not c.ok and not (c.error or "").startswith("Too Many")
        ),
        "first_at": min((c.at for c in sends if c.ok), default=None),
        "last_at": max((c.at for c in sends if c.ok), default=None),
        "per_chat": {str(k): v for k, v in per_chat.items()},
    }


async def serve(port: int, flood_limits: bool) -> None:
    api = FakeBotApi(enforce_flood_limits=flood_limits)

    async def get_stats(_request: web.Request) -> web.Response:
        return web.json_response(stats(api))

    async def push(request: web.Request) -> web.Response:
        payload = await request.json()
        update_id = api.push_update(**payload)
        return web.json_response({"update_id": update_id})

    api.extra_routes(("GET", "/_stats", get_stats), ("POST", "/_push", push))
    await api.start_on(port)
    print(f"PORT {api.port}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--flood-limits", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.flood_limits))


if __name__ == "__main__":
    main()
