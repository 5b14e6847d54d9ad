"""Spaced-repetition quizzes in the bot: cards, reviews, polls, leaderboard, stats.

The modules here hold the rules and the database work, with no Telegram in them;
``bot.telegram.quiz_flow`` and ``bot.telegram.group_polls`` send what they decide, and
the handlers in ``bot.telegram.handlers`` parse updates and call them.
"""
