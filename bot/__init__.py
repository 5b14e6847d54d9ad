"""The Telegram adapter: Application, handlers, delivery job, rendering, storage and CLI."""
