"""What the bot shows: texts, entities, keyboards, drop parts, charts."""
