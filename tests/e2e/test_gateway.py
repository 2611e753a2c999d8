"""The gateway in a real browser and over raw WebSockets: the origin bound to the login (hole 1),
nothing for the anonymous (hole 4), security headers, and the HttpOnly login cookie."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import create_engine, text
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.e2e.conftest import COOKIE_NAME, DEMO_ACCOUNTS, DEMO_PASSWORD, VIEWPORT, login, open_app
from tests.support.app_server import free_port, new_cookie_key, streamlit_server, wait_for_app

pytestmark = pytest.mark.e2e

ADMIN = DEMO_ACCOUNTS["admin"]
STREAM = "/_stcore/stream"
# Pages of the admin with the charts each must draw (as many as the page has at least).
ADMIN_PAGES = {
    "/": 1,
    "/rollout": 1,
    "/abdeckung": 1,
    "/roadmap": 1,
    "/lotsen": 0,
    "/it-strukturen": 1,
    "/foerdermittel": 1,
    "/praesentation": 0,
    "/verwaltung": 0,
}
# The gateway drops a fetched download 5 s later (gateway.middleware); a generous bound for a loaded machine.
GONE_WITHIN_SECONDS = 30.0
CHART = "[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg"
CSP_LISTENER = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def rerun_message(page_name: str = "") -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = page_name
    return msg.SerializeToString()


def forward_kind(data: bytes) -> tuple[str | None, ForwardMsg]:
    msg = ForwardMsg()
    msg.ParseFromString(data)
    return msg.WhichOneof("type"), msg


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """A tiny web server on another port of 127.0.0.1 that serves `html` at /."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = html.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def pilot_names(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        names = [row[0] for row in connection.execute(text("SELECT name FROM pilot"))]
    engine.dispose()
    return names


def ws_url(app_url: str) -> str:
    return "ws" + app_url.removeprefix("http") + STREAM


def fetch(
    url: str,
    *,
    cookie: str | None = None,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def login_cookie(context: BrowserContext) -> str:
    value = next(cookie["value"] for cookie in context.cookies() if cookie["name"] == COOKIE_NAME)
    return f"{COOKIE_NAME}={value}"


# ---- hole 1: the origin bound to the login ---------------------------------------------------------

ATTACK_PAGE = """<!doctype html><html><body><script>
window.attack = null;
let opened = false, bytes = 0, text = "";
const finish = () => { if (!window.attack) window.attack = {opened, bytes, text}; };
const ws = new WebSocket(%(url)s, ["streamlit"]);
ws.binaryType = "arraybuffer";
ws.onopen = () => { opened = true; ws.send(Uint8Array.from(atob(%(rerun)s), (c) => c.charCodeAt(0))); };
ws.onmessage = (event) => {
  bytes += event.data.byteLength;
  text += new TextDecoder().decode(event.data);
  // Drawn below the list of Lotsen, or the login form's button: the run is over either way.
  if (text.includes("E-Mail-Verteiler als CSV") || text.includes("Anmelden")) finish();
};
ws.onclose = finish;
</script></body></html>"""


def test_a_page_on_another_port_reads_nothing_over_the_admins_websocket(
    page: Page, context: BrowserContext, app_url: str, database_url: str
) -> None:
    login(page, ADMIN, DEMO_PASSWORD)
    html = ATTACK_PAGE % {
        "url": json.dumps(ws_url(app_url)),
        "rerun": json.dumps(base64.b64encode(rerun_message("lotsen")).decode()),
    }
    with other_site(html) as site:
        attack = context.new_page()  # the same browser: it sends the admin's cookie along
        attack.goto(site)
        attack.wait_for_function("window.attack !== null", timeout=30_000)
        result = attack.evaluate("window.attack")
    names = [name for name in pilot_names(database_url) if name in result["text"]]
    assert (result["opened"], result["bytes"], names) == (False, 0, [])


def test_without_the_gateway_the_login_gate_still_ignores_the_cookie_from_another_origin(
    browser: Browser, database_url: str
) -> None:
    """Defence in depth: app.py served alone (Streamlit's own origin check lets the other port in)."""
    key = new_cookie_key()
    now = time.time()  # a cookie as a login issues it
    token = jwt.encode({"username": ADMIN, "iat": now, "exp_date": now + 3600}, key, algorithm="HS256")
    with streamlit_server(database_url, cookie_key=key, script="app.py") as app_url:
        context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": app_url}])
        own = context.new_page()
        own.goto(app_url)
        wait_for_app(own)
        expect(own.get_by_role("button", name="Abmelden")).to_be_visible()  # the cookie is valid here
        html = ATTACK_PAGE % {
            "url": json.dumps(ws_url(app_url)),
            "rerun": json.dumps(base64.b64encode(rerun_message("lotsen")).decode()),
        }
        with other_site(html) as site:
            attack = context.new_page()
            attack.goto(site)
            attack.wait_for_function("window.attack !== null", timeout=30_000)
            text = attack.evaluate("window.attack.text")
        context.close()
    assert "Anmelden" in text  # Streamlit let it in, and the app answered with the login form
    assert [name for name in pilot_names(database_url) if name in text] == []


ORIGINS_TRIED = {
    "another port": "http://127.0.0.1:{other}",
    "another host name": "http://localhost:{port}",
    "https instead of http": "https://127.0.0.1:{port}",
    "null": "null",
    "no Origin": None,
}


def test_only_the_apps_own_origin_opens_the_websocket(app_url: str) -> None:
    port = urlsplit(app_url).port
    refused = []
    for what, origin in ORIGINS_TRIED.items():
        header = origin.format(port=port, other=port + 1) if origin else None
        try:
            with connect(ws_url(app_url), origin=header, subprotocols=["streamlit"], open_timeout=20):  # type: ignore[arg-type]
                pass
        except InvalidStatus as refusal:
            assert refusal.response.status_code == 403
            refused.append(what)
    assert refused == list(ORIGINS_TRIED)
    with connect(ws_url(app_url), origin=app_url, subprotocols=["streamlit"], open_timeout=20) as own:  # type: ignore[arg-type]
        own.send(rerun_message())
        assert forward_kind(own.recv(timeout=20))[0] is not None


# ---- hole 4: nothing for the anonymous -------------------------------------------------------------


def anonymous_session(app_url: str):  # type: ignore[no-untyped-def]
    """An anonymous WebSocket from the app's own origin, its first run done; returns (ws, session id)."""
    ws = connect(ws_url(app_url), origin=app_url, subprotocols=["streamlit"], open_timeout=20)  # type: ignore[arg-type]
    ws.send(rerun_message())
    while True:
        kind, msg = forward_kind(ws.recv(timeout=30))  # type: ignore[arg-type]
        if kind == "new_session":
            return ws, msg.new_session.initialize.session_id


def test_an_anonymous_websocket_gets_no_upload_url_and_its_upload_is_refused(app_url: str) -> None:
    ws, session_id = anonymous_session(app_url)
    with ws:
        ask = BackMsg()
        ask.file_urls_request.request_id = "r1"
        ask.file_urls_request.file_names.append("lotsen.csv")
        ws.send(ask.SerializeToString())
        beat = BackMsg()
        beat.app_heartbeat = True
        ws.send(beat.SerializeToString())  # answered in order: its ack comes after any URLs
        kinds = []
        while "heartbeat_ack" not in kinds:
            kinds.append(forward_kind(ws.recv(timeout=30))[0])  # type: ignore[arg-type]
        assert "file_urls_response" not in kinds

        # The URL an anonymous session would have got: the upload is refused, nothing stored.
        _, _, index_headers = fetch(app_url + "/")
        xsrf = index_headers.get("set-cookie", "").split(";")[0]
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n{'a' * 1000}\r\n--{boundary}--\r\n"
        ).encode()
        status, _, _ = fetch(
            f"{app_url}/_stcore/upload_file/{session_id}/file-1",
            method="PUT",
            body=body,
            cookie=xsrf,
            headers={
                "X-Xsrftoken": xsrf.split("=", 1)[-1],
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        assert status == 403


def test_a_generated_download_needs_the_login_and_is_gone_once_fetched(page: Page) -> None:
    login(page, ADMIN, DEMO_PASSWORD)
    cookie = login_cookie(page.context)
    open_app(page, "/lotsen")
    page.get_by_role("tab", name="Lotsen", exact=True).click()
    button = page.get_by_role("button", name="E-Mail-Verteiler als CSV")

    def download() -> str:
        with page.expect_download() as started:
            button.click()
        assert b"@" in Path(started.value.path()).read_bytes()  # the browser got the addresses
        return started.value.url

    first = download()
    assert fetch(first)[0] == 403  # the same link without the login cookie
    # With the cookie: gone a few seconds after the browser fetched it.
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while fetch(first, cookie=cookie)[0] != 404:
        assert time.monotonic() < deadline, "the fetched download stays on the server"
        page.wait_for_timeout(200)

    second = download()
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_label("Benutzername", exact=True)).to_be_visible()
    assert fetch(second, cookie=cookie)[0] == 403  # the old cookie after logout (a valid one: 404)


def test_metrics_are_closed(app_url: str) -> None:
    assert fetch(f"{app_url}/_stcore/metrics")[0] == 404


# ---- point 8: security headers, and a policy Streamlit works under ---------------------------------


def test_every_admin_page_works_under_the_content_security_policy(page: Page, app_url: str) -> None:
    status, _, headers = fetch(app_url + "/")
    lower = {name.lower(): value for name, value in headers.items()}
    assert status == 200
    assert "frame-ancestors 'self'" in lower["content-security-policy"]
    assert (lower["x-frame-options"], lower["referrer-policy"], lower["x-content-type-options"]) == (
        "SAMEORIGIN",
        "no-referrer",
        "nosniff",
    )
    assert "camera=()" in lower["permissions-policy"]

    page.add_init_script(CSP_LISTENER)
    console = []
    page.on("console", lambda message: console.append(message.text))
    login(page, ADMIN, DEMO_PASSWORD)
    for path, charts in ADMIN_PAGES.items():
        open_app(page, path)
        if charts:
            expect(page.locator(CHART).first).to_be_visible()
        assert page.evaluate("window.cspViolations") == [], path
    assert [text for text in console if "Content Security Policy" in text] == []


def test_another_site_cannot_frame_the_app(page: Page, app_url: str) -> None:
    framing = f'<!doctype html><iframe src="{app_url}/verwaltung"></iframe>'
    with other_site(framing) as site, page.expect_console_message(lambda m: "frame-ancestors" in m.text):
        page.goto(site)


# ---- the login cookie: HttpOnly ---------------------------------------------------------------------


def test_scripts_cannot_read_the_login_cookie_and_a_reload_keeps_the_login(page: Page) -> None:
    login(page, ADMIN, DEMO_PASSWORD)
    cookie = next(cookie for cookie in page.context.cookies() if cookie["name"] == COOKIE_NAME)
    assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")
    assert COOKIE_NAME not in page.evaluate("document.cookie")
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
