"""Run the stand-in on its own, for benchmarks and crash tests that need a separate process.

``python -m tests.botapi.serve [--flood-limits] [--port N]`` prints ``PORT <n>`` once
listening. ``GET /_stats`` returns what it received; ``POST /_push`` injects an update;
``GET /_sent?chat_id=N`` lists the messages sent into a chat; ``POST /_press`` presses a
button; ``POST /_hang`` makes the stand-in hold requests unanswered (``DELETE`` stops it);
``POST /_late`` makes it answer a method's sends late, once they have taken effect.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
from collections.abc import Awaitable
from typing import Any

from aiohttp import web

from tests.botapi.server import HELD, SEND_METHODS, ApiCall, FakeBotApi, Hang


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
            1
            for c in sends
            if not c.ok and c.error != HELD and not (c.error or "").startswith("Too Many")
        ),
        "held": sum(1 for c in api.calls if c.error == HELD),
        "first_at": min((c.at for c in sends if c.ok), default=None),
        "last_at": max((c.at for c in sends if c.ok), default=None),
        "per_chat": {str(k): v for k, v in per_chat.items()},
    }


def sent_message(api: FakeBotApi, call: ApiCall) -> dict[str, Any]:
    """A message the bot sent, as it is now (edits and removed buttons included)."""
    stored = api.message_for(call)
    markup = stored.reply_markup or {}
    buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
    return {
        "method": call.method,
        "message_id": stored.message_id,
        "text": stored.text or call.text or str(call.params.get("question") or ""),
        "buttons": buttons,
        "poll": stored.payload.get("poll"),  # its id and correct_option_ids, for a poll
    }


async def serve(port: int, flood_limits: bool) -> None:
    api = FakeBotApi(enforce_flood_limits=flood_limits)

    async def get_stats(_request: web.Request) -> web.Response:
        return web.json_response(stats(api))

    async def push(request: web.Request) -> web.Response:
        payload = await request.json()
        update_id = api.push_update(**payload)
        return web.json_response({"update_id": update_id})

    async def sent(request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        return web.json_response([sent_message(api, call) for call in api.sent(chat_id=chat_id)
                                  if call.method in SEND_METHODS])  # fmt: skip

    async def press(request: web.Request) -> web.Response:
        payload = await request.json()
        query_id = api.press(
            payload["user_id"], None, payload["data"], chat_id=payload["chat_id"],
            message_id=payload["message_id"],
        )  # fmt: skip
        return web.json_response({"query_id": query_id})

    async def hang(request: web.Request) -> web.Response:
        if request.method == "DELETE":
            api.hangs.clear()
        else:
            api.hangs.append(Hang(**await request.json()))
        return web.json_response({"hangs": len(api.hangs)})

    async def late(request: web.Request) -> web.Response:
        rule = await request.json()

        which = Hang(rule["method"], rule.get("text", ""))

        def answer_late(call: ApiCall) -> Awaitable[None] | None:
            return asyncio.sleep(rule["seconds"]) if which.holds(call) else None

        api.on_sent = answer_late
        return web.json_response(rule)

    api.extra_routes(
        ("GET", "/_stats", get_stats), ("POST", "/_push", push), ("GET", "/_sent", sent),
        ("POST", "/_press", press), ("POST", "/_hang", hang), ("DELETE", "/_hang", hang),
        ("POST", "/_late", late),
    )  # fmt: skip
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
