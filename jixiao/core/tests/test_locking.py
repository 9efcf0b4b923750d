"""Lock tokens (I05): the token of what a page showed must still match the rows when the save arrives."""

from __future__ import annotations

import pytest
from django import forms

from jixiao.core.errors import ConflictError
from jixiao.core.locking import add_lock_token, check_lock_token, lock_token, posted_lock_token
from jixiao.core.models import SigningKey


@pytest.mark.django_db
def test_token_changes_with_version_and_membership() -> None:
    # unsaved stand-ins; business rows carry `version` from TimeStampedModel
    a, b = SigningKey(pk=1), SigningKey(pk=2)
    a.version = b.version = 1  # type: ignore[attr-defined]
    one = lock_token(a)
    grid = lock_token([a, b])
    assert lock_token([b, a]) == grid  # order does not matter
    assert lock_token([a]) != grid  # a removed row changes the token
    check_lock_token(a, one)
    check_lock_token([b, a], grid)
    a.version += 1  # type: ignore[attr-defined]
    with pytest.raises(ConflictError, match="已被他人修改"):
        check_lock_token(a, one)
    with pytest.raises(ConflictError):
        check_lock_token([a, b], grid)
    check_lock_token(a, None)  # clients that send no token are not checked
    check_lock_token(a, "")


@pytest.mark.django_db
def test_form_field_and_post() -> None:
    class F(forms.Form):
        name = forms.CharField()

    form = F()
    add_lock_token(form, None)
    assert form.initial["lock_token"] == lock_token(None)
    assert 'type="hidden" name="lock_token"' in str(form)
    bound = F(data={"name": "x", "lock_token": "abc"})
    add_lock_token(bound, None)
    assert bound.is_valid()
    assert bound.cleaned_data["lock_token"] == "abc"
    assert posted_lock_token({"lock_token": "abc"}) == "abc"
    assert posted_lock_token({}) is None
