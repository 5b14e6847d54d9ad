"""CPU per Bot API request: PTB's default httpx client against ours on aiohttp.

The stand-in runs as its own process, so the CPU this process spends is the client's:
PTB building the request, the HTTP client, and PTB parsing the answer into a Message.
Prints ms of CPU per sendMessage of a quiz question (text, entities, four buttons) with 1
and with 32 requests in flight (the bot's ``BOT_API_MAX_IN_FLIGHT``).
``python bench/bench_bot_api_client.py [requests]``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity
from telegram.request import BaseRequest, HTTPXRequest

from bot.telegram.transport.bot_api_client import AiohttpRequest
from tests.processes import REPO_ROOT, TOKEN, clean_env

REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
# A quiz question as the bot sends one: a few hundred characters, entities, four buttons.
QUESTION = (
    "Quiz 2 of 3 · drop 1.2\n\nA teacher at temperature T = 4 gives the student soft targets. "
    "Which change makes the soft term's gradient as strong as at T = 1?\n\n"
    "A. Multiply the soft loss by T² (Hinton et al. 2015, section 2)\n"
    "B. Divide the logits by T² instead of T\nC. Raise the learning rate by T\n"
    "D. Use reduction='mean' so the classes average out"
)
ENTITIES = [MessageEntity("bold", 0, 27), MessageEntity("italic", 30, 40)]
BUTTONS = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton(letter, callback_data=f"qa:123456:{n}")]
        for n, letter in enumerate("ABCD")
    ]
)


async def cpu_per_request(request: BaseRequest, base_url: str, in_flight: int) -> float:
    async with Bot(TOKEN, base_url=base_url, request=request) as bot:
        gate = asyncio.Semaphore(in_flight)

        async def send(number: int) -> None:
            async with gate:
                await bot.send_message(
                    chat_id=1000 + number % 500, text=QUESTION, entities=ENTITIES,
                    reply_markup=BUTTONS,
                )  # fmt: skip

        await asyncio.gather(*(send(n) for n in range(200)))  # connections open, code warm
        started = time.process_time()
        await asyncio.gather(*(send(n) for n in range(REQUESTS)))
        return (time.process_time() - started) / REQUESTS * 1000


async def measure(base_url: str) -> None:
    print(f"Bot API client: CPU per sendMessage over {REQUESTS} requests")
    for in_flight in (1, 32):
        httpx_ms = await cpu_per_request(
            HTTPXRequest(connection_pool_size=in_flight), base_url, in_flight
        )
        ours_ms = await cpu_per_request(AiohttpRequest(in_flight), base_url, in_flight)
        print(f"  {in_flight:2d} in flight: httpx {httpx_ms:.2f} ms, aiohttp {ours_ms:.2f} ms")


def main() -> None:
    stand_in = subprocess.Popen(
        [sys.executable, "-m", "tests.botapi.serve"],
        cwd=REPO_ROOT, env=clean_env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert stand_in.stdout is not None
        port = int(stand_in.stdout.readline().split()[1])
        asyncio.run(measure(f"http://127.0.0.1:{port}/bot"))
    finally:
        stand_in.kill()
        stand_in.wait()


if __name__ == "__main__":
    main()
