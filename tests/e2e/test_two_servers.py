"""Two app servers on one PostgreSQL database behind the real nginx of deploy/nginx, as a city runs them.

Every request goes through the proxy over HTTPS (a throwaway CA made in tests/support/nginx.py; Chromium
ignores it, Python trusts it). A Lotse saves a report through server A; the CDO, on server B, sees it.
Both servers share LOTSEN_COOKIE_KEY and Streamlit's cookie secret, so the Lotse's login cookie from A
also opens B when her route cookie sends her there. nginx gives every browser a route cookie and hashes on
it, so uploads and downloads reach the server that holds the session. The rest checks what only the proxy
can close: HSTS, plain HTTP, server tokens, /_stcore/metrics, the upload limit and the rate limits.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import tomllib
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, RESULTS_DIR, VIEWPORT, _manage, login, open_app, open_from_menu
from tests.support import nginx
from tests.support.app_server import ROOT, wait_for_app
from tests.support.nginx import ROUTE_COOKIE, NginxProxy, proxied_app_servers
from tests.support.pg_server import PgServer

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

REPORT_FIELD = "Was haben Sie seit der letzten Meldung getan? (optional)"
MAX_UPLOAD_MB = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
# As deploy/nginx/lotsen-cockpit.conf.in sets them.
SESSION_BURST = 20
SESSIONS_AT_ONCE = 20
PAGE_BURST = 30
# Headers that are nginx's own business or describe the transfer, not the app's answer.
TRANSFER_HEADERS = {"server", "date", "connection", "keep-alive", "transfer-encoding", "content-length"}


@pytest.fixture(scope="module")
def shared_database(postgres_server: PgServer) -> Iterator[str]:
    """One PostgreSQL database, migrated and seeded with the demo city like `make run` does."""
    url = postgres_server.create_database("two_servers")
    _manage(url, "migrate")
    _manage(url, "seed", "--scale", "demo")
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(scope="module")
def proxy(shared_database: str) -> Iterator[NginxProxy]:
    """nginx on HTTPS in front of servers A and B: different ports, same database, same secrets."""
    reason = nginx.missing_reason()
    if reason is not None:
        pytest.skip(reason)
    with proxied_app_servers(shared_database, count=2) as running:
        yield running


@pytest.fixture(autouse=True)
def nginx_logs_on_failure(proxy: NginxProxy, request: pytest.FixtureRequest) -> Iterator[None]:
    """After a failed test: nginx's error log on the console and both logs in test-results/."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(proxy.logs())
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for log in (proxy.error_log, proxy.access_log):
            if log.exists():
                shutil.copyfile(log, RESULTS_DIR / f"{name}-{log.name}")


@pytest.fixture(scope="module")
def routes(proxy: NginxProxy) -> dict[str, str]:
    """A route cookie value per app server, found by asking nginx (upstream host:port → value)."""
    found: dict[str, str] = {}
    for number in range(64):
        value = f"{number:032x}"
        found.setdefault(proxy.upstream_for(value), value)
        if len(found) == len(proxy.app_servers):
            return found
    raise AssertionError(f"64 route values reached only {sorted(found)}")


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def browser_context(
    browser: Browser, contexts: list[BrowserContext], proxy: NginxProxy, route: str | None = None
) -> BrowserContext:
    """A context on the proxy's origin; with `route`, its route cookie is set beforehand."""
    # The test CA is made per run; Chromium is told to accept it rather than to trust it.
    context = browser.new_context(
        viewport=VIEWPORT,
        locale="de-DE",
        base_url=proxy.origin,
        ignore_https_errors=True,
        accept_downloads=True,
    )
    context.set_default_timeout(30_000)
    contexts.append(context)
    if route is not None:
        set_route(context, proxy, route)
    return context


def set_route(context: BrowserContext, proxy: NginxProxy, route: str) -> None:
    context.add_cookies(
        [{"name": ROUTE_COOKIE, "value": route, "url": proxy.origin, "secure": True, "httpOnly": True}]
    )


def logged_in(context: BrowserContext, username: str) -> Page:
    page = context.new_page()
    login(page, username, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    wait_for_app(page)  # the login cookie lands after the first run
    return page


def test_a_status_saved_through_one_server_is_seen_through_the_other(
    browser: Browser, contexts: list[BrowserContext], proxy: NginxProxy, routes: dict[str, str]
) -> None:
    server_a, server_b = (upstream.removeprefix("http://") for upstream in proxy.app_servers)
    report = f"Zwei Server, eine Datenbank ({uuid.uuid4().hex[:8]})"

    lotse_context = browser_context(browser, contexts, proxy, routes[server_a])
    lotse = logged_in(lotse_context, "lotse")
    open_app(lotse, "/mein-status")
    lotse.get_by_label(REPORT_FIELD, exact=True).fill(report)
    lotse.get_by_role("button", name="Meldung speichern").click()
    wait_for_app(lotse)
    expect(
        lotse.get_by_test_id("stMain").get_by_text(re.compile(r"^Danke! Ihre Meldung wurde gespeichert"))
    ).to_be_visible()

    cdo = logged_in(browser_context(browser, contexts, proxy, routes[server_b]), "cdo")
    open_app(cdo, "/lotsen")
    expect(cdo.get_by_role("heading", name="Lotsen & Qualifizierung", level=1)).to_be_visible()
    feed = cdo.locator("[data-testid=stMain] [data-testid=stTable]").nth(1)
    expect(feed.get_by_role("row").filter(has_text=report)).to_have_count(1)

    # Server A is "gone" for her: her route cookie now sends her to B, where her login cookie still holds.
    set_route(lotse_context, proxy, routes[server_b])
    lotse.goto("/mein-status")
    wait_for_app(lotse)
    expect(lotse.get_by_role("heading", name="Mein Status", level=1)).to_be_visible()
    expect(lotse.get_by_label("Benutzername", exact=True)).to_have_count(0)
    expect(lotse.locator("[data-testid=stMain]")).to_contain_text(report)
    served = {entry["upstream"] for entry in proxy.log_entries() if entry["route"] == routes[server_a]}
    assert served == {server_a}


def test_an_upload_and_a_download_reach_the_server_that_holds_the_session(
    browser: Browser, contexts: list[BrowserContext], proxy: NginxProxy
) -> None:
    context = browser_context(browser, contexts, proxy)  # no route cookie: nginx hands one out
    cdo = logged_in(context, "cdo")
    route_cookie = next(cookie for cookie in context.cookies() if cookie["name"] == ROUTE_COOKIE)
    assert route_cookie["secure"] and route_cookie["httpOnly"], route_cookie
    route = route_cookie["value"]

    open_app(cdo, "/lotsen")
    cdo.get_by_role("tab", name="Lotsen", exact=True).click()
    wait_for_app(cdo)
    with cdo.expect_download() as download:
        cdo.get_by_role("button", name=re.compile(r"^E-Mail-Verteiler als CSV")).click()
    mailing_list = download.value.path().read_bytes().decode("utf-8-sig")
    assert mailing_list.startswith("Name;E-Mail;Kürzel;Organisationseinheit"), mailing_list[:200]

    open_from_menu(cdo, "Verwaltung")
    cdo.get_by_role("tab", name="Import/Export", exact=True).click()
    wait_for_app(cdo)
    unchanged = "Kürzel;Name;Art;Übergeordnet (Kürzel);Beschäftigte\n10;Hauptamt;Amt;Dez I;86\n"
    cdo.locator("[class*='st-key-adm_import_'][class*='_upload'] input[type=file]").set_input_files(
        files=[{"name": "Organisationseinheiten.csv", "mimeType": "text/csv", "buffer": unchanged.encode()}]
    )
    expect(cdo.get_by_text("Die Dateien enthalten nichts Neues", exact=False)).to_be_visible()

    # Both went through nginx to the one server that route is hashed to.
    mine = [entry for entry in proxy.log_entries() if entry["route"] == route]
    uploads = [entry for entry in mine if entry["request"].startswith("PUT /_stcore/upload_file/")]
    media = [entry for entry in mine if entry["request"].startswith("GET /media/")]
    assert uploads and media, mine
    assert {entry["status"] for entry in uploads} <= {"200", "204"}, uploads
    # The file arrived (200); a second fetch of a fetched download may be refused by the app.
    assert "200" in {entry["status"] for entry in media}, media
    assert {entry["upstream"] for entry in mine} == {proxy.upstream_for(route)}


def test_https_carries_hsts_and_passes_the_apps_headers_unchanged(proxy: NginxProxy) -> None:
    through_proxy = proxy.request("GET", "/mein-status")
    with urllib.request.urlopen(f"{proxy.app_servers[0]}/mein-status", timeout=10) as direct:  # noqa: S310
        app_headers = [
            (name.lower(), without_nonces(value))
            for name, value in direct.getheaders()
            if name.lower() not in TRANSFER_HEADERS | {"strict-transport-security"}
        ]
        assert without_nonces(through_proxy.body.decode()) == without_nonces(direct.read().decode())
    assert through_proxy.status == 200
    assert through_proxy.header("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    # Every header of the app (the security headers of serve.py included) arrives as often and unchanged;
    # a cookie's value is the app's business.
    proxied = [(name.lower(), without_nonces(value)) for name, value in through_proxy.headers]
    for name, value in app_headers:
        if name == "set-cookie":
            assert [n for n, _ in proxied].count(name) == [n for n, _ in app_headers].count(name) + 1
        else:
            assert proxied.count((name, value)) == app_headers.count((name, value)), (name, value, proxied)


def without_nonces(text: str) -> str:
    """`text` with every CSP nonce blanked: the app may draw a new one for each answer."""
    return re.sub(r"nonce-[A-Za-z0-9+/=_-]+|nonce=\"[^\"]*\"", "nonce", text)


@pytest.mark.parametrize(
    "version",
    [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3],
    ids=lambda version: version.name,
)
def test_only_tls_1_2_and_1_3_are_spoken(proxy: NginxProxy, version: ssl.TLSVersion) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(proxy.ca_file)
    # The client offers old protocols with every cipher, so that a refusal is the server's.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.minimum_version = context.maximum_version = version
    with socket.create_connection((nginx.SERVER_NAME, proxy.https_port), timeout=10) as raw:
        if version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            with context.wrap_socket(raw, server_hostname=nginx.SERVER_NAME) as tls:
                assert tls.version() == version.name.replace("_", ".")
        else:
            # "protocol version", not "handshake failure": refused by ssl_protocols, not for want of a cipher.
            with pytest.raises(ssl.SSLError, match="TLSV1_ALERT_PROTOCOL_VERSION"):
                context.wrap_socket(raw, server_hostname=nginx.SERVER_NAME)


def test_plain_http_is_sent_to_https(proxy: NginxProxy) -> None:
    response = proxy.request("GET", "/mein-status?tab=1", tls=False)
    assert response.status == 301
    assert response.header("Location") == [f"{proxy.origin}/mein-status?tab=1"]
    assert proxy.log_entry('"GET /mein-status?tab=1 HTTP/1.1" 301')["upstream"] == "-"


def test_nginx_names_no_version(proxy: NginxProxy) -> None:
    answers = {
        "page": proxy.request("GET", "/"),
        "refused": proxy.request("GET", "/_stcore/metrics"),
        "missing": proxy.request("GET", "/static/nicht-da.js"),
        "too large": proxy.announce_body("POST", "/", 2 * 1024 * 1024),
        "redirect": proxy.request("GET", "/", tls=False),
    }
    for name, response in answers.items():
        assert response.header("Server") == ["nginx"], (name, response.headers)
        assert b"nginx/" not in response.body, (name, response.body[:300])


def test_another_host_name_is_refused(proxy: NginxProxy) -> None:
    response = proxy.request("GET", "/", headers={"Host": f"andere.example:{proxy.https_port}"})
    assert response.status == 421
    assert proxy.request("GET", "/").status == 200


METRICS_PATHS = [
    "/_stcore/metrics",
    "/_stcore/metrics/",
    "/_stcore/metrics?format=text",
    "//_stcore/metrics",
    "/_stcore//metrics",
    "/_stcore/./metrics",
    "/static/../_stcore/metrics",
    "/_stcore/%6detrics",
    "/_stcore/metrics%2F",
    "/_stcore/agent/openapi.json",
    "/_stcore/agent/mcp",
]


def test_metrics_and_the_agent_api_are_closed_at_the_proxy(proxy: NginxProxy) -> None:
    statuses = {path: proxy.request("GET", path).status for path in METRICS_PATHS}
    assert statuses == dict.fromkeys(METRICS_PATHS, 403)


def test_an_upload_beyond_the_apps_limit_is_refused_with_413(proxy: NginxProxy) -> None:
    limit = MAX_UPLOAD_MB * 1024 * 1024
    # A file of exactly server.maxUploadSize in its multipart envelope reaches the app (which then
    # refuses the made-up session: not nginx's business).
    boundary = "----lotsen" + uuid.uuid4().hex
    envelope = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="gross.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body = envelope + b"x" * limit + f"\r\n--{boundary}--\r\n".encode()
    at_limit = proxy.request(
        "PUT",
        "/_stcore/upload_file/grenze/datei",
        body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert at_limit.status != 413
    assert proxy.log_entry("PUT /_stcore/upload_file/grenze/datei")["upstream"] != "-"

    # One megabyte more is refused by nginx before a byte of it is read.
    too_large = proxy.announce_body("PUT", "/_stcore/upload_file/zu-gross/datei", limit + 1024 * 1024 + 1)
    assert too_large.status == 413
    assert proxy.log_entry("PUT /_stcore/upload_file/zu-gross/datei")["upstream"] == "-"


def test_new_sessions_from_one_address_are_limited_with_429(proxy: NginxProxy) -> None:
    # 127.0.0.2 is this test's client alone: the browser tests come from 127.0.0.1.
    statuses = []
    for _ in range(SESSION_BURST + 200):
        status, stream = proxy.open_stream(source="127.0.0.2")
        stream.close()
        statuses.append(status)
        if status != 101:
            break
    accepted = statuses.index(429) if 429 in statuses else len(statuses)
    print(f"WebSocket-Handshakes von einer Adresse: {accepted} angenommen, dann {statuses[-1]}")
    assert accepted >= SESSION_BURST + 1, statuses
    assert statuses[-1] == 429, statuses
    # Another address is not affected.
    status, stream = proxy.open_stream(source="127.0.0.5")
    stream.close()
    assert status == 101
    assert 'by zone "lotsen_sessions", client: 127.0.0.2' in proxy.error_log.read_text()


def test_sessions_held_at_once_by_one_address_are_limited_with_429(proxy: NginxProxy) -> None:
    held = []
    try:
        for _ in range(SESSIONS_AT_ONCE):
            status, stream = proxy.open_stream(source="127.0.0.3")
            held.append(stream)
            assert status == 101
        status, extra = proxy.open_stream(source="127.0.0.3")
        extra.close()
        assert status == 429
        assert 'limiting connections by zone "lotsen_streams"' in proxy.error_log.read_text()
    finally:
        for stream in held:
            stream.close()


def test_page_loads_from_one_address_are_limited_with_429(proxy: NginxProxy) -> None:
    connection = proxy.connection(source="127.0.0.4")
    statuses = []
    try:
        for _ in range(PAGE_BURST + 200):
            connection.request("GET", "/")
            statuses.append(nginx.read_response(connection).status)
            if statuses[-1] != 200:
                break
    finally:
        connection.close()
    accepted = statuses.index(429) if 429 in statuses else len(statuses)
    print(f"Seitenaufrufe von einer Adresse: {accepted} angenommen, dann {statuses[-1]}")
    assert accepted >= PAGE_BURST + 1, statuses
    assert statuses[-1] == 429, statuses
    # The scripts of a page are not counted.
    index = proxy.request("GET", "/", source="127.0.0.5").body.decode()
    script = re.search(r"static/js/[^\"']+\.js", index)
    assert script, index[:500]
    assert proxy.request("GET", f"/{script.group()}", source="127.0.0.4").status == 200
