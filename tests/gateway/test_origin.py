"""The app's own origin: scheme, host and port must all match; proxies only when trusted."""

from __future__ import annotations

import pytest

from gateway.origin import expected_origin, normalise, same_origin

HOST = {"host": "127.0.0.1:8501"}


@pytest.fixture(autouse=True)
def _plain_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOTSEN_PUBLIC_ORIGIN", raising=False)
    monkeypatch.delenv("LOTSEN_TRUSTED_PROXIES", raising=False)


def own(headers: dict[str, str] = HOST, *, client: str = "127.0.0.1", scheme: str = "ws") -> str | None:
    return expected_origin(headers=headers, client_ip=client, scheme=scheme)


def test_the_request_s_host_and_scheme_are_the_origin() -> None:
    assert own() == "http://127.0.0.1:8501"
    assert own(scheme="wss") == "https://127.0.0.1:8501"
    assert same_origin("http://127.0.0.1:8501", own())


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8502",  # another port of the same host
        "http://localhost:8501",  # another host name for the same machine
        "https://127.0.0.1:8501",  # another scheme
        "null",  # sandboxed frames, file: pages
        None,  # no Origin header at all
        "",
        "http://127.0.0.1:8501.evil.example",
        "http://user@127.0.0.1:8501",
        "http://127.0.0.1:8501/path",
    ],
)
def test_anything_else_is_refused(origin: str | None) -> None:
    assert not same_origin(origin, own())


def test_default_ports_and_case_do_not_matter() -> None:
    assert normalise("HTTPS://Lotsen.Example:443") == "https://lotsen.example"
    assert same_origin(
        "http://LOCALHOST", expected_origin(headers={"host": "localhost:80"}, client_ip=None, scheme="http")
    )


def test_a_configured_public_origin_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTSEN_PUBLIC_ORIGIN", "https://lotsen.stadt.example")
    assert own() == "https://lotsen.stadt.example"
    assert not same_origin("http://127.0.0.1:8501", own())


def test_forwarded_headers_count_only_from_a_trusted_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    forwarded = {**HOST, "x-forwarded-proto": "https", "x-forwarded-host": "lotsen.stadt.example"}
    assert own(forwarded) == "http://127.0.0.1:8501"  # anyone can send these headers
    monkeypatch.setenv("LOTSEN_TRUSTED_PROXIES", "10.0.0.2, 127.0.0.1")
    assert own(forwarded) == "https://lotsen.stadt.example"
    assert own(forwarded, client="10.0.0.9") == "http://127.0.0.1:8501"
