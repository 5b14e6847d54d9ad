"""Spaced-repetition quizzes in the bot: cards, reviews, polls, leaderboard, stats.

The modules here hold the rules and the database work, with no Telegram in them,
except ``flow`` (the private quiz conversation) and ``group_polls`` (polls into
groups), which send what the others decide. Handlers in
``bot.handlers.quiz``, ``bot.handlers.stats`` and ``bot.handlers.settings`` parse
updates and call these functions.
"""
