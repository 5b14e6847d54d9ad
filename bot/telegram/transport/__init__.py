"""Getting requests to and from Telegram: pacing, rate limits, sending, webhook, health."""
