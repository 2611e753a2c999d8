"""The gateway: pure ASGI middleware in front of Streamlit's own routes (see serve.py).

- WebSocket /_stcore/stream only from the app's own origin (gateway.origin); a session that is
  not logged in gets no upload URLs; nobody can clear the server's caches over it.
- Uploads (PUT/DELETE /_stcore/upload_file/<session>/...) only for logged-in sessions.
- Generated files (/media/...) only with a valid login cookie; a download is removed from the
  server a few seconds after it has been fetched.
- /_stcore/metrics answers 404.
- Security headers on every HTTP response (gateway.headers).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from anyio import to_thread
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import headers, logins, sessions
from gateway.origin import expected_origin, same_origin
from model.core.security_log import security_event

STREAM_PATH = "/_stcore/stream"
UPLOAD_PREFIX = "/_stcore/upload_file/"
MEDIA_PREFIX = "/media/"
METRICS_PATH = "/_stcore/metrics"
DOWNLOAD_GRACE_SECONDS = 5.0


def _client_ip(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def own_origin(scope: Scope) -> str | None:
    connection = HTTPConnection(scope)
    return expected_origin(
        headers=dict(connection.headers), client_ip=_client_ip(scope), scheme=scope.get("scheme", "http")
    )


def origin_of(scope: Scope) -> str | None:
    return HTTPConnection(scope).headers.get("origin")


async def session_logged_in(session_id: str | None) -> str | None:
    """The user name of a logged-in session (still valid in the database), or None."""
    login = sessions.login_of(session_id) if session_id else None
    if login is None:
        return None
    user = await to_thread.run_sync(logins.valid_login, login.username, login.issued_at)
    return user.username if user is not None else None


async def cookie_user(scope: Scope) -> str | None:
    from model.core.settings import get_settings

    token = HTTPConnection(scope).cookies.get(get_settings().cookie_name)
    user = await to_thread.run_sync(logins.user_from_cookie, token)
    return user.username if user is not None else None


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_security_headers(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in headers.security_headers() if name not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sender


def _removing_download_after_fetch(send: Send, file_name: str) -> Send:
    """Once a download (Content-Disposition: attachment) has been sent whole, drop it from memory
    DOWNLOAD_GRACE_SECONDS later (Chromium hands a download to its download manager, which
    requests the file a second time)."""
    state = {"download": False}

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            disposition = dict(message.get("headers", [])).get(b"content-disposition", b"")
            state["download"] = message["status"] in (200, 206) and disposition.startswith(b"attachment")
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body") and state["download"]:
            _remove_media(file_name)

    return sender


def _remove_media(file_name: str) -> None:
    """Schedule the removal of the stored file, this one: a later one with the same content (and so
    the same id, generated again by another click) stays until its own fetch."""
    from streamlit import runtime
    from streamlit.runtime.media_file_storage import MediaFileStorageError

    if not runtime.exists():
        return
    storage = runtime.get_instance().media_file_mgr._storage  # noqa: SLF001 (no public delete)
    try:
        fetched = storage.get_file(file_name)
    except MediaFileStorageError:
        return

    def remove() -> None:
        with contextlib.suppress(MediaFileStorageError):
            if storage.get_file(file_name) is fetched:
                storage.delete_file(file_name.rsplit(".", 1)[0])

    asyncio.get_running_loop().call_later(DOWNLOAD_GRACE_SECONDS, remove)


class Gateway:
    """The middleware; `serve.py` passes it to st.App, where it runs before Streamlit's own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == STREAM_PATH:
            await self._stream(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, _with_security_headers(send))
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        client = _client_ip(scope)
        if path == METRICS_PATH or path.startswith(METRICS_PATH + "/"):
            await _plain(send, 404, "Nicht gefunden.")
            return
        if path.startswith(UPLOAD_PREFIX) and scope["method"] in ("PUT", "DELETE"):
            session_id = path[len(UPLOAD_PREFIX) :].split("/", 1)[0]
            if await session_logged_in(session_id) is None:
                security_event("anonymous_refused", what="upload", client=client)
                await _plain(send, 403, "Hochladen nur nach der Anmeldung.")
                return
        if path.startswith(MEDIA_PREFIX):
            if await cookie_user(scope) is None:
                security_event("anonymous_refused", what="media", client=client)
                await _plain(send, 403, "Dateien nur nach der Anmeldung.")
                return
            send = _removing_download_after_fetch(send, path[len(MEDIA_PREFIX) :])
        await self.app(scope, receive, send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin, expected = origin_of(scope), own_origin(scope)
        if not same_origin(origin, expected):
            security_event(
                "origin_refused", origin=origin or "(keiner)", expected=expected, client=_client_ip(scope)
            )
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        stream = _Stream()
        await self.app(scope, stream.filter_receive(receive), stream.watch_send(send))


class _Stream:
    """One WebSocket connection: learns its session id from the first new_session message and
    drops back messages the connection may not send."""

    def __init__(self) -> None:
        self.session_id: str | None = None

    def watch_send(self, send: Send) -> Send:
        async def sender(message: Message) -> None:
            if self.session_id is None and message["type"] == "websocket.send" and message.get("bytes"):
                self.session_id = _new_session_id(message["bytes"])
            await send(message)

        return sender

    def filter_receive(self, receive: Receive) -> Callable[[], Awaitable[MutableMapping[str, Any]]]:
        async def receiver() -> Message:
            while True:
                message = await receive()
                if message["type"] != "websocket.receive" or not message.get("bytes"):
                    return message
                kind = _back_message_kind(message["bytes"])
                if kind == "clear_cache":
                    # Streamlit's caches are global: no connection may empty them for everyone.
                    user = await session_logged_in(self.session_id)
                    security_event(
                        "anonymous_refused" if user is None else "clear_cache_refused",
                        user=user,
                        what="clear_cache",
                    )
                    continue
                if kind == "file_urls_request" and await session_logged_in(self.session_id) is None:
                    security_event("anonymous_refused", what="upload_urls")
                    continue
                return message

        return receiver


def _new_session_id(data: bytes) -> str | None:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(data)
    except Exception:  # noqa: BLE001 (Streamlit's own message; a broken one is not ours to judge)
        return None
    if msg.WhichOneof("type") != "new_session":
        return None
    return msg.new_session.initialize.session_id or None


def _back_message_kind(data: bytes) -> str | None:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    try:
        msg.ParseFromString(data)
    except Exception:  # noqa: BLE001 (Streamlit closes the connection on a broken frame)
        return None
    return msg.WhichOneof("type")
