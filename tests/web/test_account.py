"""The account page: changing one's own password through the pages (issue 14, issue 17).

The page calls the same use case as ``POST /api/v1/auth/password``: the current password
re-entered (21 CFR 11.300(d)), a wrong one counted towards the lock (NIST SP 800-63B
5.2.2), the person's other sessions ended, this one kept.
"""

from __future__ import annotations

from sqlalchemy import select

from cartrial.store.models import AuditEntry, User
from tests.store.trial import World
from tests.web.site import PASSWORD, sign_in

NEW = "a new passphrase 2026"


def test_the_account_page_names_the_person_and_is_linked_from_every_header(world: World) -> None:
    cora = sign_in(world, "coordinator")
    page = cora.get("/account")
    assert page.status_code == 200
    assert "coord_a" in page.text and "Change your password" in page.text
    assert 'href="/account"' in cora.get("/dashboard").text


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(world: World) -> None:
    here = sign_in(world, "coordinator")
    elsewhere = sign_in(world, "coordinator")
    answer = here.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW},
    )
    assert answer.status_code == 200, answer.text
    assert "Your password is changed; 1 other session ended." in answer.text
    assert here.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 303  # back to the login page
    with world.sessions() as s:
        changed = s.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "user_account", AuditEntry.field == "password_hash"
            )
        ).all()
    assert changed and all(NEW not in (e.new_value or "") for e in changed)


def test_a_wrong_current_password_or_two_different_new_ones_change_nothing(
    world: World,
) -> None:
    cora = sign_in(world, "coordinator")
    with world.sessions() as s:
        before = s.scalars(select(User.password_hash).where(User.username == "coord_a")).one()
    wrong = cora.post(
        "/account/password",
        {"current_password": "not it", "new_password": NEW, "repeat_password": NEW},
    )
    assert wrong.status_code == 401
    assert 'id="current_password-err"' in wrong.text and "not it" not in wrong.text
    differ = cora.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW + "!"},
    )
    assert differ.status_code == 422 and 'id="repeat_password-err"' in differ.text
    missing_csrf = cora.client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "repeat_password": NEW},
        follow_redirects=False,
    )
    assert missing_csrf.status_code == 403
    with world.sessions() as s:
        user = s.scalars(select(User).where(User.username == "coord_a")).one()
        assert user.password_hash == before
        assert user.failed_logins == 1  # the wrong current password counted
