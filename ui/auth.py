"""The login gate: the login form, the login cookie and the checks of every run.

The form is this module's own (st.form); model.accounts.auth checks the password (bcrypt, the same
time for unknown names), delays repeated failures per account and per client, and decides whether
a login still counts (revocation, maximum age, idle timeout) on every run, the presentation's
timer reruns included (still_logged_in). The login cookie is a JWT of user name, issue time and
expiry, signed with the cookie key: read from the request (st.context.cookies) in the first run
of a new session, and only on a connection from the app's own origin. Scripts never see it:
after a login the server registers a one-time nonce (gateway.login_cookie), a script in the page
posts it to the gateway, which answers with an HttpOnly, SameSite=Strict cookie; after a logout
the gateway deletes it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from gateway import login_cookie, sessions
from gateway.origin import expected_origin, same_origin
from gateway.sessions import SessionLogin
from model.accounts import auth as auth_store
from model.accounts import passwords
from model.accounts.auth import UserInfo
from model.core import clock
from model.core.clock import LOCAL_TIMEZONE as TIMEZONE
from model.core.db import read_session, write_session
from model.core.enums import Role
from model.core.security_log import security_event
from model.core.settings import MIN_COOKIE_KEY_BYTES, Settings, get_settings

FORM_KEY = "login"
ISSUED_KEY = "lc_issued_at"
ACTIVE_KEY = "lc_last_active"  # this session's last interaction (idle timeout)
ACTIVITY_WRITTEN_KEY = "lc_activity_written"  # when this session last wrote app_user.last_seen_at
COOKIE_SCRIPT_KEY = "lc_cookie_script"  # a cookie write or delete still to be sent to the browser
# Who is logged in, and "logout" (this session's request cookie no longer counts); the names are
# those streamlit-authenticator used, which this module replaced.
LIBRARY_KEYS = ("name", "username", "authentication_status", "email", "roles")
SIGNING = "HS256"
REFUSED = "Benutzername oder Passwort ist nicht korrekt."


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
        float(payload["iat"])  # the issue time: the server's maximum age counts from it
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None
    return payload


def _issued_at(payload: dict[str, object]) -> datetime:
    return datetime.fromtimestamp(float(payload["iat"]), UTC)  # type: ignore[arg-type]


def _check_configuration(settings: Settings) -> str:
    key = settings.cookie_key
    if not key or len(key.encode("utf-8")) < MIN_COOKIE_KEY_BYTES:
        st.error(
            "Die Anwendung ist nicht vollständig eingerichtet: Es fehlt ein Cookie-Schlüssel "
            "(mindestens 32 Byte) in LOTSEN_COOKIE_KEY oder .streamlit/secrets.toml."
        )
        st.stop()
    return key


def login_gate() -> UserInfo | None:
    """Show the login form if needed; return the validated user of this run, or None."""
    settings = get_settings()
    cookie_key = _check_configuration(settings)
    _send_cookie_script()
    if st.session_state.get("authentication_status"):
        user = _still_valid(settings, active=True)
        if user is not None:
            return user
        _end_session()
        st.warning("Ihre Sitzung ist nicht mehr gültig. Bitte melden Sie sich erneut an.")
    elif not st.session_state.get("logout"):
        user = _user_from_cookie(settings)
        if user is not None:
            return user
    return _login_form(settings, cookie_key)


def still_logged_in(*, active: bool) -> bool:
    """Whether this session's login still counts; for runs outside login_gate (fragment reruns).

    `active`: the run answers an interaction (not a timer tick), so it resets the idle time.
    """
    return (
        bool(st.session_state.get("authentication_status"))
        and _still_valid(get_settings(), active=active) is not None
    )


def _still_valid(settings: Settings, *, active: bool) -> UserInfo | None:
    issued = st.session_state.get(ISSUED_KEY)
    if issued is None:
        return None
    username = st.session_state["username"]
    with read_session() as session:
        user = auth_store.valid_user(
            session=session,
            username=username,
            issued_at=issued,
            limits=settings,
            last_active=st.session_state.get(ACTIVE_KEY, issued),
        )
    if user is not None and active:
        _note_activity(username)
    return user


def _note_activity(username: str) -> None:
    """This session's last interaction now; the user's in the database at most once a minute
    (a write transaction on every run would queue all sessions on SQLite's write lock)."""
    now = clock.now()
    st.session_state[ACTIVE_KEY] = now
    written = st.session_state.get(ACTIVITY_WRITTEN_KEY)
    if written is None or now - written >= auth_store.ACTIVITY_STEP:
        st.session_state[ACTIVITY_WRITTEN_KEY] = now
        with write_session() as session:
            auth_store.record_activity(session=session, username=username)


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
    username, issued = str(payload["username"]), _issued_at(payload)
    with read_session() as session:
        user = auth_store.valid_user(session=session, username=username, issued_at=issued, limits=settings)
    if user is not None:
        _start_session(user, issued)
        _note_activity(username)
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
    st.session_state.pop(ACTIVE_KEY, None)
    st.session_state.pop(ACTIVITY_WRITTEN_KEY, None)


def client_address(settings: Settings) -> str:
    """The client of this session: its address, or the one a trusted proxy names in X-Forwarded-For."""
    peer = st.context.ip_address
    peer = peer if isinstance(peer, str) else "127.0.0.1"  # Streamlit reports local connections as None
    forwarded = st.context.headers.get("X-Forwarded-For")
    if peer in settings.trusted_proxies and isinstance(forwarded, str) and forwarded:
        # The proxy appends the address it saw: the last entry is the one no client can forge.
        return forwarded.split(",")[-1].strip()[: auth_store.MAX_CLIENT] or peer
    return peer


def _login_form(settings: Settings, cookie_key: str) -> UserInfo | None:
    form = st.empty()
    with form.container():
        st.title("Lotsen-Cockpit")
        with st.form(FORM_KEY):
            st.subheader("Anmeldung")
            username = st.text_input(
                "Benutzername", autocomplete="username", max_chars=auth_store.MAX_USERNAME
            )
            password = st.text_input(
                "Passwort",
                type="password",
                autocomplete="current-password",
                max_chars=passwords.MAX_LENGTH,  # bytes in bcrypt, so never fewer characters
            )
            submitted = st.form_submit_button("Anmelden")
        if not submitted or not username or not password:
            return None
        with write_session() as session:
            outcome = auth_store.authenticate(
                session=session, username=username, password=password, client=client_address(settings)
            )
        if outcome.user is None:
            st.error(_refusal(outcome.wait_until))
            return None

    form.empty()  # the page follows in this same run
    user = outcome.user
    issued = clock.now()
    _start_session(user, issued)
    _note_activity(user.username)
    limits = settings.max_login_age_admin_hours if user.role is Role.ADMIN else settings.max_login_age_hours
    expires = issued + timedelta(hours=limits)
    token = jwt.encode(
        {"username": user.username, "iat": issued.timestamp(), "exp_date": expires.timestamp()},
        cookie_key,
        algorithm=SIGNING,
    )
    _set_cookie(settings.cookie_name, token, expires=expires)
    return user


def _refusal(wait_until: datetime | None) -> str:
    """The same German answer for every name: a delay is told, never whether the name exists."""
    if wait_until is None:
        return REFUSED
    return (
        f"{REFUSED} Nach mehreren Fehlversuchen ist die nächste Anmeldung erst ab "
        f"{wait_until.astimezone(TIMEZONE):%H:%M:%S} Uhr möglich."
    )


def _from_own_origin() -> bool:
    headers = {name.lower(): value for name, value in st.context.headers.items()}
    scheme = "https" if st.get_option("server.sslCertFile") else "http"
    peer = st.context.ip_address
    peer = peer if isinstance(peer, str) else "127.0.0.1"  # Streamlit reports local connections as None
    expected = expected_origin(headers=headers, client_ip=peer, scheme=scheme)
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
