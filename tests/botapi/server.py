"""An HTTP server speaking enough of the Bot API for the bot, with Telegram's limits.

Tests start it on a loopback port, point the real python-telegram-bot Application at it
through the base URL, inject updates and assert on the calls the bot made.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.botapi import limits
from tests.botapi.limits import BadRequest
from tests.botapi.ratelimit import FloodControl

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Distill Drops",
    "username": "distill_drops_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Telegram sends a message an administrator posts anonymously ("as the group") from this
# bot, with ``sender_chat`` the group itself (Bot API, Message.from and sender_chat).
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
MUTED_RIGHTS = (  # a restricted member's permissions, every one of them taken away
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
    "can_invite_users", "can_pin_messages", "can_manage_topics", "can_edit_tag",
    "can_react_to_messages",
)  # fmt: skip
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendPoll"}
JSON_FIELDS = {
    "reply_markup", "entities", "caption_entities", "options", "correct_option_ids", "commands",
    "explanation_entities", "allowed_updates", "scope", "link_preview_options",
    "reply_parameters", "question_entities", "menu_button",
}  # fmt: skip
INT_FIELD = re.compile(r"^-?\d{1,20}$")
HELD = "held by the test: never answered"


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class ApiCall:
    """One request the bot made, as decoded by the stand-in."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    ok: bool = True
    error: str | None = None
    message_id: int | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass(frozen=True)
class Hang:
    """A request the stand-in takes and never answers: ``method``, its text (or poll
    question) containing ``text``."""

    method: str
    text: str = ""

    def holds(self, call: ApiCall) -> bool:
        shown = call.text or str(call.params.get("question") or "")
        return call.method == self.method and self.text in shown


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    text: str | None
    reply_markup: Any
    payload: dict[str, Any]


class FakeBotApi:
    """The stand-in. ``base_url`` is what the Application's ``base_url`` should be."""

    def __init__(self, *, enforce_flood_limits: bool = False, token: str = "123456:TEST-token"):
        self.token = token
        self.calls: list[ApiCall] = []
        self.flood = FloodControl() if enforce_flood_limits else None
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.flood_once: dict[int, int] = {}
        # Methods answered with a 429 (retry_after the value, in seconds) every time they
        # are called, whatever the chat: Telegram's flood wait on getChatMember, say.
        self.flooded_methods: dict[str, int] = {}
        self.admins: dict[int, set[int]] = {}
        self.left: dict[int, set[int]] = {}  # members who left each group
        self.muted: dict[int, set[int]] = {}  # restricted members of each group, in or not
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.polls: dict[str, dict[str, Any]] = {}
        self.open_callback_queries: set[str] = set()
        self.commands: list[dict[str, Any]] = []
        # setChatMenuButton: the default for private chats under None, else per chat
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook_deleted = False
        self.webhook: dict[str, Any] | None = None  # what setWebhook set: url, secret_token, ...
        # A test's hook after each send; an awaitable it returns is awaited before the bot
        # hears the answer (the message exists, the bot does not know yet).
        self.on_sent: Callable[[ApiCall], Awaitable[None] | None] | None = None
        # A test's hook before each call is answered: an awaitable it returns is awaited
        # first (the bot waits for Telegram's answer; nothing has happened yet).
        self.on_call: Callable[[ApiCall], Awaitable[object] | None] | None = None
        # Requests that never get an answer (a crash test kills the bot inside the send):
        # each rule names a method and, optionally, text the message or poll contains.
        self.hangs: list[Hang] = []
        self._updates: list[dict[str, Any]] = []
        self.fetched_up_to = 0  # the newest update id the bot has fetched
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._poll_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._call_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._extra_routes: list[tuple[str, str, Any]] = []
        self.port = 0

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> str:
        return await self.start_on(0)

    async def start_on(self, port: int) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        for method, path, handler in self._extra_routes:
            app.router.add_route(method, path, handler)
        self._app = app
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.base_url

    def extra_routes(self, *routes: tuple[str, str, Any]) -> None:
        """Routes besides the Bot API's (a benchmark's statistics, say); call before start."""
        self._extra_routes.extend(routes)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ----------------------------------------------------------------- requests
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        call = ApiCall(method, {})
        self.calls.append(call)
        try:
            call.params, call.files = await self._decode(request)
            params, files = call.params, call.files
            if self.on_call is not None:
                held = self.on_call(call)
                if held is not None:
                    await held
            if any(hang.holds(call) for hang in self.hangs):
                call.ok, call.error = False, HELD
                await asyncio.Event().wait()  # until the bot is killed and the request dropped
            if method in self.flooded_methods:
                wait = self.flooded_methods[method]
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
            body: dict[str, Any] = {"ok": True, "result": result}
            if isinstance(result, dict) and "message_id" in result:
                call.message_id = result["message_id"]
                if self.on_sent is not None and method in SEND_METHODS:
                    held = self.on_sent(call)
                    if held is not None:
                        await held
        except BadRequest as exc:
            call.ok, call.error = False, exc.description
            body = {"ok": False, "error_code": 400, "description": exc.description}
        except ApiError as exc:
            call.ok, call.error = False, exc.description
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
        self._call_event.set()
        return web.json_response(body, status=body.get("error_code", 200))

    async def _decode(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            raw: dict[str, Any] = await request.json() if request.can_read_body else {}
            items = list(raw.items())
        elif request.content_type.startswith("multipart/"):
            items = []
            reader = await request.multipart()
            async for part in reader:
                if part.filename is not None:  # type: ignore[union-attr]
                    files[part.name or ""] = await part.read()  # type: ignore[union-attr]
                else:
                    items.append((part.name, await part.text()))  # type: ignore[union-attr]
        else:
            items = list((await request.post()).items())
            items += list(request.query.items())
        for key, value in items:
            params[key] = _decode_value(key, value)
        return params, files

    def _count_send(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        if chat_id in self.flood_once:
            retry_after = self.flood_once.pop(chat_id)
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        if self.flood is not None:
            wait = self.flood.check(chat_id)
            if wait:
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id not in self.chats:
            kind = "private" if chat_id > 0 else "group"
            self.chats[chat_id] = {"id": chat_id, "type": kind, "first_name": "Learner"}
        return self.chats[chat_id]

    def _new_message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        markup = fields.get("reply_markup")
        if not (isinstance(markup, dict) and "inline_keyboard" in markup):
            fields["reply_markup"] = None  # Telegram echoes only inline keyboards
        message_id = next(self._message_ids)
        payload = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            **{k: v for k, v in fields.items() if v is not None},
        }
        self.messages[(chat_id, message_id)] = StoredMessage(
            chat_id, message_id, fields.get("text"), fields.get("reply_markup"), payload
        )
        return payload

    # ----------------------------------------------------------------- methods
    def _api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return BOT_USER

    def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.webhook_deleted = True
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        url = str(params.get("url") or "")
        if not url.startswith("https://"):
            raise BadRequest("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params)
        return True

    def _api_getWebhookInfo(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> dict[str, Any]:
        # As Telegram counts them: updates not yet confirmed by a later getUpdates offset.
        url = str(self.webhook.get("url") or "") if self.webhook else ""
        return {"url": url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}  # fmt: skip

    def _api_setChatMenuButton(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) < 0:
            raise BadRequest("Bad Request: chat not found")  # private chats only
        button = params.get("menu_button") or {"type": "default"}
        limits.check_menu_button(button)
        self.menu_buttons[None if chat_id is None else int(chat_id)] = button
        return True

    def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        limits.check_commands(params.get("commands"))
        self.commands = list(params["commands"])
        return True

    async def _api_getUpdates(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            timeout = min(float(params.get("timeout") or 0), 0.5)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=timeout)
            except TimeoutError:
                return []
        limit = int(params.get("limit") or 100)
        batch = self._updates[:limit]
        if batch:
            self.fetched_up_to = max(self.fetched_up_to, batch[-1]["update_id"])
        return batch

    def _api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = limits.check_text(params.get("text"))
        limits.check_entities(text, params.get("entities"))
        limits.check_parse_mode(text, params.get("parse_mode"))
        limits.check_reply_markup(params.get("reply_markup"), private=_private(params))
        self._count_send(chat_id)
        return self._new_message(
            chat_id,
            text=text,
            entities=params.get("entities"),
            reply_markup=params.get("reply_markup"),
        )

    def _media(self, params: dict[str, Any], files: dict[str, bytes], kind: str) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        caption = params.get("caption")
        if caption is not None:
            limits.check_text(caption, field="caption", limit=limits.MAX_CAPTION)
            limits.check_entities(caption, params.get("caption_entities"))
        limits.check_reply_markup(params.get("reply_markup"), private=_private(params))
        if kind not in files and not isinstance(params.get(kind), str):
            raise BadRequest(f"Bad Request: there is no {kind} in the request")
        self._count_send(chat_id)
        data = files.get(kind, b"")
        media: Any
        if kind == "photo":
            media = [
                {"file_id": f"photo{len(self.calls)}", "file_unique_id": "u", "width": 1,
                 "height": 1, "file_size": len(data)}
            ]  # fmt: skip
        else:
            media = {
                "file_id": f"doc{len(self.calls)}",
                "file_unique_id": "u",
                "file_size": len(data),
            }
        return self._new_message(
            chat_id, caption=caption, reply_markup=params.get("reply_markup"), **{kind: media}
        )

    def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        if "photo" in files and not files["photo"].startswith(b"\x89PNG"):
            raise BadRequest("Bad Request: IMAGE_PROCESS_FAILED")
        return self._media(params, files, "photo")

    def _api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return self._media(params, files, "document")

    def _api_sendPoll(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        limits.check_poll(params)
        self._count_send(chat_id)
        poll_id = str(next(self._poll_ids))
        options = [o["text"] if isinstance(o, dict) else o for o in params["options"]]
        poll = {
            "id": poll_id,
            "question": params["question"],
            "options": [
                {"text": o, "voter_count": 0, "persistent_id": f"{poll_id}-{i}"}
                for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True) not in (False, "false"),
            "type": params.get("type", "regular"),
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        if params.get("correct_option_ids") is not None:
            poll["correct_option_ids"] = params["correct_option_ids"]
        if params.get("explanation"):
            poll["explanation"] = params["explanation"]
        if params.get("open_period") is not None:
            poll["open_period"] = params["open_period"]
            poll["close_date"] = int(time.time()) + int(params["open_period"])
        message = self._new_message(chat_id, poll=poll)
        self.polls[poll_id] = {
            **poll, "chat_id": chat_id, "message_id": message["message_id"],
            "closes": time.monotonic() + float(params.get("open_period") or "inf"),
        }  # fmt: skip
        return message

    def poll_is_open(self, poll_id: str) -> bool:
        """As Telegram sees it: not stopped, and within its open_period (if it has one)."""
        poll = self.polls[poll_id]
        return not poll["is_closed"] and time.monotonic() < poll["closes"]

    def _api_stopPoll(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if chat_id in self.migrated:
            self._count_send(chat_id)  # Telegram answers for the old group with its new id
        message = self.messages.get((chat_id, int(params.get("message_id", 0))))
        if message is None or "poll" not in message.payload:
            raise BadRequest("Bad Request: message with poll to stop not found")
        poll_id = message.payload["poll"]["id"]
        if not self.poll_is_open(poll_id):
            raise BadRequest("Bad Request: poll has already been closed")
        self.polls[poll_id]["is_closed"] = True
        message.payload["poll"]["is_closed"] = True
        return {k: v for k, v in self.polls[poll_id].items()
                if k not in ("chat_id", "message_id", "closes")}  # fmt: skip

    def _stored(self, params: dict[str, Any]) -> StoredMessage:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if key not in self.messages:
            raise BadRequest("Bad Request: message to edit not found")
        return self.messages[key]

    def _api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        text = limits.check_text(params.get("text"))
        limits.check_entities(text, params.get("entities"))
        limits.check_parse_mode(text, params.get("parse_mode"))
        limits.check_reply_markup(params.get("reply_markup"), private=_private(params))
        if text == message.text and params.get("reply_markup") == message.reply_markup:
            raise BadRequest("Bad Request: message is not modified")
        message.text, message.reply_markup = text, params.get("reply_markup")
        message.payload.update(text=text, entities=params.get("entities"))
        message.payload["reply_markup"] = params.get("reply_markup")
        return {k: v for k, v in message.payload.items() if v is not None}

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        limits.check_reply_markup(params.get("reply_markup"), private=_private(params))
        if params.get("reply_markup") == message.reply_markup:
            raise BadRequest("Bad Request: message is not modified")
        message.reply_markup = params.get("reply_markup")
        message.payload["reply_markup"] = message.reply_markup
        return {k: v for k, v in message.payload.items() if v is not None}

    def _api_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        message = self._stored(params)
        del self.messages[(message.chat_id, message.message_id)]
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.open_callback_queries:
            raise BadRequest("Bad Request: query is too old and response timeout expired")
        text = params.get("text")
        if text is not None and len(text) > limits.MAX_CALLBACK_ANSWER:
            raise BadRequest("Bad Request: callback answer text is too long")
        self.open_callback_queries.discard(query_id)
        return True

    def _api_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        return True

    def _api_getChatMember(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = "administrator" if user_id in self.admins.get(chat_id, set()) else "member"
        if user_id in self.left.get(chat_id, set()):
            status = "left"
        member: dict[str, Any] = {"status": status, "user": _user(user_id)}
        if user_id in self.muted.get(chat_id, set()):
            # Telegram keeps a muted member "restricted" after they leave, with is_member false.
            member.update(status="restricted", is_member=status != "left", until_date=0)
            member.update(dict.fromkeys(MUTED_RIGHTS, False))
        if status == "administrator":
            member.update(
                can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                can_delete_messages=True, can_manage_video_chats=True, can_restrict_members=True,
                can_promote_members=False, can_change_info=True, can_invite_users=True,
                can_post_stories=False, can_edit_stories=False, can_delete_stories=False,
            )  # fmt: skip
        return member

    # ----------------------------------------------------------------- updates
    def push_update(self, **payload: Any) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **payload})
        self._new_update.set()
        return update_id

    def chat_payload(self, chat_id: int, *, title: str | None = None) -> dict[str, Any]:
        if chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        else:
            chat = {"id": chat_id, "type": "supergroup" if chat_id < -10**12 else "group",
                    "title": title or f"Group {chat_id}"}  # fmt: skip
        self.chats.setdefault(chat_id, chat)
        return self.chats[chat_id]

    def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, **extra: Any
    ) -> int:
        """Inject a message from a user; a leading /command gets a bot_command entity."""
        chat = self.chat_payload(chat_id if chat_id is not None else user_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(user_id),
            "text": text,
            **extra,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": limits.utf16_len(command)}
            ]
        return self.push_update(message=message)

    def edit_text(self, user_id: int, text: str, *, chat_id: int | None = None) -> int:
        """Inject an edit of an earlier message of the user's, now reading ``text``."""
        update_id = self.send_text(user_id, text, chat_id=chat_id, edit_date=int(time.time()))
        self._updates[-1]["edited_message"] = self._updates[-1].pop("message")
        return update_id

    def send_as_group(self, chat_id: int, text: str) -> int:
        """Inject a message an anonymous administrator posts as the group."""
        sender = {"from": GROUP_ANONYMOUS_BOT, "sender_chat": self.chat_payload(chat_id)}
        return self.send_text(GROUP_ANONYMOUS_BOT["id"], text, chat_id=chat_id, **sender)

    def send_location(self, user_id: int, latitude: float, longitude: float) -> int:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat_payload(user_id),
            "from": _user(user_id),
            "location": {"latitude": latitude, "longitude": longitude},
        }
        return self.push_update(message=message)

    def press(self, user_id: int, message: ApiCall | StoredMessage | None, data: str,
              *, chat_id: int | None = None, message_id: int | None = None) -> str:  # fmt: skip
        """Inject a callback query as if ``user_id`` pressed a button carrying ``data``."""
        if isinstance(message, ApiCall):
            message = self.message_for(message)
        if message is not None:
            chat_id, message_id = message.chat_id, message.message_id
        assert chat_id is not None and message_id is not None
        query_id = str(next(self._callback_ids))
        self.open_callback_queries.add(query_id)
        stored = self.messages.get((chat_id, message_id))
        payload = stored.payload if stored else {
            "message_id": message_id, "date": int(time.time()), "chat": self.chat_payload(chat_id),
            "from": BOT_USER, "text": "(old message)",
        }  # fmt: skip
        self.push_update(
            callback_query={
                "id": query_id,
                "from": _user(user_id),
                "chat_instance": str(chat_id),
                "message": {k: v for k, v in payload.items() if v is not None},
                "data": data,
            }
        )
        return query_id

    def answer_poll(self, user_id: int, poll_id: str, option_ids: list[int]) -> int:
        """A member's vote, delivered as Telegram does for non-anonymous polls (a test may
        also deliver one for a poll that closed, as a late update would arrive)."""
        answer = {
            "poll_id": poll_id,
            "user": _user(user_id),
            "option_ids": option_ids,
            "option_persistent_ids": [f"{poll_id}-{i}" for i in option_ids],
        }
        return self.push_update(poll_answer=answer)

    def migrate_group(self, chat_id: int, new_chat_id: int, *, announce: bool = True) -> None:
        """The group becomes a supergroup: sends to the old id fail with its new id, and
        (unless ``announce`` is False, as if the bot missed them) the service messages that
        say so arrive in both chats."""
        self.migrated[chat_id] = new_chat_id
        if not announce:
            return
        self.migration_notice(chat_id, new_chat_id, in_supergroup=False)
        self.migration_notice(chat_id, new_chat_id, in_supergroup=True)

    def migration_notice(self, chat_id: int, new_chat_id: int, *, in_supergroup: bool) -> int:
        """One of the two service messages of a move to a supergroup: "migrated to" in the
        old group, or "migrated from" in the supergroup (each may come first, or alone)."""
        old = self.chat_payload(chat_id)
        if in_supergroup:
            chat = self.chat_payload(new_chat_id, title=old.get("title"))
            field_name, other = "migrate_from_chat_id", chat_id
        else:
            chat, field_name, other = old, "migrate_to_chat_id", new_chat_id
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": chat, "from": BOT_USER, field_name: other}  # fmt: skip
        return self.push_update(message=message)

    def member_leaves(self, chat_id: int, user_id: int, *, heard: str) -> int:
        """A member leaves the group, and the bot hears of it: ``heard`` is "message" (the
        "left the group" service message) or "chat_member" (the update a group's
        administrator bot gets)."""
        self.left.setdefault(chat_id, set()).add(user_id)
        chat, user, now = self.chat_payload(chat_id), _user(user_id), int(time.time())
        if heard == "message":
            message = {"message_id": next(self._message_ids), "date": now, "chat": chat,
                       "from": user, "left_chat_member": user}  # fmt: skip
            return self.push_update(message=message)
        assert heard == "chat_member", heard
        change = {"chat": chat, "from": user, "date": now,
                  "old_chat_member": {"status": "member", "user": user},
                  "new_chat_member": {"status": "left", "user": user}}  # fmt: skip
        return self.push_update(chat_member=change)

    def add_bot_to_group(self, chat_id: int, by_user: int, *, title: str = "Study group") -> int:
        self.blocked.discard(chat_id)  # added back after a removal: sends go through again
        return self.push_update(
            my_chat_member={
                "chat": self.chat_payload(chat_id, title=title),
                "from": _user(by_user),
                "date": int(time.time()),
                "old_chat_member": {"status": "left", "user": BOT_USER},
                "new_chat_member": {"status": "member", "user": BOT_USER},
            }
        )

    def remove_bot(self, chat_id: int, by_user: int) -> int:
        """A member removes the bot from the group: the group's sends fail from now on."""
        self.blocked.add(chat_id)
        return self.push_update(
            my_chat_member={
                "chat": self.chat_payload(chat_id),
                "from": _user(by_user),
                "date": int(time.time()),
                "old_chat_member": {"status": "member", "user": BOT_USER},
                "new_chat_member": {"status": "left", "user": BOT_USER},
            }
        )

    def remove_muted_bot(self, chat_id: int, by_user: int) -> int:
        """The bot, muted in the group, is removed: Telegram keeps it "restricted", with
        is_member false, and the group's sends fail from now on."""
        self.blocked.add(chat_id)
        muted = {"status": "restricted", "user": BOT_USER, "until_date": 0}
        muted.update(dict.fromkeys(MUTED_RIGHTS, False))
        return self.push_update(
            my_chat_member={
                "chat": self.chat_payload(chat_id),
                "from": _user(by_user),
                "date": int(time.time()),
                "old_chat_member": {**muted, "is_member": True},
                "new_chat_member": {**muted, "is_member": False},
            }
        )

    # ----------------------------------------------------------------- assertions
    def message_for(self, call: ApiCall) -> StoredMessage:
        """The message a successful send created (as it is now, after any edits)."""
        assert call.chat_id is not None and call.message_id is not None, "not a sent message"
        return self.messages[(call.chat_id, call.message_id)]

    def quiet_for(self) -> float:
        """Seconds since the bot last called anything but getUpdates (inf if never)."""
        for call in reversed(self.calls):
            if call.method != "getUpdates":
                return time.monotonic() - call.at
        return float("inf")

    def unfetched_updates(self) -> int:
        return sum(1 for u in self._updates if u["update_id"] > self.fetched_up_to)

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        """Successful calls, optionally of one method and into one chat."""
        return [
            c
            for c in self.calls
            if c.ok
            and (method is None or c.method == method)
            and (chat_id is None or c.chat_id == chat_id)
        ]

    async def wait_for(
        self, predicate: Callable[[list[ApiCall]], Any], *, timeout: float = 10.0
    ) -> Any:
        """Wait until ``predicate(calls)`` is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self.calls)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [(c.method, c.chat_id, c.text[:60], c.error) for c in self.calls[-8:]]
                raise AssertionError(f"timed out waiting; last calls: {recent}")
            self._call_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._call_event.wait(), timeout=min(remaining, 0.2))


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}


def _private(params: dict[str, Any]) -> bool:
    """Private chats have the user's (positive) id; groups and supergroups negative ones."""
    return int(params.get("chat_id") or 1) > 0


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise BadRequest(f"Bad Request: can't parse {key} JSON object") from None
    if value in ("true", "false"):
        return value == "true"
    if INT_FIELD.match(value) and key not in {"text", "caption", "question", "explanation", "data"}:
        return int(value)
    return value
