"""Benutzerverwaltung: create with the password policy, roles, Lotse link, reset, (de)activation."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from model.accounts import admin as user_admin
from model.accounts import auth as auth_store
from model.accounts.admin import AccountEdit, ActiveChange, NewUser, PasswordReset, PilotLink, RoleChange
from model.accounts.auth import AuthError, UserInfo
from model.accounts.passwords import verify_password
from model.core.db import read_session, write_session
from model.core.enums import PilotStage, Role, UnitKind
from model.core.guard import AdminError, StaleEditError
from model.core.tables import AppUser, AuditEntry, OrgUnit, Pilot

PASSWORD = "ein-sicheres-passwort-42"
CDO = UserInfo(id=1, username="cdo", display_name="CDO", role=Role.ADMIN, pilot_id=None)
LEITUNG = UserInfo(id=2, username="leitung", display_name="Leitung", role=Role.LEITUNG, pilot_id=None)


def version(engine, user_id: int) -> int:
    """The account's version now, as a freshly drawn form shows it."""
    with read_session(engine) as session:
        return session.get(AppUser, user_id).version


@pytest.fixture
def accounts(engine, fake_clock) -> dict[str, int]:
    """The admin "cdo", a leitung account and a Lotse (without login) in unit "33"."""
    with write_session(engine) as session:
        unit = OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT.value)
        session.add(unit)
        session.flush()
        session.add(
            Pilot(
                name="Lena Lotsin",
                email="lena.lotsin@example.org",
                unit_id=unit.id,
                stage=PilotStage.ACTIVE.value,
                stage_since=date(2026, 1, 1),
            )
        )
        admin = AppUser(username="cdo", display_name="CDO", role=Role.ADMIN.value, password_hash="x")
        session.add(admin)
        session.flush()
        leitung = user_admin.create_user(
            session=session,
            actor=CDO,
            data=NewUser(
                username="leitung",
                display_name="Leitung",
                role=Role.LEITUNG.value,
                password=PASSWORD,
                email=None,
                pilot_email=None,
            ),
        )
    return {"cdo": admin.id, "leitung": leitung.id}


def test_overview_never_contains_password_hashes(engine, accounts) -> None:
    with read_session(engine) as session:
        frame = user_admin.users_overview(session=session)
    assert list(frame["username"]) == ["cdo", "leitung"]
    assert not any("hash" in column for column in frame.columns)
    assert not frame.astype(str).apply(lambda column: column.str.startswith("$2")).any().any()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kurz", "mindestens 12 Zeichen"),
        ("passwort1234", "zu verbreitet"),
        ("neu-lena-passwort", "Benutzernamen"),
    ],
)
def test_create_applies_the_password_policy(engine, accounts, password, reason) -> None:
    with pytest.raises(AuthError, match=reason), write_session(engine) as session:
        user_admin.create_user(
            session=session,
            actor=CDO,
            data=NewUser(
                username="lena",
                display_name="Lena",
                role=Role.LOTSE.value,
                password=password,
                email=None,
                pilot_email="lena.lotsin@example.org",
            ),
        )


def test_create_a_lotse_login_linked_by_email(engine, accounts) -> None:
    with write_session(engine) as session:
        user = user_admin.create_user(
            session=session,
            actor=CDO,
            data=NewUser(
                username="lena",
                display_name="Lena Lotsin",
                role=Role.LOTSE.value,
                password=PASSWORD,
                email="lena.lotsin@example.org",
                pilot_email="LENA.lotsin@example.org",
            ),
        )
    with read_session(engine) as session:
        frame = user_admin.users_overview(session=session).set_index("username")
    assert frame.loc["lena", "pilot_name"] == "Lena Lotsin"
    assert user.role == Role.LOTSE.value


def test_a_lotse_login_needs_a_lotse_and_a_lotse_only_one_login(engine, accounts) -> None:
    with pytest.raises(AdminError, match="braucht die Verknüpfung"), write_session(engine) as session:
        user_admin.create_user(
            session=session,
            actor=CDO,
            data=NewUser(
                username="lena",
                display_name="Lena",
                role=Role.LOTSE.value,
                password=PASSWORD,
                email=None,
                pilot_email=None,
            ),
        )
    with write_session(engine) as session:
        user_admin.link_pilot(
            session=session,
            actor=CDO,
            data=PilotLink(
                user_id=accounts["leitung"], expected_version=1, pilot_email="lena.lotsin@example.org"
            ),
        )
    with pytest.raises(AdminError, match="bereits mit dem Konto „leitung“"), write_session(engine) as session:
        user_admin.create_user(
            session=session,
            actor=CDO,
            data=NewUser(
                username="lena",
                display_name="Lena",
                role=Role.LOTSE.value,
                password=PASSWORD,
                email=None,
                pilot_email="lena.lotsin@example.org",
            ),
        )


def test_reset_password_revokes_sessions_and_is_audited(engine, accounts, fake_clock) -> None:
    issued = fake_clock.now()
    fake_clock.advance(minutes=5)
    with write_session(engine) as session:
        user_admin.reset_password(
            session=session,
            actor=CDO,
            data=PasswordReset(
                user_id=accounts["leitung"], expected_version=1, new_password="ganz-neues-passwort-7"
            ),
        )
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username="leitung", issued_at=issued) is None
        fake_clock.advance(seconds=1)
        assert (
            auth_store.valid_user(session=session, username="leitung", issued_at=fake_clock.now()) is not None
        )
        stored = session.get(AppUser, accounts["leitung"]).password_hash
        actions = session.exec(
            select(AuditEntry.action, AuditEntry.actor).where(
                AuditEntry.entity_id == str(accounts["leitung"])
            )
        ).all()
    assert verify_password("ganz-neues-passwort-7", stored)
    assert ("password", "cdo") in actions and ("revoke", "cdo") in actions


def test_reset_password_lifts_a_delay(engine, accounts) -> None:
    for _ in range(auth_store.MAX_FAILURES):
        with write_session(engine) as session:
            auth_store.authenticate(session=session, username="leitung", password="falsch", client="10.0.0.1")
    with read_session(engine) as session:
        assert list(user_admin.delayed_accounts(session=session)["username"]) == ["leitung"]
    with write_session(engine) as session:
        user_admin.reset_password(
            session=session,
            actor=CDO,
            data=PasswordReset(
                user_id=accounts["leitung"], expected_version=1, new_password="ganz-neues-passwort-7"
            ),
        )
    with read_session(engine) as session:
        assert user_admin.delayed_accounts(session=session).empty
        assert auth_store.delayed_until(session=session, username="leitung", client="10.0.0.1") is None


def test_only_an_admin_lifts_a_delay(engine, accounts) -> None:
    for _ in range(auth_store.MAX_FAILURES):
        with write_session(engine) as session:
            auth_store.authenticate(session=session, username="leitung", password="falsch", client="10.0.0.1")
    with pytest.raises(PermissionError), write_session(engine) as session:
        user_admin.unlock(session=session, actor=LEITUNG, data=AccountEdit(accounts["leitung"], 1))
    with write_session(engine) as session:
        user_admin.unlock(session=session, actor=CDO, data=AccountEdit(accounts["leitung"], 1))
    with pytest.raises(AdminError, match="keine Fehlversuche"), write_session(engine) as session:
        user_admin.unlock(session=session, actor=CDO, data=AccountEdit(accounts["leitung"], 2))


def test_deactivate_revokes_sessions_and_reactivate_restores_access(engine, accounts, fake_clock) -> None:
    fake_clock.advance(minutes=1)
    with write_session(engine) as session:
        user_admin.set_active(
            session=session, actor=CDO, data=ActiveChange(accounts["leitung"], 1, active=False)
        )
    fake_clock.advance(minutes=1)
    with read_session(engine) as session:
        assert auth_store.valid_user(session=session, username="leitung", issued_at=fake_clock.now()) is None
        user = session.get(AppUser, accounts["leitung"])
        assert user.sessions_valid_after == fake_clock.now() - timedelta(minutes=1)
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "deactivate")).one()
    assert json.loads(entry.changes) == {"active": [True, False]}
    with write_session(engine) as session:
        user_admin.set_active(
            session=session, actor=CDO, data=ActiveChange(accounts["leitung"], 2, active=True)
        )
    fake_clock.advance(minutes=1)
    with read_session(engine) as session:
        assert (
            auth_store.valid_user(session=session, username="leitung", issued_at=fake_clock.now()) is not None
        )


def test_the_last_admin_cannot_be_removed(engine, accounts) -> None:
    with pytest.raises(AdminError, match="eigenes Konto"), write_session(engine) as session:
        user_admin.set_active(session=session, actor=CDO, data=ActiveChange(accounts["cdo"], 1, active=False))
    with (
        pytest.raises(AdminError, match="letzte aktive Administrationskonto"),
        write_session(engine) as session,
    ):
        user_admin.change_role(
            session=session, actor=CDO, data=RoleChange(accounts["cdo"], 1, Role.LEITUNG.value)
        )


def test_role_change_is_audited_with_old_and_new(engine, accounts) -> None:
    with write_session(engine) as session:
        user_admin.change_role(
            session=session, actor=CDO, data=RoleChange(accounts["leitung"], 1, Role.ADMIN.value)
        )
    with read_session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "role")).one()
    assert entry.actor == "cdo"
    assert json.loads(entry.changes) == {"role": ["leitung", "admin"]}


def test_a_change_to_an_account_that_changed_since_the_form_showed_it_is_refused(engine, accounts) -> None:
    shown = version(engine, accounts["leitung"])
    with write_session(engine) as session:
        user_admin.change_role(
            session=session, actor=CDO, data=RoleChange(accounts["leitung"], shown, Role.ADMIN.value)
        )
    for command, data in [
        (user_admin.change_role, RoleChange(accounts["leitung"], shown, Role.LOTSE.value)),
        (user_admin.link_pilot, PilotLink(accounts["leitung"], shown, "lena.lotsin@example.org")),
        (user_admin.set_active, ActiveChange(accounts["leitung"], shown, False)),
        (user_admin.reset_password, PasswordReset(accounts["leitung"], shown, "ganz-neues-passwort-7")),
        (user_admin.unlock, AccountEdit(accounts["leitung"], shown)),
    ]:
        with (
            pytest.raises(StaleEditError, match="„leitung“ wurde inzwischen von jemand anderem geändert"),
            write_session(engine) as session,
        ):
            command(session=session, actor=CDO, data=data)
    with read_session(engine) as session:
        stored = session.get(AppUser, accounts["leitung"])
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "app_user")).all()
    assert (stored.role, stored.pilot_id, stored.active) == (Role.ADMIN.value, None, True)
    assert [action for action in actions if action != "create"] == ["role"]


def test_only_admins_manage_users(engine, accounts) -> None:
    with pytest.raises(PermissionError), write_session(engine) as session:
        user_admin.change_role(
            session=session, actor=LEITUNG, data=RoleChange(accounts["cdo"], 1, Role.LEITUNG.value)
        )


def test_role_changes_deactivations_and_revocations_go_to_the_server_log(engine, accounts, caplog) -> None:
    import logging

    from model.core.security_log import LOGGER_NAME

    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(caplog.handler)
    try:
        with write_session(engine) as session:
            user_admin.change_role(
                session=session, actor=CDO, data=RoleChange(accounts["leitung"], 1, "admin")
            )
        with write_session(engine) as session:
            user_admin.set_active(
                session=session, actor=CDO, data=ActiveChange(accounts["leitung"], 2, False)
            )
    finally:
        logger.removeHandler(caplog.handler)
    assert [record.getMessage() for record in caplog.records] == [
        "role_changed user=leitung by=cdo before=leitung after=admin",
        "account_deactivated user=leitung by=cdo",
        "sessions_revoked user=leitung by=cdo reason=revoke",
    ]


def test_two_admins_edit_one_account_and_the_later_save_changes_nothing(engine, accounts) -> None:
    with write_session(engine) as session:
        session.add(AppUser(username="cdo2", display_name="CDO 2", role=Role.ADMIN.value, password_hash="x"))
    second = UserInfo(id=3, username="cdo2", display_name="CDO 2", role=Role.ADMIN, pilot_id=None)
    shown = version(engine, accounts["leitung"])  # both forms show the same version
    with write_session(engine) as session:
        user_admin.set_active(
            session=session, actor=CDO, data=ActiveChange(accounts["leitung"], shown, False)
        )
    with (
        pytest.raises(
            StaleEditError, match="Das Konto „leitung“ wurde inzwischen von jemand anderem geändert"
        ),
        write_session(engine) as session,
    ):
        user_admin.change_role(
            session=session, actor=second, data=RoleChange(accounts["leitung"], shown, "admin")
        )
    with read_session(engine) as session:
        stored = session.get(AppUser, accounts["leitung"])
        actors = session.exec(select(AuditEntry.actor).where(AuditEntry.entity == "app_user")).all()
    assert (stored.role, stored.active, stored.version) == (Role.LEITUNG.value, False, shown + 1)
    assert "cdo2" not in actors
