"""Groups on a phone: what starts the course, whose Done counts for the group, the group's
daily drop and path, what is personal."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from bot.storage.models import ActivityDay, Chat, Delivery, QuizPoll
from tests.e2e.harness import BotHarness
from tests.e2e.journeys import done_button, drops_received, onboard, read_cards
from tests.quiz.steps import eventually, review_logs

GROUP, ADMIN, ANNA = -4501, 7501, 7502


def group_chat(harness: BotHarness) -> Chat:
    with Session(harness.services.engine) as session:
        chat = session.get(Chat, GROUP)
        assert chat is not None
        return chat


def drop_one_completed(harness: BotHarness) -> datetime | None:
    with Session(harness.services.engine) as session:
        delivery = session.exec(
            select(Delivery).where(Delivery.chat_id == GROUP, Delivery.drop_id == "1.1")
        ).one()
        return delivery.completed_at


async def group_with_drop_one(harness: BotHarness) -> str:
    """The bot joins; the admin sets only the zone, which starts drop 1; returns the welcome."""
    harness.clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    welcome = await harness.next_message(GROUP, after=0)
    confirm = await harness.command(ADMIN, "/timezone Europe/Berlin", chat_id=GROUP)
    assert "Next drop: tomorrow 08:00, Europe/Berlin" in confirm.text
    await harness.api.wait_for(lambda _: drops_received(harness.api, GROUP) == [1])
    await eventually(lambda: harness.api.sent("sendPoll", GROUP))  # after the drop's cards
    await harness.settle()
    return welcome.text


async def test_the_welcome_says_that_either_setting_starts_drop_one(harness: BotHarness) -> None:
    welcome = await group_with_drop_one(harness)
    assert "`/settime 09:00` or `/timezone Europe/Berlin`" not in welcome  # entities, not code
    assert "/settime 09:00 or /timezone Europe/Berlin: drop 1 comes at once" in welcome
    assert "default (08:00, UTC)" in welcome
    row = group_chat(harness)
    assert (row.delivery_time, row.time_zone, row.current_drop_id) == (
        "08:00",
        "Europe/Berlin",
        "1.1",
    )


async def test_start_in_a_running_group_says_when_the_next_drop_comes(
    harness: BotHarness,
) -> None:
    await group_with_drop_one(harness)
    hello = await harness.command(7503, "/start", chat_id=GROUP)
    assert "drop 1 comes at once" not in hello.text, hello.text
    assert "Next drop: tomorrow 08:00, Europe/Berlin" in hello.text, hello.text


async def test_an_admin_posting_as_the_group_can_set_the_schedule(harness: BotHarness) -> None:
    harness.api.admins[GROUP] = {ADMIN}
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.next_message(GROUP, after=0)
    before = len(harness.api.calls)
    harness.api.send_as_group(GROUP, "/settime 09:00")
    answer = await harness.next_message(GROUP, after=before)
    assert "administrators" not in answer.text, answer.text
    assert group_chat(harness).delivery_time == "09:00"


async def test_a_member_posting_as_a_channel_may_not_set_the_schedule(harness: BotHarness) -> None:
    harness.api.add_bot_to_group(GROUP, ADMIN)
    await harness.next_message(GROUP, after=0)
    channel = {"id": -1009990001, "type": "channel", "title": "A member's channel"}
    channel_bot = {"id": 136817688, "is_bot": True, "first_name": "Channel"}  # Telegram's
    before = len(harness.api.calls)
    harness.api.send_text(
        channel_bot["id"],
        "/settime 10:00",
        chat_id=GROUP,
        **{"from": channel_bot, "sender_chat": channel},
    )
    refused = await harness.next_message(GROUP, after=before)
    assert "administrators" in refused.text, refused.text
    assert group_chat(harness).delivery_time is None


async def test_a_members_done_counts_for_them_and_an_admins_marks_it_done_for_the_group(
    harness: BotHarness,
) -> None:
    await group_with_drop_one(harness)
    assert await read_cards(harness, GROUP)
    found = done_button(harness.api, GROUP)
    assert found is not None
    call, data = found
    before = len(harness.api.calls)
    query_id = harness.api.press(ANNA, call, data)
    await harness.api.wait_for(lambda _: query_id not in harness.api.open_callback_queries)
    await harness.settle()
    toast = next(c for c in harness.api.calls[before:] if c.method == "answerCallbackQuery")
    assert toast.params["text"] == (
        "✅ Noted for you: today counts for your streak. An administrator's Done marks the "
        "drop done for the group."
    )
    assert toast.params["show_alert"] is True
    assert not [c for c in harness.api.calls[before:] if c.method.startswith("send")]
    assert drop_one_completed(harness) is None
    assert done_button(harness.api, GROUP) is not None  # still there for an admin
    with Session(harness.services.engine) as session:
        days = session.exec(select(ActivityDay.day).where(ActivityDay.learner_id == ANNA)).all()
    assert days == ["2026-03-02"]

    await harness.press(ADMIN, call, data)
    await eventually(lambda: drop_one_completed(harness) is not None)
    assert done_button(harness.api, GROUP) is None


async def test_the_group_gets_the_daily_drop_and_its_path_moves_past_the_drop_before(
    harness: BotHarness,
) -> None:
    await group_with_drop_one(harness)  # nobody presses Done under drop 1
    harness.clock.advance(days=1, hours=2)  # 09:00 in Berlin, after the 08:00 drop
    await harness.tick()
    await harness.api.wait_for(lambda _: drops_received(harness.api, GROUP) == [1, 2])
    progress = await harness.command(ANNA, "/progress", chat_id=GROUP)
    first, second = harness.services.course.drops[:2]
    assert progress.text.startswith("This group's path — 1 of 14 drops done")
    assert f"✅ {first.id} · 1 of 14" in progress.text
    assert f"📖 {second.id} · 2 of 14" in progress.text
    assert progress.text.count("📖") == 1


async def test_a_group_that_removed_the_muted_bot_gets_no_more_sends(harness: BotHarness) -> None:
    await group_with_drop_one(harness)
    harness.api.remove_muted_bot(GROUP, ADMIN)
    await eventually(lambda: not group_chat(harness).active)
    harness.clock.advance(days=1, hours=2)  # past the next 08:00 in Berlin
    before = len(harness.api.calls)
    await harness.tick()
    await harness.settle()
    assert [c.method for c in harness.api.calls[before:] if c.chat_id == GROUP] == []


async def test_a_group_finishing_the_path_is_shown_the_groups_numbers_not_the_admins(
    harness: BotHarness,
) -> None:
    await group_with_drop_one(harness)
    for number in range(2, 15):
        await harness.command(ADMIN, "/next", chat_id=GROUP)
        await harness.api.wait_for(
            lambda _, n=number: drops_received(harness.api, GROUP)[-1:] == [n], timeout=20
        )
    await harness.settle()
    call, data = done_button(harness.api, GROUP) or (None, "")
    assert call is not None and data.endswith(":4.1")
    before = len(harness.api.calls)
    await harness.press(ADMIN, call, data)
    finished = await harness.next_message(GROUP, after=before)
    assert finished.text.startswith("🎓 This group has finished the path! 14 of 14 drops done.")
    assert "streak" not in finished.text and "quiz answers" not in finished.text, finished.text


async def test_a_member_pressing_resume_gets_a_private_alert(harness: BotHarness) -> None:
    await group_with_drop_one(harness)
    await harness.command(ADMIN, "/pause", chat_id=GROUP)
    offer = await harness.command(ADMIN, "/next", chat_id=GROUP)
    [resume] = offer.buttons()
    before = len(harness.api.calls)
    query_id = harness.api.press(ANNA, offer, resume["callback_data"])
    await harness.api.wait_for(lambda _: query_id not in harness.api.open_callback_queries)
    await harness.settle()
    alert = next(c for c in harness.api.calls[before:] if c.method == "answerCallbackQuery")
    assert alert.params["text"] == "Only this group's administrators can resume its drops."
    assert alert.params.get("show_alert") is True
    assert not [c for c in harness.api.calls[before:] if c.method.startswith("send")]
    assert group_chat(harness).paused


async def test_stats_in_a_group_point_to_the_private_chat_and_progress_is_the_groups(
    harness: BotHarness,
) -> None:
    await group_with_drop_one(harness)
    stats = await harness.command(ANNA, "/stats", chat_id=GROUP)
    assert "personal" in stats.text and "/progress" in stats.text
    [link] = [e for e in stats.params["entities"] if e["type"] == "text_link"]
    assert link["url"].endswith("?start=stats")
    assert "Answers:" not in stats.text
    progress = await harness.command(ANNA, "/progress", chat_id=GROUP)
    assert progress.text.startswith("This group's path — 0 of 14 drops done")
    assert "Streak" not in progress.text
    private = await harness.command(ANNA, "/start stats")
    assert "Your stats" in private.text


async def test_a_member_who_answered_polls_is_greeted_with_what_the_bot_knows(
    harness: BotHarness,
) -> None:
    await group_with_drop_one(harness)
    with Session(harness.services.engine) as session:
        poll = session.exec(select(QuizPoll).where(QuizPoll.chat_id == GROUP)).first()
    assert poll is not None
    harness.api.answer_poll(ANNA, poll.poll_id, [poll.correct_option])
    await eventually(lambda: len(review_logs(harness, ANNA)) == 1)
    hello = await harness.command(ANNA, "/start")
    assert "you answered 1 quiz poll in a study group (1 right)" in hello.text
    assert "That item is in your reviews here too" in hello.text
    assert "When should your daily drop arrive?" in hello.text


async def test_a_members_done_in_a_group_counts_for_their_own_day_where_they_live(
    harness: BotHarness,
) -> None:
    # 06:00 UTC: 07:00 on Monday in the group's Berlin, 22:00 on Sunday in Anna's Los Angeles.
    await group_with_drop_one(harness)
    await onboard(harness, ANNA, "07:30", "America/Los_Angeles")
    assert await read_cards(harness, GROUP)
    found = done_button(harness.api, GROUP)
    assert found is not None
    await harness.press(ANNA, *found)
    await harness.settle()
    progress = await harness.command(ANNA, "/progress")
    # The toast promised that today counts; her today is Sunday, as her /stats counts it.
    assert "🔥 Streak: 1 day ·" in progress.text, progress.text
