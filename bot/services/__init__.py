"""Use cases: one unit of work each, no Telegram; they return plain values."""
