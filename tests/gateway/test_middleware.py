"""The gateway middleware in-process, around a stand-in for Streamlit: what reaches Streamlit."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from gateway import logins, sessions
from gateway.middleware import Gateway
from model.accounts.auth import UserInfo
from model.core.enums import Role

ORIGIN = "http://127.0.0.1:8501"
SESSION = "session-1"


def back_message(kind: str) -> bytes:
    msg = BackMsg()
    if kind == "file_urls_request":
        msg.file_urls_request.request_id = "r1"
        msg.file_urls_request.file_names.append("a.csv")
    elif kind == "rerun_script":
        msg.rerun_script.query_string = ""
    else:
        setattr(msg, kind, True)
    return msg.SerializeToString()


def new_session_message() -> bytes:
    msg = ForwardMsg()
    msg.new_session.initialize.session_id = SESSION
    return msg.SerializeToString()


class StandIn:
    """Accepts the WebSocket, announces its session like Streamlit does, records what arrives."""

    def __init__(self) -> None:
        self.kinds: list[str | None] = []
        self.called = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.called = True
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "bytes": new_session_message()})
        while (message := await receive())["type"] == "websocket.receive":
            msg = BackMsg()
            msg.ParseFromString(message["bytes"])
            self.kinds.append(msg.WhichOneof("type"))


def run_apart(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run an ASGI call on its own event loop in its own thread.

    A browser test earlier in the same worker leaves Playwright's event loop running in the main thread, where
    asyncio.run() refuses to start a second one.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def run_websocket(origin: str | None, kinds: list[str]) -> tuple[StandIn, list[dict[str, Any]]]:
    app, sent = StandIn(), []
    incoming = [{"type": "websocket.connect"}]
    incoming += [{"type": "websocket.receive", "bytes": back_message(kind)} for kind in kinds]
    incoming.append({"type": "websocket.disconnect", "code": 1000})
    headers = [(b"host", b"127.0.0.1:8501")] + ([(b"origin", origin.encode())] if origin else [])
    scope = {
        "type": "websocket",
        "path": "/_stcore/stream",
        "headers": headers,
        "scheme": "ws",
        "client": ("127.0.0.1", 5),
    }

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0)  # the announcement goes out before the first frame is read
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run_apart(Gateway(app)(scope, receive, send))
    return app, sent


def run_http(method: str, path: str, cookie: str | None = None) -> tuple[StandIn, list[dict[str, Any]]]:
    app, sent = StandIn(), []
    headers = [(b"host", b"127.0.0.1:8501")] + ([(b"cookie", cookie.encode())] if cookie else [])
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": headers,
        "scheme": "http",
        "client": ("127.0.0.1", 5),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run_apart(Gateway(app)(scope, receive, send))
    return app, sent


@pytest.fixture(autouse=True)
def _no_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOTSEN_PUBLIC_ORIGIN", raising=False)
    sessions.remember(SESSION, None)


def log_in_session(monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserInfo(id=1, username="cdo", display_name="CDO", role=Role.ADMIN, pilot_id=None)
    monkeypatch.setattr(logins, "valid_login", lambda username, issued_at: user)
    sessions.remember(SESSION, sessions.SessionLogin(username="cdo", issued_at=datetime.now(UTC)))


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:8502", "http://localhost:8501", "https://127.0.0.1:8501", "null", None]
)
def test_a_websocket_from_another_origin_never_reaches_streamlit(origin: str | None) -> None:
    app, sent = run_websocket(origin, ["rerun_script"])
    assert not app.called
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_an_anonymous_connection_gets_no_upload_urls_and_clears_no_cache() -> None:
    app, _ = run_websocket(ORIGIN, ["clear_cache", "file_urls_request", "rerun_script", "app_heartbeat"])
    assert app.kinds == ["rerun_script", "app_heartbeat"]


def test_a_logged_in_session_gets_upload_urls_but_clears_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_session(monkeypatch)
    app, _ = run_websocket(ORIGIN, ["clear_cache", "file_urls_request", "rerun_script"])
    assert app.kinds == ["file_urls_request", "rerun_script"]


def test_uploads_only_for_logged_in_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    app, sent = run_http("PUT", f"/_stcore/upload_file/{SESSION}/file-1")
    assert not app.called and sent[0]["status"] == 403
    log_in_session(monkeypatch)
    app, sent = run_http("PUT", f"/_stcore/upload_file/{SESSION}/file-1")
    assert app.called and sent[0]["status"] == 200


def test_media_needs_a_valid_login_cookie() -> None:
    app, sent = run_http("GET", "/media/abc.csv")
    assert not app.called and sent[0]["status"] == 403
    app, sent = run_http("GET", "/media/abc.csv", cookie="lotsen_cockpit_auth=forged.token.value")
    assert not app.called and sent[0]["status"] == 403


def test_metrics_are_closed_and_every_response_carries_the_security_headers() -> None:
    app, sent = run_http("GET", "/_stcore/metrics")
    assert not app.called and sent[0]["status"] == 404
    _, sent = run_http("GET", "/")
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert "camera=()" in headers["permissions-policy"]


def test_closed_sessions_are_forgotten() -> None:
    sessions.remember("closed", sessions.SessionLogin(username="cdo", issued_at=datetime.now(UTC)))
    sessions.remember(SESSION, sessions.SessionLogin(username="cdo", issued_at=datetime.now(UTC)))
    sessions.forget_closed(lambda session_id: session_id == SESSION)
    assert sessions.login_of("closed") is None
    assert sessions.login_of(SESSION) is not None
