"""G01 (SM2/SM3/SM4 test vectors) and G04 (SM2 signatures on submissions, verified on display, tampering shown)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from conftest import World
from jixiao.core import crypto, signatures
from jixiao.core.models import Signature, SigningKey
from jixiao.evaluation import services as evaluation_services
from jixiao.evaluation.models import SelfEvalIndicator, SelfEvaluation
from jixiao.evaluation.tests.selfeval_helpers import (
    YEAR,
    approved_target,
    fill_clean,
    pay,
    school_record,
    set_amounts,
    start,
)
from jixiao.experts.tests.factories import ExpertFactory
from jixiao.keyeval import services as keyeval_services
from jixiao.keyeval.models import KeyEvalScore, KeyEvalScorer
from jixiao.keyeval.tests.test_keyeval import _create, _scores, _to_fieldwork
from jixiao.preassessment import panels
from jixiao.preassessment.models import ExpertScore
from jixiao.preassessment.tests.factories import PreAssessmentFactory
from jixiao.preassessment.tests.test_panels import _draw, _expert, _points_for

# GB/T 32918.5-2017 Annex A (= GM/T 0003.5): recommended curve, user id 1234567812345678, message "message digest".
SM2_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
SM2_PUBLIC = (
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
SM2_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
SM2_SIGNATURE = (
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)


def test_g01_sm3_and_sm4_vectors() -> None:
    # GB/T 32905-2016 example 1; GB/T 32907-2016 example 1 (through GCM: same key, the provider round trip).
    assert crypto.sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    token = crypto.encrypt("110101199003077777", context="t.T.f")
    assert token.startswith("sm4gcm:") and "110101" not in token
    assert crypto.decrypt(token, context="t.T.f") == "110101199003077777"


def test_g01_sm2_standard_vector_sign_and_verify() -> None:
    assert crypto.sm2_public_key(SM2_D) == SM2_PUBLIC.lower()
    assert crypto.SM2_DEFAULT_UID == "1234567812345678"
    assert crypto.sm2_sign(b"message digest", SM2_D, nonce=SM2_K) == SM2_SIGNATURE.lower()
    assert crypto.sm2_verify(b"message digest", SM2_SIGNATURE.lower(), SM2_PUBLIC.lower())


def test_g01_sm2_round_trip_and_tampering() -> None:
    private, public = crypto.sm2_generate_keypair()
    signature = crypto.sm2_sign("自评表".encode(), private)
    assert crypto.sm2_verify("自评表".encode(), signature, public)
    assert not crypto.sm2_verify("自评表！".encode(), signature, public)  # tampered message
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not crypto.sm2_verify("自评表".encode(), flipped, public)  # tampered signature
    assert not crypto.sm2_verify("自评表".encode(), signature, SM2_PUBLIC.lower())  # another key
    assert not crypto.sm2_verify("自评表".encode(), signature, public, uid="ALICE123@YAHOO.COM")  # another id
    assert not crypto.sm2_verify(b"x", "zz", public)  # malformed: invalid, not an exception
    assert crypto.sm2_generate_keypair()[0] != private  # fresh randomness


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (test, fixed names)
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_g04_expert_score_sheet_is_signed_and_tampering_shows_invalid(world: World) -> None:
    _expert(world, "张专家", world.users["expert"])
    _expert(world, "李专家")
    _expert(world, "王专家")
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    member = next(m for m in _draw(world, pa) if m.expert.user == world.users["expert"])
    expert_client = world.login("expert")
    data = {f"points-{k}": str(v) for k, v in _points_for(member, 80).items()}
    assert expert_client.post(f"/preassessment/reviews/{member.pk}/", {**data, "comment": "可行"}).status_code == 302

    signature = Signature.objects.get(purpose="preassessment.expert_score")
    assert signature.object_id == str(member.pk) and signature.signer == world.users["expert"]
    assert len(signature.signature) == 128 and len(signature.digest) == 64
    key = SigningKey.objects.get(user=world.users["expert"])
    assert key.public_key == signature.public_key
    # The private key is stored SM4-GCM encrypted, and it is the one behind the public key.
    assert _raw("core_signingkey", "private_key", key.pk).startswith("sm4gcm:")
    assert crypto.sm2_public_key(key.private_key) == key.public_key
    assert signatures.verify(member).valid

    page = expert_client.get(f"/preassessment/reviews/{member.pk}/").content.decode()
    assert "签名有效" in page and "签名无效" not in page
    panel = world.login("performance").get(f"/preassessment/{pa.pk}/panel/").content.decode()
    assert "签名有效" in panel

    # Someone with database access changes a score afterwards: the display shows it.
    ExpertScore.objects.filter(member=member).order_by("pk").filter(pk=member.scores.first().pk).update(
        points=Decimal("10.00")
    )
    assert not signatures.verify(member).valid
    page = expert_client.get(f"/preassessment/reviews/{member.pk}/").content.decode()
    assert "签名无效" in page and "签名有效" not in page
    panel = world.login("performance").get(f"/preassessment/{pa.pk}/panel/").content.decode()
    assert "签名无效" in panel


@pytest.mark.django_db
def test_g04_forged_signature_or_swapped_key_is_invalid(world: World) -> None:
    _expert(world, "张专家", world.users["expert"])
    _expert(world, "李专家")
    _expert(world, "王专家")
    pa = PreAssessmentFactory(project=world.school_project, fin_review=True)
    member = next(m for m in _draw(world, pa) if m.expert.user == world.users["expert"])
    panels.score_submit(actor=world.users["expert"], member=member, points=_points_for(member, 80))
    signature = Signature.objects.get(object_id=str(member.pk))
    # A forger re-signs tampered content with a key of their own and stores its public key: still invalid,
    # because the signer's registered key differs.
    private, public = crypto.sm2_generate_keypair()
    message = signatures.canonical(signatures.payload(member, signature.spec))
    Signature.objects.filter(pk=signature.pk).update(signature=crypto.sm2_sign(message, private), public_key=public)
    assert not signatures.verify(member).valid
    Signature.objects.filter(pk=signature.pk).update(signature="0" * 128)
    assert not signatures.verify(member).valid


@pytest.mark.django_db
def test_g04_keyeval_score_sheet_is_signed(world: World) -> None:
    ExpertFactory(region=world.region, user=world.users["expert"], field="教育")
    ev = _to_fieldwork(world, _create(world))
    keyeval_services.scorer_add_staff(actor=world.users["performance"], evaluation=ev, user=world.users["budget"])
    scores = _scores(ev, Decimal("0.9"))
    keyeval_services.score_submit(
        actor=world.users["budget"], evaluation=ev, scores=scores, evidence=dict.fromkeys(scores, "核查记录")
    )
    scorer = KeyEvalScorer.objects.get(evaluation=ev, user=world.users["budget"])
    assert signatures.verify(scorer, "keyeval.score_submit").valid
    page = world.login("budget").get(f"/keyeval/{ev.pk}/score/").content.decode()
    assert "签名有效" in page
    KeyEvalScore.objects.filter(pk=scorer.scores.first().pk).update(evidence="改过的依据")
    assert not signatures.verify(scorer).valid
    assert "签名无效" in world.login("performance").get(f"/keyeval/{ev.pk}/").content.decode()


@pytest.mark.django_db
def test_g04_self_evaluation_submission_is_signed(world: World) -> None:
    set_amounts(world.school_project, fiscal="80000", carryover="20000")
    approved_target(world)
    pay(world.school_project, "60000", date(YEAR, 5, 1))
    pay(world.school_project, "40000", date(YEAR, 12, 31))
    start(world)
    record = fill_clean(world, school_record(world))
    unit = world.users["unit_user"]
    record = evaluation_services.selfeval_transition(actor=unit, record=record, action="submit", comment="说明")
    result = signatures.verify(record, "evaluation.selfeval_submit")
    assert result.valid and result.signature is not None and result.signature.signer == unit
    assert result.signature.content_type == ContentType.objects.get_for_model(SelfEvaluation)
    detail = world.login("unit_user").get(f"/evaluation/self/{record.pk}/").content.decode()
    assert "签名有效" in detail
    # A reviewer's later opinion does not touch what the unit signed.
    evaluation_services.selfeval_transition(
        actor=world.users["dept_admin"], record=record, action="dept_approve", comment="同意"
    )
    assert signatures.verify(record).valid
    # Changing a claimed indicator value in the database does.
    SelfEvalIndicator.objects.filter(pk=record.indicators.first().pk).update(actual_text="200台")
    detail = world.login("unit_user").get(f"/evaluation/self/{record.pk}/").content.decode()
    assert "签名无效" in detail
