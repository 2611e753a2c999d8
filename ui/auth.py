"""The login gate: the only module that touches streamlit-authenticator.

The library checks passwords and writes the cookie; roles, lockout and revocation come from
model.auth_store, checked on the server on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from model import auth_store, clock
from model.auth_store import UserInfo
from model.db import read_session, write_session
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
AUTHENTICATOR_KEY = "lc_authenticator"
NOTICE_KEY = "lc_auth_notice"


def _cookie_issued_at(settings: Settings) -> datetime | None:
    """Issue time of the request's login cookie, if it carries a valid signature."""
    token = st.context.cookies.get(settings.cookie_name)
    if not token:
        return None
    try:
        payload = jwt.decode(token, settings.cookie_key, algorithms=["HS256"])
        expires = float(payload["exp_date"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
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
    """Render the login form if needed; return the validated user of this run, or None."""
    settings = get_settings()
    cookie_key = _check_configuration(settings)
    with read_session() as session:
        creds = auth_store.credentials(session=session)
    authenticator = stauth.Authenticate(
        creds,
        settings.cookie_name,
        cookie_key,
        settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=settings.login_sleep_time,
    )
    st.session_state[AUTHENTICATOR_KEY] = authenticator
    was_authenticated = bool(st.session_state.get("authentication_status"))
    cookie_issued = _cookie_issued_at(settings)
    if not was_authenticated and cookie_issued is not None:
        with read_session() as session:
            username = _cookie_username(settings)
            if (
                username is None
                or auth_store.valid_user(session=session, username=username, issued_at=cookie_issued) is None
            ):
                st.session_state["logout"] = True  # the library then ignores the cookie
    st.session_state.pop(NOTICE_KEY, None)
    heading = st.empty()
    if not was_authenticated:
        heading.title("Lotsen-Cockpit")
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

    heading.empty()
    username = st.session_state["username"]
    if not was_authenticated:
        from_cookie = cookie_issued is not None and not st.session_state.get("logout")
        st.session_state[ISSUED_KEY] = cookie_issued if from_cookie else clock.now()
        if not from_cookie:
            with write_session() as session:
                auth_store.record_successful_login(session=session, username=username)
    with read_session() as session:
        user = auth_store.valid_user(
            session=session, username=username, issued_at=st.session_state[ISSUED_KEY]
        )
    if user is None:
        authenticator.logout(location="unrendered")
        st.session_state.pop(ISSUED_KEY, None)
        st.warning("Ihre Sitzung ist nicht mehr gültig. Bitte melden Sie sich erneut an.")
        return None
    return user


def _cookie_username(settings: Settings) -> str | None:
    token = st.context.cookies.get(settings.cookie_name)
    try:
        return str(jwt.decode(token, settings.cookie_key, algorithms=["HS256"])["username"])
    except (jwt.PyJWTError, KeyError, TypeError):
        return None


def logout(user: UserInfo) -> None:
    """End this session and every earlier cookie of the user, then show the login form."""
    with write_session() as session:
        auth_store.revoke_sessions(
            session=session, username=user.username, actor=user.username, reason="logout"
        )
    authenticator = st.session_state.get(AUTHENTICATOR_KEY)
    if authenticator is not None:
        authenticator.logout(location="unrendered")
    st.session_state.pop(ISSUED_KEY, None)
    st.rerun()
