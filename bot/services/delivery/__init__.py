"""Daily delivery: which chats are due, the outbox of drops, and sending within limits."""
