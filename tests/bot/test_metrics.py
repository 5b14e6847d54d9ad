"""``GET /metrics`` on the health server: the operator's families, moved by real traffic."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.bot.test_webhook import SECRET, command_update, webhook_bot

FAMILIES = {
    "distill_updates",
    "distill_handler_seconds",
    "distill_bot_api_requests",
    "distill_bot_api_flood_waits",
    "distill_bot_api_retry_after_seconds",
    "distill_deliveries_sent",
    "distill_deliveries_pending",
    "distill_delivery_lateness_seconds",
    "distill_sandbox_queue_depth",
    "distill_sandbox_run_seconds",
    "distill_sandbox_workers_seen",
}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_the_updates_and_requests_the_bot_handled(tmp_path: Path) -> None:
    learners = (901, 902, 903)
    async with webhook_bot(tmp_path) as bot, httpx.AsyncClient(timeout=10) as client:
        metrics_url = bot.health_url.replace("/healthz", "/metrics")
        before = await client.get(metrics_url)
        calls_before = len(bot.api.calls)
        for update_id, learner in enumerate(learners, start=100):
            await client.post(
                bot.url,
                json=command_update(update_id, learner, "/help"),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        await bot.api.wait_for(
            lambda calls: len([c for c in calls[calls_before:] if c.method == "sendMessage"]) == 3,
            timeout=10,
        )
        after = await client.get(metrics_url)
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain")
    families = {family.name for family in text_string_to_metric_families(after.text)}
    assert families >= FAMILIES, FAMILIES - families
    old, new = samples(before.text), samples(after.text)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return new.get(key, 0.0) - old.get(key, 0.0)

    assert moved("distill_updates_total", kind="message") >= 3
    assert moved("distill_handler_seconds_count", kind="message") >= 3
    assert moved("distill_bot_api_requests_total", method="sendMessage", outcome="ok") >= 3
