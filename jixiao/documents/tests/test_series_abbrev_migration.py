"""documents.0007 and 0008: one 代字 per 发文字号 series of a region, in the database too. Duplicates stored before
the check are merged into the region's shared series where that changes no 文号; the others stop the migration,
named. Run on PostgreSQL too: there the merge's updates and the constraint cannot share one transaction."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from jixiao.documents.models import DocType, DocumentSeries, DocumentStatus, OfficialDocument
from jixiao.organizations.tests.factories import FiscalRegionFactory

BEFORE = ("documents", "0006_series_version")
migration = importlib.import_module("jixiao.documents.migrations.0007_series_abbrev_merge")


def _series(region: object, doc_type: str, abbrev: str) -> DocumentSeries:
    return DocumentSeries.objects.create(region=region, doc_type=doc_type, abbrev=abbrev, issuer_name="渠县财政局")


def _doc(series: DocumentSeries, seq: int) -> OfficialDocument:
    return OfficialDocument.objects.create(
        doc_type=series.doc_type or DocType.RECTIFICATION_NOTICE,
        region=series.region,
        fiscal_year=2026,
        title=f"文书{seq}",
        status=DocumentStatus.ISSUED,
        series=series,
        doc_year=2026,
        doc_seq=seq,
        doc_no=series.number(2026, seq),
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_duplicate_abbreviations_are_merged_or_named_then_refused_by_the_database() -> None:
    MigrationExecutor(connection).migrate([BEFORE])
    region, other = FiscalRegionFactory(), FiscalRegionFactory()
    shared = _series(region, "", "渠财绩")
    _doc(shared, 1)
    twin = _series(region, DocType.REMINDER_LETTER, "渠财绩")  # saved before the check: numbers 渠财绩 too
    moved = _doc(twin, 2)
    # Another region: two per-type series share a 代字 and both handed out 〔2026〕1号 — a person must choose.
    first = _series(other, DocType.REMINDER_LETTER, "宣财督")
    second = _series(other, DocType.OPINION_LETTER, "宣财督")
    _doc(first, 1)
    _doc(second, 1)
    with pytest.raises(RuntimeError, match="宣财督") as refused, transaction.atomic():
        migration.merge_duplicate_abbrevs(apps, None)
    assert "请在“发文字号”页面为其中一个改用其他代字" in str(refused.value)
    assert DocumentSeries.objects.filter(pk=twin.pk).exists()  # nothing merged by a refused run
    DocumentSeries.objects.filter(pk=second.pk).update(abbrev="宣财意")  # what the bureau does on the page
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not DocumentSeries.objects.filter(pk=twin.pk).exists()
    moved.refresh_from_db()
    assert moved.series_id == shared.pk and moved.doc_no == "渠财绩〔2026〕2号"  # the 文号 text is unchanged
    assert DocumentSeries.objects.filter(region=other).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        _series(region, DocType.OPINION_LETTER, "渠财绩")
