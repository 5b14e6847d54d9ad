"""Wake a run's follower the moment its worker writes a new state.

Celery's Redis result backend publishes every state it stores on a channel named as the
task's key (``celery-task-meta-<task id>``). One connection per bot process listens to
the channels of all /distill runs; a follower then reads the state at once instead of at
its next poll. Polling stays the fallback: a lost connection costs latency, never a
result, and after a reconnection every follower reads again (it may have missed one).
"""

from __future__ import annotations

import asyncio
import logging

import redis
import redis.asyncio

log = logging.getLogger(__name__)

KEY_PREFIX = "celery-task-meta-"  # Celery's result key prefix, also the channel's name
RECONNECT_S = 1.0
CONNECT_TIMEOUT_S = 3.0


class TaskStateChanges:
    """Events set when the state of a task whose id starts with ``id_prefix`` changes."""

    def __init__(self, url: str, id_prefix: str) -> None:
        self._url = url
        self._prefix = KEY_PREFIX + id_prefix
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._listener: asyncio.Task[None] | None = None

    def watch(self, task_id: str) -> asyncio.Event:
        """An event set at each state change of ``task_id``; ``forget`` it when done."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(), name="task state changes")
        event = asyncio.Event()
        self._waiting.setdefault(task_id, set()).add(event)
        return event

    def forget(self, task_id: str, event: asyncio.Event) -> None:
        events = self._waiting.get(task_id)
        if events is not None:
            events.discard(event)
            if not events:
                del self._waiting[task_id]

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None

    async def _listen(self) -> None:
        while True:
            client = redis.asyncio.from_url(self._url, socket_connect_timeout=CONNECT_TIMEOUT_S)
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(self._prefix + "*")
                    self._wake_all()  # a change may have come while we were not listening
                    async for message in pubsub.listen():
                        self._wake(message.get("channel"))
            except (redis.RedisError, OSError) as error:
                log.info("not listening to run states for now: %s", type(error).__name__)
            finally:
                await client.aclose()
            await asyncio.sleep(RECONNECT_S)

    def _wake(self, channel: object) -> None:
        if isinstance(channel, bytes):
            channel = channel.decode("utf-8", "replace")
        if isinstance(channel, str) and channel.startswith(KEY_PREFIX):
            for event in self._waiting.get(channel.removeprefix(KEY_PREFIX), ()):
                event.set()

    def _wake_all(self) -> None:
        for events in self._waiting.values():
            for event in events:
                event.set()
