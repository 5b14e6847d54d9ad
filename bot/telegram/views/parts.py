"""A drop as the messages that carry it: cards of text, its figure, and their buttons.

A drop is read in cards (``drops.render.render_cards``). Every card but the last ends with
"Continue ▸ (2/4)", which brings the next one; the last carries "▶️ Run it" (the drop's
/distill run) and the closing buttons (default ✅ Done). The figure follows the text of the
card that discusses it, and that card's buttons move onto the figure, below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bot.telegram import buttons
from drops.model import Course, Drop
from drops.render import Entity, drop_label, render_cards


@dataclass(frozen=True)
class Link:
    """A button that opens a page: the Mini App itself (``web_app``: private chats only,
    Telegram refuses it in groups) or a plain URL such as a t.me Mini App link."""

    label: str
    url: str
    web_app: bool = False


Button = tuple[str, str] | Link  # (label, callback data), or a link
Buttons = tuple[tuple[Button, ...], ...]  # rows
Card = list["Part"]


@dataclass(frozen=True)
class Part:
    """One message of a drop: text with entities, or a photo with a caption."""

    text: str
    entities: list[Entity] = field(default_factory=list)
    photo: Path | None = None
    buttons: Buttons = ()


class Paging(StrEnum):
    """How a card's Continue button brings the next card."""

    DELIVERY = "delivery"  # through the outbox: the delivery's own state (buttons.MORE)
    REREAD = "reread"  # a drop shown again (/today, /drop): stateless (buttons.PAGE)
    NONE = "none"  # every card at once (a group): no Continue buttons


def continue_button(
    drop: Drop, *, path_round: int, card: int, cards: int, paging: Paging
) -> tuple[str, str]:
    """ "Continue ▸ (2/4)" for card ``card`` (1-based) of ``cards``."""
    press = buttons.CardPress(path_round, drop.id, card)
    codec = buttons.MORE if paging == Paging.DELIVERY else buttons.PAGE
    return (f"Continue ▸ ({card}/{cards})", codec.encode(press))


def drop_cards(
    course: Course,
    drop: Drop,
    *,
    path_round: int,
    closing: Buttons | None = None,
    paging: Paging = Paging.DELIVERY,
    explore: Link | None = None,
    runnable: bool = True,
) -> list[Card]:
    """The drop's cards in order, each as its messages; the last carries ``closing``
    (default: ✅ Done) under the Run-it and ``explore`` buttons. ``path_round`` 0: a drop
    shown for reading only (its Continue buttons then carry no round). Not ``runnable``
    (the sandbox is off): no Run-it button, and the Try-it line is the offline command."""
    rendered = render_cards(drop, course, runnable=runnable)
    count = len(rendered)
    done = buttons.DONE.encode(buttons.DropDone(path_round, drop.id))
    last_rows: Buttons = closing if closing is not None else ((("✅ Done", done),),)
    if explore is not None:
        last_rows = ((explore,), *last_rows)
    if drop.try_settings is not None and runnable:
        run = ("▶️ Run it", buttons.RUN.encode(drop.id))
        last_rows = ((run,), *last_rows)
    cards: list[Card] = []
    for number, card in enumerate(rendered, start=1):
        parts = [Part(card.message.text, list(card.message.entities))]
        figure = drop.figure_path
        if card.figure and figure is not None and figure.exists():
            caption = f"Figure · {drop_label(drop, course)}: {drop.title}"
            parts.append(Part(caption[:1000], photo=figure))
        if number < count and paging != Paging.NONE:
            more = continue_button(
                drop, path_round=path_round, card=number + 1, cards=count, paging=paging
            )
            rows: Buttons = ((more,),)
        else:
            rows = last_rows if number == count else ()
        last = parts[-1]
        parts[-1] = Part(last.text, last.entities, last.photo, rows)
        cards.append(parts)
    return cards


def drop_parts(
    course: Course,
    drop: Drop,
    *,
    path_round: int,
    closing: Buttons | None = None,
    paging: Paging = Paging.DELIVERY,
) -> list[Part]:
    """Every message of every card, in order."""
    cards = drop_cards(course, drop, path_round=path_round, closing=closing, paging=paging)
    return [part for card in cards for part in card]
