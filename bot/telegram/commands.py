"""The command menu: one list that feeds /help and setMyCommands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    description: str


COMMANDS: tuple[Command, ...] = (
    Command("start", "Start the course, or see where you are"),
    Command("today", "Show the current drop again"),
    Command("next", "Get the next drop now (once the current one is done)"),
    Command("progress", "Your path, streak and next delivery"),
    Command("settime", "Change the delivery time, e.g. /settime 07:30"),
    Command("timezone", "Change the time zone, e.g. /timezone Europe/Berlin"),
    Command("pause", "Pause the daily drops"),
    Command("resume", "Resume the daily drops"),
    Command("restart", "Start the path over"),
    Command("drop", "Show any drop you have reached, e.g. /drop 2.2"),
    Command("faq", "Frequently asked questions about distillation"),
    Command("distill", "Run a real teacher→student distillation: /distill T=4 alpha=0.9"),
    Command("plan", "Turn one of your prompts into a distillation plan"),
    Command("plans", "Your earlier plans, to get any of them again"),
    Command("cancel", "Stop the /plan questions"),
    Command("review", "Your quiz reviews due today"),
    Command("stats", "Your quiz stats and a 14-day review forecast"),
    Command("leaderboard", "In a group: this week's top quiz-poll answerers"),
    Command("settings", "Quiz settings: retention, daily review cap, reviews with the drop"),
    Command("export", "Everything I store about you, as a file"),
    Command("forget", "Delete everything I store about you"),
    Command("help", "What this bot can do"),
)


def help_text() -> str:
    lines = [
        "**Distill Drops** teaches model distillation: one short drop a day, on your schedule.",
        "",
    ]
    lines += [f"/{c.name} — {c.description}" for c in COMMANDS]
    lines += [
        "",
        "In a group, an administrator sets the time with /settime and /timezone; "
        "the group gets the daily drop.",
    ]
    return "\n".join(lines)
