"""Base models shared by every domain app, and the append-only audit trail."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from jixiao.core import audit_chain
from jixiao.core.fields import EncryptedTextField


@functools.lru_cache(maxsize=512)
def _choice_labels(field: models.Field[Any, Any], language: str | None) -> dict[Any, str]:
    """A field's choices as value → label text in one language (Django rebuilds this dict on every call)."""
    return {value: str(label) for value, label in field.flatchoices}


class TimeStampedModel(models.Model):
    """Row keys every business row carries (DOMAIN.md §0.3): who/when, soft delete, optimistic-lock version."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_deleted = models.BooleanField(_("已删除"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: Any) -> Any:  # noqa: N802 - Django's name, behind every get_<field>_display
        """`get_<field>_display` from a label dict built once per field and language: a list page calls it for
        every row and column, and Django's own version rebuilds the choices dict and translates it each time."""
        value = getattr(self, field.attname)
        try:
            return _choice_labels(field, translation.get_language()).get(value, value)
        except TypeError:  # an unhashable value: Django's own path
            return super()._get_FIELD_display(field)  # type: ignore[misc]


class WorkflowEvent(models.Model):
    """One step of a case's workflow: who did what and when, from which status to which, with what comment (the
    timeline on the case's page; the audit trail keeps its own record). Each app adds the key to its case and the
    status fields with its own choices, and overrides a field where its own differs."""

    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(_("角色"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=30)
    action_label = models.CharField(_("操作名称"), max_length=50, blank=True)
    comment = models.CharField(_("意见"), max_length=2000, blank=True)

    class Meta:
        abstract = True
        ordering = ["-occurred_at", "-id"]

    @classmethod
    def log(cls, actor: Any, *, action: str, label: str = "", comment: str = "", **fields: Any) -> Any:
        """Append one step: the acting user and their active role (a system step, with no signed-in actor, has
        neither), the label and the comment cut to the app's column length. `fields` are the app's own columns: the
        case key and from_status/to_status (and any other column the app's timeline has)."""
        person = actor if getattr(actor, "is_authenticated", False) else None
        names = {field.name for field in cls._meta.concrete_fields}
        if "actor_role" in names and "actor_role" not in fields:
            membership = getattr(person, "active_membership", None)
            fields["actor_role"] = membership.role if membership is not None else ""
        limit = getattr(cls._meta.get_field("comment"), "max_length", None) or 2000
        return cls._default_manager.create(
            actor=person, action=action, action_label=label[:50], comment=(comment or "")[:limit], **fields
        )


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEvent]:
        raise PermissionError("audit events are chained as they are added (AuditEvent.save, AuditEvent.append_all)")


class AuditChainHead(models.Model):
    """The one row that serialises appends to the audit chain and remembers its end (core.audit_chain).

    `seq`/`mac` are the last record's; `anchor_*` the last record archived and deleted (archive_audit), where the
    chain in the table starts. Writers lock this row (SELECT … FOR UPDATE) inside their transaction, so two writers
    never fork the chain; on SQLite the IMMEDIATE transaction mode serialises writers already.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(_("最后序号"), default=0)
    mac = models.CharField(_("最后MAC"), max_length=64, blank=True)
    anchor_seq = models.BigIntegerField(_("已归档至序号"), default=0)
    anchor_mac = models.CharField(_("已归档末条MAC"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"audit chain head #{self.seq}"

    @classmethod
    def locked(cls, using: str) -> AuditChainHead:
        """The head row, locked until the caller's transaction ends (created on first use after a flush)."""
        head = cls.objects.using(using).select_for_update().filter(pk=1).first()
        if head is not None:
            return head
        # No head (fresh flush): continue from the last record, if any, so the chain is never restarted.
        last = AuditEvent.objects.using(using).order_by("-seq").values("seq", "mac").first()
        cls.objects.using(using).get_or_create(
            pk=1, defaults={"seq": last["seq"] if last else 0, "mac": last["mac"] if last else ""}
        )
        return cls.objects.using(using).select_for_update().get(pk=1)


class AuditEvent(models.Model):
    """One append-only, HMAC-chained audit record (SECURITY.md §1.4).

    Actors are copied as text so no later change to a user rewrites history. `save` appends the record to the chain
    (core.audit_chain) inside the caller's transaction: if the audit write fails, the business action fails too.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        DENIED = "denied", _("拒绝")

    # Set when the record is appended (under the chain lock), unless given explicitly.
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("用户ID"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("用户"), max_length=150, blank=True)
    role = models.CharField(_("角色"), max_length=40, blank=True)
    organization = models.CharField(_("单位"), max_length=200, blank=True)
    # The materialised path of the fiscal region the actor acted in (a system step: its object's region), so an
    # audit administrator reads only their own region's trail; blank on records written before it existed.
    region_path = models.CharField(_("区划路径"), max_length=255, blank=True, db_index=True)
    ip = models.CharField(_("IP地址"), max_length=45, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=40, blank=True)
    event_type = models.CharField(_("事件类型"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    seq = models.BigIntegerField(_("序号"), unique=True, editable=False)
    prev_mac = models.CharField(_("前序MAC"), max_length=64, blank=True, editable=False)
    mac = models.CharField(_("MAC"), max_length=64, editable=False)
    key_id = models.CharField(_("密钥编号"), max_length=16, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.event_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            head = AuditChainHead.locked(using)
            self._chain_after(head)
            super().save(*args, **kwargs)
            head.save(using=using, update_fields=["seq", "mac"])

    @classmethod
    def append_all(cls, events: list[AuditEvent], using: str = "default") -> None:
        """Append new records in order, as `save` does one by one, under one lock of the chain head and with one
        multi-row INSERT (a nightly sweep records one event per county)."""
        if any(event.pk is not None for event in events):
            raise PermissionError("audit events are append-only")
        if not events:
            return
        with transaction.atomic(using=using):
            head = AuditChainHead.locked(using)
            for event in events:
                event._chain_after(head)
            # The queryset refuses bulk_create for anyone else: these records were just chained above.
            models.QuerySet.bulk_create(cls.objects.using(using), events)
            head.save(using=using, update_fields=["seq", "mac"])

    def _chain_after(self, head: AuditChainHead) -> None:
        """Number and sign this record as the successor of `head`, and move `head` (in memory) to it."""
        if self.occurred_at is None:
            self.occurred_at = timezone.now()
        self.changes = audit_chain.normalize_json(self.changes or {})
        self.seq, self.prev_mac = head.seq + 1, head.mac
        self.key_id, self.mac = audit_chain.sign(self.chain_fields(), self.prev_mac)
        head.seq, head.mac = self.seq, self.mac

    def chain_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in audit_chain.RECORD_FIELDS}

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


def job_file_path(instance: Job, filename: str) -> str:
    # Never the user's file name on disk: a generated name keeps paths safe and unguessable.
    suffix = "".join(c for c in filename.rsplit(".", 1)[-1].lower() if c.isalnum())[:8] if "." in filename else ""
    return f"jobs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{'.' + suffix if suffix else ''}"


class Job(models.Model):
    """A piece of background work (an import, an export, a sweep) run by a django-tasks worker (core.jobs).

    The owner sees its progress and downloads its result; nobody else does.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=60, db_index=True)
    title = models.CharField(_("任务"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.CASCADE, related_name="jobs"
    )
    # The fiscal region code (财政区划) the job works on; text so core stays free of domain apps.
    region_code = models.CharField(_("财政区划"), max_length=9, blank=True)
    callable_path = models.CharField(_("执行函数"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    task_id = models.CharField(_("任务队列ID"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress_done = models.PositiveBigIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveBigIntegerField(_("总数"), null=True, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    summary = models.JSONField(_("结果摘要"), default=list, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to=job_file_path, max_length=200, blank=True)
    result_name = models.CharField(_("结果文件名"), max_length=200, blank=True)
    error_file = models.FileField(_("错误报告"), upload_to=job_file_path, max_length=200, blank=True)
    # A page the job made (a generated bulletin or report): a site-relative URL the job page links to.
    result_url = models.CharField(_("结果页面"), max_length=200, blank=True)
    result_label = models.CharField(_("结果页面名称"), max_length=60, blank=True)
    error_name = models.CharField(_("错误报告文件名"), max_length=200, blank=True)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))


class SigningKey(models.Model):
    """A user's SM2 key pair for the software signing backend (jixiao.core.signatures), created at the first signature.

    The private key is SM4-GCM encrypted at rest. A production 密评 deployment keeps private keys in the signer's
    certified USB key or a 签名验签服务器 instead, behind the same backend interface, and this table stays empty.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="signing_key"
    )
    public_key = models.CharField(_("SM2公钥"), max_length=128)
    private_key = EncryptedTextField(_("SM2私钥（加密存储）"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")

    def __str__(self) -> str:
        return f"{self.user_id} {self.public_key[:16]}…"


class Signature(models.Model):
    """An SM2 signature over the canonical JSON of a submitted object (SECURITY.md §2.1 h, checklist G04).

    `spec` names the fields (and child rows) that were signed; verification rebuilds the payload from the current
    rows, so any later change to a signed value makes the signature invalid. Rows are never edited: a resubmission
    adds a new signature and the newest one is shown.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("对象类型"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("对象ID"), max_length=64)
    purpose = models.CharField(_("签名事项"), max_length=60)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签名人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer_name = models.CharField(_("签名人姓名"), max_length=150)
    spec = models.JSONField(_("签名范围"), default=dict)
    digest = models.CharField(_("SM3摘要"), max_length=64)
    signature = models.CharField(_("SM2签名"), max_length=128)
    public_key = models.CharField(_("SM2公钥"), max_length=128)
    uid = models.CharField(_("签名者标识"), max_length=64, default="1234567812345678")
    algorithm = models.CharField(_("算法"), max_length=20, default="SM2-SM3")
    signed_at = models.DateTimeField(_("签名时间"), default=timezone.now)

    class Meta:
        verbose_name = _("电子签名")
        verbose_name_plural = _("电子签名")
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "signed_at"])]

    def __str__(self) -> str:
        return f"{self.signer_name} {self.purpose} {self.signed_at:%Y-%m-%d %H:%M}"


def stored_file_path(instance: StoredFile, filename: str) -> str:
    # Never the uploaded name on disk (SECURITY.md F06): a generated name under the model's folder.
    suffix = "".join(c for c in filename.rsplit(".", 1)[-1].lower() if c.isalnum())[:8] if "." in filename else ""
    return f"{instance.storage_folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{'.' + suffix if suffix else ''}"


class StoredFile(models.Model):
    """An uploaded file kept under a generated name, with the name the uploader gave it, its size, its SHA-256 (so
    whoever checks it later can tell it is the very file that was submitted) and the uploader's 说明. Each app adds
    the key to its case (and, for evidence, the row the file supports); `core.uploads.store_files` fills the rest."""

    storage_folder = "files"

    file = models.FileField(_("文件"), upload_to=stored_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    size_bytes = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class FormSubmission(models.Model):
    """A register form's one-time token, used by its first POST (core.once): a double click on 登记 sends the same
    token twice, and the second request finds this row (the unique key) and is sent to the row the first made."""

    token = models.CharField(_("表单令牌"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    result_url = models.CharField(_("结果页面"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("已提交表单")
        verbose_name_plural = _("已提交表单")

    def __str__(self) -> str:
        return self.token
