"""The login gate: the only module that touches streamlit-authenticator.

The library shows the login form and checks the password (bcrypt). The login cookie is handled
here, in the library's format (a JWT of username and expiry, signed with the cookie key): read
from the request (st.context.cookies) in the first run of a new session, and only on a connection
from the app's own origin. Scripts never see it: after a login the server registers a one-time nonce
(gateway.login_cookie), a script in the page posts it to the gateway, which answers with an
HttpOnly, SameSite=Strict cookie; after a logout the gateway deletes it. The library's own cookie component
(extra_streamlit_components.CookieManager, drawn by its constructor) is replaced by a stand-in
that draws nothing: the component answers its first drawing with another run of the script, which
arrived a few hundred milliseconds after the login form and swallowed a submit sent meanwhile.
Roles, lockout and revocation come from model.auth_store, checked on the server on every run.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit_authenticator.models import cookie_model
from streamlit_authenticator.utilities.exceptions import LoginError

from gateway import login_cookie, sessions
from gateway.origin import expected_origin, same_origin
from gateway.sessions import SessionLogin
from model import auth_store, clock
from model.auth_store import UserInfo
from model.db import read_session, write_session
from model.security_log import security_event
from model.settings import MIN_COOKIE_KEY_BYTES, Settings, get_settings
from ui.locale import fmt_datetime

LOGIN_FIELDS = {
    "Form name": "Anmeldung",
    "Username": "Benutzername",
    "Password": "Passwort",
    "Login": "Anmelden",
    "Captcha": "Sicherheitsabfrage",
}
ISSUED_KEY = "lc_issued_at"
NOTICE_KEY = "lc_auth_notice"
COOKIE_SCRIPT_KEY = "lc_cookie_script"  # a cookie write or delete still to be sent to the browser
# Session keys of the library: who is logged in, and "logout" (the library then ignores cookies).
LIBRARY_KEYS = ("name", "username", "authentication_status", "email", "roles")
SIGNING = "HS256"


class _NoCookieComponent:
    """Stands in for the library's cookie component: this module reads and writes the cookie itself,
    and the library is built with no cookie expiry and "logout" set, so it never asks this object."""

    def __init__(self, key: str = "init") -> None:
        self.cookies: dict[str, str] = {}


# The library looks the component up through its module's `stx` name each time it is built.
cookie_model.stx = SimpleNamespace(CookieManager=_NoCookieComponent)  # type: ignore[attr-defined]


def _token_payload(settings: Settings) -> dict[str, object] | None:
    """The request's login cookie, if it carries a valid signature and has not expired."""
    token = st.context.cookies.get(settings.cookie_name)
    if not token:
        return None
    try:
        payload = jwt.decode(token, settings.cookie_key, algorithms=[SIGNING])
        if float(payload["exp_date"]) <= time.time():
            return None
        str(payload["username"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
    return payload


def _issued_at(settings: Settings, expires: float) -> datetime:
    return datetime.fromtimestamp(expires, UTC) - timedelta(days=settings.cookie_expiry_days)


def _check_configuration(settings: Settings) -> str:
    key = settings.cookie_key
    if not key or len(key.encode("utf-8")) < MIN_COOKIE_KEY_BYTES:
        st.error(
            "Die Anwendung ist nicht vollständig eingerichtet: Es fehlt ein Cookie-Schlüssel "
            "(mindestens 32 Byte) in LOTSEN_COOKIE_KEY oder .streamlit/secrets.toml."
        )
        st.stop()
    return key


def _record_failures(creds: dict[str, dict[str, dict[str, object]]]) -> None:
    # The library counts a failed attempt in the credentials dict it was given (by reference).
    for username, entry in creds["usernames"].items():
        if entry.get("failed_login_attempts"):
            with write_session() as session:
                until = auth_store.record_failed_login(session=session, username=username)
            if until is not None:
                st.session_state[NOTICE_KEY] = (
                    "Das Konto ist nach zu vielen Fehlversuchen vorübergehend gesperrt, "
                    f"bis {fmt_datetime(until)}. Bitte versuchen Sie es danach erneut."
                )


def login_gate() -> UserInfo | None:
    """Show the login form if needed; return the validated user of this run, or None."""
    settings = get_settings()
    cookie_key = _check_configuration(settings)
    _send_cookie_script()
    if st.session_state.get("authentication_status"):
        user = _still_valid(st.session_state["username"])
        if user is not None:
            return user
        _end_session()
        st.warning("Ihre Sitzung ist nicht mehr gültig. Bitte melden Sie sich erneut an.")
    elif not st.session_state.get("logout"):
        user = _user_from_cookie(settings)
        if user is not None:
            return user
    return _login_form(settings, cookie_key)


def _still_valid(username: str) -> UserInfo | None:
    issued = st.session_state.get(ISSUED_KEY)
    if issued is None:
        return None
    with read_session() as session:
        return auth_store.valid_user(session=session, username=username, issued_at=issued)


def _user_from_cookie(settings: Settings) -> UserInfo | None:
    """A new session of a browser with a valid login cookie is logged in at once, in its first run.

    Only on a connection from the app's own origin: a page on another port of the same host gets
    the browser's cookie sent along too (the gateway refuses such connections before this).
    """
    if not _from_own_origin():
        security_event("origin_refused", origin=st.context.headers.get("Origin") or "(keiner)", layer="login")
        return None
    payload = _token_payload(settings)
    if payload is None:
        return None
    username, issued = str(payload["username"]), _issued_at(settings, float(payload["exp_date"]))  # type: ignore[arg-type]
    with read_session() as session:
        user = auth_store.valid_user(session=session, username=username, issued_at=issued)
    if user is not None:
        _start_session(user, issued)
    return user


def _start_session(user: UserInfo, issued: datetime) -> None:
    st.session_state.update(
        {"authentication_status": True, "username": user.username, "name": user.display_name, "logout": None}
    )
    st.session_state[ISSUED_KEY] = issued


def _end_session() -> None:
    for key in LIBRARY_KEYS:
        st.session_state[key] = None
    st.session_state["logout"] = True  # this session's request cookie no longer counts
    st.session_state.pop(ISSUED_KEY, None)


def _login_form(settings: Settings, cookie_key: str) -> UserInfo | None:
    with read_session() as session:
        creds = auth_store.credentials(session=session)
    st.session_state.pop(NOTICE_KEY, None)
    form = st.empty()
    with form.container():
        st.title("Lotsen-Cockpit")
        authenticator = stauth.Authenticate(
            creds,
            settings.cookie_name,
            cookie_key,
            0,  # no cookie from the library: this module writes it (see above)
            auto_hash=False,
            login_sleep_time=settings.login_sleep_time,
        )
        st.session_state["logout"] = True  # nor does the library read it: a valid one was taken above
        try:
            authenticator.login(location="main", fields=LOGIN_FIELDS, key="login")
        except LoginError:
            st.session_state["authentication_status"] = False
    _record_failures(creds)

    if not st.session_state.get("authentication_status"):
        if st.session_state.get(NOTICE_KEY):
            st.error(st.session_state[NOTICE_KEY])
        elif st.session_state.get("authentication_status") is False:
            st.error("Benutzername oder Passwort ist nicht korrekt.")
        return None

    form.empty()  # the page follows in this same run
    username = st.session_state["username"]
    issued = clock.now()
    with write_session() as session:
        auth_store.record_successful_login(session=session, username=username)
    with read_session() as session:
        user = auth_store.valid_user(session=session, username=username, issued_at=issued)
    if user is None:
        _end_session()
        return None
    _start_session(user, issued)
    expires = issued + timedelta(days=settings.cookie_expiry_days)
    token = jwt.encode({"username": username, "exp_date": expires.timestamp()}, cookie_key, algorithm=SIGNING)
    _set_cookie(settings.cookie_name, token, expires=expires)
    return user


def _from_own_origin() -> bool:
    headers = {name.lower(): value for name, value in st.context.headers.items()}
    scheme = "https" if st.get_option("server.sslCertFile") else "http"
    expected = expected_origin(headers=headers, client_ip=st.context.ip_address, scheme=scheme)
    return same_origin(headers.get("origin"), expected)


def _set_cookie(name: str, value: str, *, expires: datetime) -> None:
    """Have the browser store the login cookie: HttpOnly, set by the gateway for a one-time nonce.

    `name` is the cookie the gateway sets (settings.cookie_name); the page only sees the nonce.
    """
    del name
    nonce = login_cookie.register(value, expires=expires)
    st.session_state[COOKIE_SCRIPT_KEY] = login_cookie.page_snippet(login_cookie.LOGIN_PATH, nonce)
    _send_cookie_script()


def _delete_cookie() -> None:
    """Have the gateway delete the login cookie (scripts cannot: it is HttpOnly)."""
    st.session_state[COOKIE_SCRIPT_KEY] = login_cookie.page_snippet(login_cookie.LOGOUT_PATH)


def _send_cookie_script() -> None:
    """Send a pending cookie script once (st.html runs it in the page; no rerun follows)."""
    script = st.session_state.pop(COOKIE_SCRIPT_KEY, None)
    if script:
        st.html(script, unsafe_allow_javascript=True)


def record_session_login(user: UserInfo | None) -> None:
    """Tell the gateway whether this session is logged in (it lets only those upload)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    issued = st.session_state.get(ISSUED_KEY)
    login = None if user is None or issued is None else SessionLogin(username=user.username, issued_at=issued)
    sessions.remember(ctx.session_id, login)
    if runtime.exists():
        sessions.forget_closed(runtime.get_instance().is_active_session)


def logout(user: UserInfo) -> None:
    """End this session and every earlier cookie of the user; the next run shows the login form.

    Meant as the logout button's on_click: it runs before the script, which then draws the form.
    """
    with write_session() as session:
        auth_store.revoke_sessions(
            session=session, username=user.username, actor=user.username, reason="logout"
        )
    _end_session()
    _delete_cookie()
