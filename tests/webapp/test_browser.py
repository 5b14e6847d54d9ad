"""The Mini App in a real browser (headless Chromium at 390 × 844), against the real bot
with its real /distill worker: each page loads with a signed initData, the explorers'
numbers equal the Python implementation's, a run starts and its curve appears.
Screenshots of each page, light and dark, go to test-artifacts/webapp/."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AsyncExitStack
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlmodel import Session

from bot.core.today import Today
from bot.services.quiz.answers import record_answer
from bot.services.quiz.bank import quiz_bank
from bot.services.quiz.cards import introduce_drop
from bot.services.quiz.stats import my_stats
from bot.storage.models import Chat
from bot.telegram.views.quiz import stats_markdown
from drops.explorer import SEVEN, SEVEN_LOGITS, soft_targets, temperature_presets
from drops.figures import fit_gaussians, gaussian_kls
from quizzes import make_scheduler
from tests.e2e.journeys import onboard
from tests.webapp.browser import ARTIFACTS, PHONE, THEMES, chromium, telegram_stub, unavailable
from tests.webapp.harness import WebAppHarness, running_webapp

SKIP_REASON = unavailable()
pytestmark = [
    pytest.mark.skipif(
        SKIP_REASON is not None, reason=f"!!! Chromium is unavailable: {SKIP_REASON}"
    ),
    pytest.mark.timeout(600),
]
LEARNER = 7301
COOLDOWN_S = 600  # /distill's pause between a user's runs holds for runs from the page too
STEPS = 1500  # long enough for the page to show the run's progress a few times
# Every text the run's status line shows, in order.
WATCH_STATUS = """
window.statuses = [];
const line = document.getElementById("run-status");
new MutationObserver(() => window.statuses.push(line.textContent))
  .observe(line, {childList: true, characterData: true, subtree: true});
"""
T = TypeVar("T")


class _AnyPercent(str):
    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, str) and other.endswith("%") and other[:-1].replace(".", "").isdigit()
        )

    __hash__ = str.__hash__


ANY_PERCENT = _AnyPercent("…%")


class BackgroundBot:
    """The bot and its Mini App on an event loop of their own, so that the blocking
    WebDriver calls of the tests leave them running."""

    def __init__(self, tmp_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.stack = AsyncExitStack()
        self.web: WebAppHarness = self.call(
            self.stack.enter_async_context(
                running_webapp(
                    tmp_path,
                    cache_dir=tmp_path / "cache",
                    sandbox_timeout_s=300,
                    sandbox_cooldown_s=COOLDOWN_S,
                )
            )
        )

    def call(self, work: Any, timeout: float = 300) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        self.call(self.stack.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def answer_quizzes(bot: BackgroundBot) -> None:
    """Drop 1.1's items met ten days ago, then reviewed: a week ago and in this week."""
    now, bank = bot.web.bot.clock.now, quiz_bank()
    scheduler = make_scheduler(enable_fuzzing=False)
    answers = [(10, "1.1a", True), (10, "1.1b", True), (10, "1.1c", True)]
    answers += [(8, "1.1a", False), (8, "1.1b", True), (2, "1.1a", True), (1, "1.1c", False)]
    with Session(bot.web.bot.services.engine) as session:
        introduce_drop(session, LEARNER, bank.items_for_drop("1.1"), Today.at(now, UTC, 4))
        for days_ago, item_id, correct in answers:
            record_answer(
                session, learner_id=LEARNER, item_id=item_id, correct=correct,
                today=Today.at(now - timedelta(days=days_ago), UTC, 4), scheduler=scheduler,
                source="private", chat_id=LEARNER, answered_after=None,
            )  # fmt: skip
        session.commit()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundBot]:
    running = BackgroundBot(tmp_path_factory.mktemp("webapp"))
    running.call(onboard(running.web.bot, LEARNER, "07:30", "Europe/Berlin"))
    answer_quizzes(running)
    yield running
    running.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def open_page(
    browser: Any,
    bot: BackgroundBot,
    page: str,
    scheme: str = "light",
    user: int = LEARNER,
    theme: dict[str, str] | None = None,
) -> None:
    """Load the Mini App at ``page`` as the Telegram client opens it, signed for ``user``."""
    init_data = bot.web.init_data(user)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": telegram_stub(init_data, scheme, theme=theme),
    })  # fmt: skip
    browser.get(f"{bot.web.base_url}?page={page}")
    wait_until(browser, lambda: browser.execute_script("return document.body.dataset.page") == page)


def wait_until(browser: Any, ready: Callable[[], T], timeout: float = 20) -> T:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.1).until(lambda _: ready())


def text(browser: Any, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.ID, element_id).text)


def screenshots(
    browser: Any,
    bot: BackgroundBot,
    page: str,
    ready: Callable[[], Any],
    then: Callable[[], Any] | None = None,
) -> None:
    """The page at phone size in both themes (after ``then``), saved; nothing sticks out
    sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        open_page(browser, bot, page, scheme)
        wait_until(browser, ready)
        if then is not None:
            wait_until(browser, then)
        width, room = browser.execute_script(
            "const root = document.documentElement; return [root.scrollWidth, root.clientWidth]"
        )
        assert width <= room <= PHONE["width"], f"{page} is {width} px wide in {room} px"
        background = browser.execute_script(
            "return getComputedStyle(document.body).backgroundColor"
        )
        assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(33, 33, 33)")
        browser.save_screenshot(str(ARTIFACTS / f"{page}-{scheme}.png"))


def bars(browser: Any, holder: str) -> list[float]:
    return [
        float(value)
        for value in browser.execute_script(
            "return [...document.querySelectorAll(arguments[0] + ' .bar-row')]"
            ".map(row => row.dataset.value)",
            f"#{holder}",
        )
    ]


def test_path_shows_the_phases_and_opens_a_reached_drop(browser: Any, bot: BackgroundBot) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, bot, "path")
    wait_until(browser, lambda: text(browser, "path-done"))
    assert text(browser, "path-done") == "0 of 14 drops done"
    assert "Europe/Berlin" in text(browser, "path-next")
    drops = browser.find_elements(By.CSS_SELECTOR, "li.drop")
    assert len(drops) == 14 and len(browser.find_elements(By.CSS_SELECTOR, "#path-phases h2")) == 4
    states = {item.get_attribute("data-drop"): item.get_attribute("class") for item in drops}
    assert states["1.1"] == "drop current" and states["1.2"] == "drop ahead"
    browser.find_element(By.CSS_SELECTOR, "li.drop[data-drop='1.2']").click()
    assert not browser.find_element(By.ID, "drop-text").is_displayed()  # not reached yet
    browser.find_element(By.CSS_SELECTOR, "li.drop[data-drop='1.1']").click()
    wait_until(browser, lambda: text(browser, "drop-title").startswith("Drop 1.1"))
    assert len(text(browser, "drop-body")) > 500
    screenshots(browser, bot, "path", lambda: text(browser, "path-done"))


def test_stats_show_the_numbers_stats_computes(browser: Any, bot: BackgroundBot) -> None:
    services = bot.web.bot.services
    numbers = bot.call(services.transaction(my_stats, services, LEARNER))
    open_page(browser, bot, "stats")
    wait_until(browser, lambda: text(browser, "stats-answers"))
    assert text(browser, "stats-answers") == f"{numbers.right} right of {numbers.answers}"
    assert text(browser, "stats-due") == str(numbers.due_today)
    assert bars(browser, "stats-forecast") == numbers.forecast
    assert numbers.reviews == 4 and [week.reviews for week in numbers.weekly] == [0, 0, 2, 2]
    assert text(browser, "stats-retention") == "50% (2 of 4)"
    assert bars(browser, "stats-weekly") == [
        week.remembered / week.reviews if week.reviews else 0 for week in numbers.weekly
    ]
    screenshots(browser, bot, "stats", lambda: text(browser, "stats-answers"))


def test_stats_round_and_word_their_numbers_as_stats_does(browser: Any, bot: BackgroundBot) -> None:
    """5 of 8 reviews remembered is 62.5 %: /stats says 62 %, and so does the page; a drop
    with one lapse says "1 lapse"."""
    from selenium.webdriver.common.by import By

    learner, now, bank = 7302, bot.web.bot.clock.now, quiz_bank()
    scheduler = make_scheduler(enable_fuzzing=False)
    bot.call(onboard(bot.web.bot, learner, "07:30", "UTC"))
    met = [(20, item, True) for item in ("1.1a", "1.1b", "1.1c", "1.1d", "1.2a")]
    reviewed = [(10, "1.1a", True), (10, "1.1b", True), (10, "1.1c", True), (10, "1.1d", False)]
    reviewed += [(5, "1.1a", True), (5, "1.1b", False), (5, "1.1c", True), (10, "1.2a", False)]
    with Session(bot.web.bot.services.engine) as session:
        for drop_id in ("1.1", "1.2"):
            introduce_drop(session, learner, bank.items_for_drop(drop_id), Today.at(now, UTC, 4))
        for days_ago, item_id, correct in met + reviewed:
            record_answer(
                session, learner_id=learner, item_id=item_id, correct=correct,
                today=Today.at(now - timedelta(days=days_ago), UTC, 4), scheduler=scheduler,
                source="private", chat_id=learner, answered_after=None,
            )  # fmt: skip
        session.commit()
    services = bot.web.bot.services
    numbers = bot.call(services.transaction(my_stats, services, learner))
    titles = {drop.id: drop.title for drop in services.course.drops}
    in_chat = stats_markdown(numbers, titles).replace("**", "")
    assert "Retention on reviews: 62% (5 of 8 remembered)" in in_chat, in_chat
    open_page(browser, bot, "stats", user=learner)
    wait_until(browser, lambda: text(browser, "stats-answers"))
    assert text(browser, "stats-retention") == "62% (5 of 8)"
    weakest = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#stats-weakest li")]
    chat_lines = [line for line in in_chat.split("\n") if " recall" in line]
    assert len(weakest) == len(chat_lines) == 2
    for shown, line in zip(weakest, chat_lines, strict=True):
        assert shown.endswith(line.rsplit(" — ", 1)[1]), (shown, line)


def test_stats_of_a_learner_with_no_answers_say_so_as_the_chat_does(
    browser: Any, bot: BackgroundBot
) -> None:
    """No answers yet: the page says what /stats says, not "0 right of 0", empty bars and
    "none yet"."""
    learner = 7303
    bot.call(onboard(bot.web.bot, learner, "07:30", "UTC"))
    services = bot.web.bot.services
    numbers = bot.call(services.transaction(my_stats, services, learner))
    in_chat = stats_markdown(numbers, {}).replace("**", "").split("\n", 1)[1]
    open_page(browser, bot, "stats", user=learner)

    def loaded() -> str:
        shown = text(browser, "page-stats")
        return shown if "right of" in shown or "No quiz" in shown else ""

    page = wait_until(browser, loaded)
    assert "0 right of 0" not in page and "none yet" not in page and "14 days" not in page, page
    assert text(browser, "stats-empty") == in_chat


def test_path_of_a_chat_that_blocked_the_bot_says_it_is_paused(
    browser: Any, bot: BackgroundBot
) -> None:
    """A chat that blocked the bot is skipped until it writes again: no next drop time."""
    learner = 7304
    bot.call(onboard(bot.web.bot, learner, "07:30", "UTC"))
    with Session(bot.web.bot.services.engine) as session:
        chat = session.get(Chat, learner)
        assert chat is not None
        chat.active = False  # as the delivery marks it on Telegram's 403 "blocked by the user"
        session.add(chat)
        session.commit()
    open_page(browser, bot, "path", user=learner)
    wait_until(browser, lambda: text(browser, "path-next"))
    assert text(browser, "path-next") == (
        "paused: the bot can't reach this chat — send it any message to resume"
    )


def test_temperature_slider_moves_the_bars_as_python_computes(
    browser: Any, bot: BackgroundBot
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, bot, "temperature")
    wait_until(browser, lambda: len(bars(browser, "t-bars")) == 10)
    presets = browser.find_elements(By.CSS_SELECTOR, "#t-preset option")
    assert presets[0].text.startswith("Drop 2.2")
    slider = browser.find_element(By.ID, "t-slider")
    seen = set()
    half = slider.size["width"] // 2
    # Pressed at its middle each time: dragged past the left end (T = 0.5), then elsewhere.
    for offset in (-half - 6, -half // 2, half // 3):
        ActionChains(browser).click_and_hold(slider).move_by_offset(offset, 0).release().perform()
        temperature = float(slider.get_attribute("value"))
        seen.add(temperature)
        expected = soft_targets(SEVEN_LOGITS, temperature, SEVEN)
        assert float(text(browser, "t-value")) == pytest.approx(temperature)
        assert bars(browser, "t-bars") == pytest.approx(expected.probabilities, abs=1e-12)
        assert float(text(browser, "t-entropy")) == pytest.approx(expected.entropy, abs=5e-4)
        assert float(text(browser, "t-ratio")) == pytest.approx(expected.top_two_ratio, abs=5e-3)
        assert float(text(browser, "t-wrong")) == pytest.approx(expected.wrong_mass, abs=5e-4)
    assert 0.5 in seen and len(seen) == 3
    logit = browser.find_element(By.CSS_SELECTOR, "#t-logits input[data-digit='9']")
    browser.execute_script("arguments[0].open = true", browser.find_element(By.TAG_NAME, "details"))
    logit.clear()
    logit.send_keys("8.5")
    edited = list(SEVEN_LOGITS)
    edited[9] = 8.5
    temperature = float(slider.get_attribute("value"))
    assert bars(browser, "t-bars") == pytest.approx(
        soft_targets(edited, temperature, SEVEN).probabilities, abs=1e-12
    )
    Select(browser.find_element(By.ID, "t-preset")).select_by_index(1)
    real = temperature_presets()[1]
    assert bars(browser, "t-bars") == pytest.approx(
        soft_targets(real["logits"], temperature, real["label"]).probabilities, abs=1e-12
    )

    def at_t4() -> bool:  # drop 2.2's second temperature: the dark knowledge shows
        browser.execute_script(
            "const slider = document.getElementById('t-slider'); slider.value = 4;"
            "slider.dispatchEvent(new Event('input'))"
        )
        return text(browser, "t-value") == "4.0"

    screenshots(browser, bot, "temperature", lambda: len(bars(browser, "t-bars")) == 10, then=at_t4)


def test_kl_student_drags_and_the_minimum_buttons_find_pythons_fits(
    browser: Any, bot: BackgroundBot
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    open_page(browser, bot, "kl")
    wait_until(browser, lambda: text(browser, "kl-forward"))

    def shown() -> tuple[float, float, float, float]:
        mean, std = (float(text(browser, f"kl-{name}-value")) for name in ("mean", "std"))
        return mean, std, float(text(browser, "kl-forward")), float(text(browser, "kl-reverse"))

    canvas = browser.find_element(By.ID, "kl-canvas")
    before = shown()
    ActionChains(browser).click_and_hold(canvas).move_by_offset(-60, 20).release().perform()
    mean, std, forward, reverse = shown()
    assert mean < before[0] and std > before[1]  # dragged left and down: moved and widened
    expected = gaussian_kls(mean, std)
    assert (forward, reverse) == pytest.approx((float(expected[0]), float(expected[1])), abs=5e-4)
    best_forward, best_reverse = fit_gaussians()
    browser.find_element(By.ID, "kl-min-forward").click()
    wait_until(browser, lambda: shown()[:2] == (best_forward.mean, best_forward.std), timeout=60)
    assert shown()[2] == pytest.approx(best_forward.kl, abs=5e-4)
    browser.find_element(By.ID, "kl-min-reverse").click()
    wait_until(browser, lambda: shown()[:2] == (best_reverse.mean, best_reverse.std), timeout=60)
    assert shown()[3] == pytest.approx(best_reverse.kl, abs=5e-4)
    screenshots(browser, bot, "kl", lambda: text(browser, "kl-forward"))


STUDENT_PIXELS_IN_TOP_ROWS = """
const canvas = document.getElementById("kl-canvas");
const [r, g, b] = [0x00, 0x72, 0xb2];  // --student
const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, 2);
let count = 0;
for (let i = 0; i < data.length; i += 4) {
  const near = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
  if (data[i + 3] > 0 && near < 60) count++;
}
return count;
"""


def test_the_reverse_kl_fit_is_drawn_whole(browser: Any, bot: BackgroundBot) -> None:
    """The narrow mode-seeking fit (drop 2.3: std 0.72, peak 0.55) keeps its peak on the
    canvas, as in the drop's figure: its curve never runs out at the top."""
    from selenium.webdriver.common.by import By

    open_page(browser, bot, "kl")
    wait_until(browser, lambda: text(browser, "kl-forward"))
    browser.find_element(By.ID, "kl-min-reverse").click()
    wait_until(browser, lambda: float(text(browser, "kl-std-value")) < 1, timeout=60)
    assert browser.execute_script(STUDENT_PIXELS_IN_TOP_ROWS) == 0


def test_a_narrow_student_is_drawn_whole(browser: Any, bot: BackgroundBot) -> None:
    """The width slider goes down to 0.2 (a peak near 2.0, over three times the figure's
    0.62): however narrow the student, its curve stays on the canvas, peak included."""
    open_page(browser, bot, "kl")
    wait_until(browser, lambda: text(browser, "kl-forward"))
    for std in ("0.2", "0.4", "0.6", "0.72", "1"):
        browser.execute_script(
            "const slider = document.getElementById('kl-std'); slider.value = arguments[0];"
            "slider.dispatchEvent(new Event('input'))",
            std,
        )
        assert float(text(browser, "kl-std-value")) == float(std)
        assert browser.execute_script(STUDENT_PIXELS_IN_TOP_ROWS) == 0, std


def pixels_coloured(browser: Any, selector: str, rgb: tuple[int, int, int]) -> int:
    """Pixels of the canvases under ``selector`` drawn in (about) the colour ``rgb``."""
    return int(
        browser.execute_script(
            """
            const [r, g, b] = arguments[1];
            let count = 0;
            for (const canvas of document.querySelectorAll(arguments[0])) {
              const { width, height } = canvas;
              const { data } = canvas.getContext("2d").getImageData(0, 0, width, height);
              for (let i = 0; i < data.length; i += 4) {
                const near = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g)
                  + Math.abs(data[i + 2] - b);
                if (data[i + 3] > 200 && near < 30) count++;
              }
            }
            return count;
            """,
            selector,
            list(rgb),
        )
    )


def test_an_open_run_chart_follows_a_theme_switch(browser: Any, bot: BackgroundBot) -> None:
    """Telegram switched to dark while a run's chart was open: its axes' numbers turn light
    at once, not black on the dark background until the run is opened again."""
    from selenium.webdriver.common.by import By

    from bot.services.distill import record_run, update_run

    learner, services = 7303, bot.web.bot.services
    run_id = bot.call(
        services.transaction(
            record_run, user_id=learner, chat_id=learner, settings="steps=60",
            now=services.clock(), owner="test",
        )
    )  # fmt: skip
    curves = {
        "eval_steps": [0, 30, 60], "loss_steps": [0, 30, 60],
        "arms": [{"label": "kd", "accuracy": [0.1, 0.6, 0.8], "loss": [2.3, 1.1, 0.7]}],
    }  # fmt: skip
    bot.call(
        services.transaction(
            update_run, run_id, status="done", now=services.clock(),
            metrics={"kd_acc": 0.8, "curves": curves},
        )
    )  # fmt: skip
    open_page(browser, bot, "runs", "light", user=learner)
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "li.run"))
    browser.find_element(By.CSS_SELECTOR, f"li.run[data-run='{run_id}']").click()
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#run-chart canvas"))
    black, white = (0, 0, 0), (255, 255, 255)
    assert pixels_coloured(browser, "#run-chart canvas", black) > 0
    browser.execute_script("window.__switchTheme('dark', arguments[0])", THEMES["dark"])
    wait_until(browser, lambda: pixels_coloured(browser, "#run-chart canvas", white) > 0)
    assert pixels_coloured(browser, "#run-chart canvas", black) == 0


def test_without_a_secondary_colour_dark_rows_stay_dark(browser: Any, bot: BackgroundBot) -> None:
    """A dark client that sends no secondary_bg_color: the path's rows and the tab bar are
    not light grey under the theme's white text."""
    dark = {k: v for k, v in THEMES["dark"].items() if k != "secondary_bg_color"}
    open_page(browser, bot, "path", "dark", theme=dark)
    wait_until(browser, lambda: text(browser, "path-done"))
    backgrounds = browser.execute_script(
        "return ['li.drop', 'nav#tabs'].map(s =>"
        " getComputedStyle(document.querySelector(s)).backgroundColor)"
    )
    for background in backgrounds:
        red, green, blue = (int(part) for part in background[4:-1].split(",")[:3])
        assert red + green + blue < 3 * 96, backgrounds  # white text stays readable on it


def test_a_run_started_in_the_page_shows_progress_and_its_curve(
    browser: Any, bot: BackgroundBot
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    open_page(browser, bot, "runs")
    wait_until(browser, lambda: text(browser, "runs-list"))
    field = browser.find_element(By.ID, "run-settings")
    field.send_keys("steps=60 T=99")
    browser.find_element(By.ID, "run-start").click()
    wait_until(browser, lambda: text(browser, "run-settings-error"))
    assert "T" in text(browser, "run-settings-error") and "20" in text(
        browser, "run-settings-error"
    )
    assert not browser.find_elements(By.CSS_SELECTOR, "li.run")
    field.clear()
    field.send_keys(f"steps={STEPS} T=2")
    browser.execute_script(WATCH_STATUS)
    browser.find_element(By.ID, "run-start").click()
    wait_until(
        browser, lambda: not browser.find_element(By.ID, "run-settings-error").is_displayed()
    )
    wait_until(browser, lambda: text(browser, "run-status") == "done", timeout=300)
    statuses = browser.execute_script("return window.statuses")
    assert any(status.startswith("running · ") and status.endswith("%") for status in statuses)
    wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#run-chart canvas"))
    runs = bot.call(_stored_runs(bot))
    assert len(runs) == 1 and runs[0].settings == f"T=2 steps={STEPS}"
    shown_acc = browser.find_element(By.CSS_SELECTOR, "#run-metrics dd[data-metric='kd_acc']").text
    assert float(shown_acc) == pytest.approx(runs[0].metrics["kd_acc"], abs=1e-4)
    # A tap at the right end of the accuracy chart reads the last evaluation's values.
    plot = browser.find_element(By.CSS_SELECTOR, "#run-chart .u-over")
    ActionChains(browser).move_to_element_with_offset(
        plot, plot.size["width"] // 2 - 1, 0
    ).click().perform()
    legend = browser.find_elements(By.CSS_SELECTOR, "#run-chart .u-legend")[0]
    values = [cell.text for cell in legend.find_elements(By.CSS_SELECTOR, ".u-value")]
    kd_final = runs[0].metrics["curves"]["arms"][1]["accuracy"][-1]
    assert values == [str(STEPS), ANY_PERCENT, f"{100 * kd_final:.1f}%"]

    # Opened again from the list, the stored run shows its curve.
    def open_run() -> bool:
        browser.find_element(By.CSS_SELECTOR, f"li.run[data-run='{runs[0].id}']").click()
        wait_until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#run-chart canvas"))
        return text(browser, "run-title").startswith(f"Run #{runs[0].id}")

    screenshots(browser, bot, "runs", lambda: text(browser, "runs-list"), then=open_run)
    # The next run waits out the same cooldown as /distill's, and says so beside the field.
    field = browser.find_element(By.ID, "run-settings")
    field.clear()
    field.send_keys("steps=60")
    browser.find_element(By.ID, "run-start").click()
    wait_until(
        browser, lambda: text(browser, "run-settings-note").startswith("⏳ Queued: starts in")
    )
    newest = bot.call(_stored_runs(bot))
    assert len(newest) == 2 and newest[0].status == "queued"


async def _stored_runs(bot: BackgroundBot) -> list[Any]:
    from bot.services.webapp import my_runs

    return await bot.web.bot.services.transaction(my_runs, LEARNER)
