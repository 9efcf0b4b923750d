"""Chinese names of audit event codes (`AuditEvent.event_type`, "module.action"), for every page that shows a trail.

An event code is stable data written by the services; readers (the 审计管理员's console, each object's 操作记录)
see "项目库：提交" instead of "project.submit". A workflow action takes its label from the workflow table that
defines it (`core.workflow.REGISTRY`), so a new transition is named without touching this file; other actions are
named below. `tests/test_audit_labels.py` checks that every code the services write has a Chinese name.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jixiao.core.workflow import REGISTRY

# prefix → (the module's name, the app whose workflow table names its transitions)
MODULES: dict[str, tuple[str, str]] = {
    "agency": ("第三方机构", "experts"),
    "alerts": ("预警", "alerts"),
    "appraisal": ("绩效考核", "appraisals"),
    "audit": ("审计日志", ""),
    "auth": ("登录认证", ""),
    "authz": ("访问控制", ""),
    "bulletins": ("绩效通报", "bulletins"),
    "demo": ("演示数据", ""),
    "department": ("主管部门", ""),
    "disclosure": ("信息公开", "disclosure"),
    "documents": ("文书", "documents"),
    "engagement": ("第三方委托", ""),
    "evaluation": ("绩效评价", "evaluation"),
    "execution": ("预算执行", ""),
    "expert": ("专家库", ""),
    "fiscal_year": ("财政年度", ""),
    "indicator": ("指标库", "indicators"),
    "inspection": ("季度检查", ""),
    "job": ("后台任务", ""),
    "keyeval": ("重点绩效评价", "keyeval"),
    "membership": ("用户身份", ""),
    "monitoring": ("绩效监控", "monitoring"),
    "payment": ("支付数据", ""),
    "preassessment": ("事前绩效评估", "preassessment"),
    "project": ("项目库", "projects"),
    "rectification": ("整改", "rectification"),
    "region": ("财政区划", ""),
    "regulation": ("制度办法", ""),
    "reports": ("统计报告", ""),
    "results": ("结果应用", "results"),
    "section": ("财政股室", ""),
    "security": ("安全", ""),
    "target": ("绩效目标", "targets"),
    "training": ("培训", ""),
    "unit": ("预算单位", ""),
    "user": ("用户", ""),
}

ACTIONS: dict[str, str] = {
    "abandoned": "中断关闭",
    "accept": "采纳建议",
    "accept_revision": "确认修改",
    "adjustment_export": "导出预算调整登记",
    "agency_assign": "委托第三方机构",
    "agency_review": "第三方机构评审",
    "agency_scorers": "设置机构评分人",
    "analysis_export": "导出执行分析",
    "annual_edit": "修改年度报告",
    "annual_export": "导出年度报告",
    "annual_finalize": "年度报告定稿",
    "annual_generate": "生成年度报告",
    "approve": "批复",
    "archive": "归档",
    "attachment_add": "上传附件",
    "attachment_delete": "删除附件",
    "attachment_download": "下载附件",
    "authenticity_create": "新建真实性核查",
    "authenticity_delete": "删除未抽取的真实性核查",
    "authenticity_designate": "按上级指定确定核查项目",
    "authenticity_draw": "抽取核查样本",
    "authenticity_finding": "登记核查发现",
    "authenticity_finish": "完成真实性核查",
    "bulk_publish": "批量公开",
    "bulletin": "下载监控通报",
    "calendar_delete": "删除工作日历",
    "calendar_save": "保存工作日历",
    "cancel": "取消",
    "coverage_export": "导出检查覆盖情况",
    "case_create": "设为指标案例",
    "case_decide": "预警处置决定",
    "case_delete": "移出指标案例库",
    "case_escalate": "预警升级",
    "case_respond": "预警反馈",
    "case_update": "修改指标案例",
    "change": "调整建议",
    "check_rule": "保存审核规则",
    "close": "办结",
    "comment": "审核意见",
    "conclude": "形成评估结论",
    "contact_view": "查看联系方式",
    "create": "新建",
    "delete": "删除",
    "denied": "拒绝访问",
    "deliverable_add": "上传成果",
    "deliverable_download": "下载成果",
    "disable": "停用",
    "discard": "删除草稿",
    "document_add": "上传文档",
    "document_download": "下载文档",
    "docx_download": "下载Word",
    "download": "下载",
    "draft": "起草",
    "enable": "启用",
    "eval_score": "评分",
    "evidence_add": "上传佐证材料",
    "evidence_delete": "删除佐证材料",
    "evidence_download": "下载佐证材料",
    "execution_refresh": "更新支付数据执行数",
    "expert_draw": "抽取专家",
    "expert_score": "专家评分",
    "export": "导出",
    "export_declaration": "导出申报表",
    "export_flat": "导出目标明细",
    "feedback": "反馈",
    "feedback_download": "下载反馈材料",
    "file_add": "上传制度文件",
    "file_delete": "删除制度文件",
    "file_download": "下载制度文件",
    "finding_create": "登记问题",
    "framework_choice": "选择指标体系",
    "fund_adjustment": "调整资金",
    "fund_adjustment_delete": "撤销预算调整登记",
    "generate": "生成",
    "grant": "授予身份",
    "history_record": "记录历史值",
    "idle_funds_export": "导出存量资金清理表",
    "idle_funds_recover": "收回存量资金",
    "import": "导入",
    "indicators": "保存指标",
    "interview_issue": "下达约谈",
    "issue": "下达",
    "issue_outcomes": "下达考核结果",
    "joint_review": "联合审核",
    "joint_rule_save": "修改联合审核设置",
    "letter_download": "下载整改文书",
    "letter_interview": "生成约谈通知书",
    "letter_notice": "生成整改通知书",
    "letter_reminder": "生成提醒敦促函",
    "link": "关联下年度项目",
    "locked": "账号锁定",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "material_add": "上传培训材料",
    "material_delete": "删除培训材料",
    "material_download": "下载培训材料",
    "node_delete": "删除考核指标",
    "node_save": "保存考核指标",
    "open": "开启",
    "opinion_download": "下载评审意见",
    "opinion_save": "保存处理意见",
    "panel_assign": "指定会审专家",
    "panel_confirm": "确认评审组",
    "panel_conflict": "专家回避",
    "panel_create": "组建评审组",
    "panel_done": "会审完成",
    "panel_draw": "抽取评审专家",
    "panel_force_close": "结束会审",
    "panel_remove": "移除会审专家",
    "panel_submit": "提交会审意见",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "payment_resume": "恢复拨付",
    "perf_approve": "绩效股审核通过",
    "policy_update": "修改安全策略",
    "print": "打印",
    "propose": "申报新指标",
    "publish": "公开",
    "quality_review": "质量评价",
    "quality_settings": "保存执业质量核查设置",
    "query": "查询",
    "rank": "排名",
    "rate_limited": "请求过于频繁",
    "read": "签收",
    "record_import": "导入监控表",
    "record_save": "保存监控表",
    "reeval_assign": "分配再评价任务",
    "reeval_circular": "生成再评价结果通报",
    "reeval_create": "新建再评价批次",
    "reeval_delete": "删除未抽取的再评价批次",
    "reeval_draw": "抽取再评价样本",
    "reeval_export": "导出再评价结果",
    "reeval_file_download": "下载再评价材料",
    "reeval_finish": "完成再评价",
    "reeval_rescore": "再评价评分",
    "refresh": "刷新数据",
    "regulations_link": "关联据评价结果出台或修订的制度办法",
    "remind": "发送提醒",
    "reminders": "发送填报提醒",
    "record_export": "导出监控表",
    "reopen": "重新开启",
    "report_download": "下载报告",
    "report_file_add": "上传整改报告",
    "report_file_download": "下载整改报告",
    "review_settings": "保存目标审核评分设置",
    "revoke": "撤销身份",
    "rule_override": "修改本地预警规则",
    "rule_save": "保存规则",
    "rule_update": "修改预警规则",
    "score_submit": "提交评分",
    "scorer_add": "添加评分人",
    "self_score": "自评打分",
    "selfeval_check": "自评校验",
    "selfeval_export": "导出自评表",
    "selfeval_import": "导入自评表",
    "selfeval_override": "调整自评结果",
    "selfeval_regenerate": "按调整后的绩效目标重新生成自评表",
    "selfeval_save": "保存自评表",
    "selfeval_start": "启动单位自评",
    "selfeval_supplement": "补充生成自评表",
    "series_save": "保存文号规则",
    "session_expired": "会话超时",
    "session_replaced": "会话被新登录替代",
    "set_current": "设为当前年度",
    "set_outcome": "确定考核结果",
    "set_supported_amount": "确认事前评估支持金额",
    "setting_save": "保存预警参数",
    "settings": "保存公开设置",
    "settings_save": "保存设置",
    "start": "启动",
    "status": "更新状态",
    "suspend": "暂停",
    "sweep": "定时检查",
    "switch": "切换身份",
    "task_close": "关闭监控任务",
    "task_create": "新建监控任务",
    "task_delete": "删除监控任务",
    "task_issue": "下达监控任务",
    "tasks": "下达填报任务",
    "template_copy": "复制考核模板",
    "template_import": "导入考核模板",
    "task_export": "导出监控填报汇总",
    "template_reset": "恢复默认模板",
    "template_save": "保存模板",
    "template_update": "修改模板",
    "tier_rule_save": "保存监控层级规则",
    "tier_select": "选择分级",
    "tier_set": "设置分级",
    "totp_disabled": "停用双因素认证",
    "totp_enrolled": "启用双因素认证",
    "totp_failed": "双因素认证失败",
    "unlock": "解锁账号",
    "update": "修改",
    "upload_virus": "上传文件被拦截",
    "upper_check_download": "下载上级核查资料包",
    "upper_check_forward": "报送上级",
    "upper_evidence_add": "上传印证资料",
    "upper_evidence_delete": "删除印证资料",
    "upper_evidence_download": "下载印证资料",
}

# Transitions written with a head before the workflow's action: (prefix, head) → (the module's name instead, if
# any; words before the action's label). "evaluation.selfeval_submit" is "单位自评：提交自评",
# "disclosure.bulk_publish" is "信息公开：批量公开".
PREFIXED = {
    ("evaluation", "selfeval_"): ("单位自评", ""),
    ("evaluation", "selfeval.bulk_"): ("单位自评", "批量"),  # core.bulk's event of the 单位自评 list
    **{(prefix, "bulk_"): ("", "批量") for prefix in ("disclosure", "project", "target", "monitoring", "evaluation")},
}
# An action whose name one module uses for something else than the rest ("task_create" is a 监控任务 elsewhere).
OWN_ACTIONS = {
    ("appraisal", "task_create"): "下达考核任务",
    ("appraisal", "task_deadlines"): "修改考核截止日期",
}


@cache
def _workflow_actions() -> dict[tuple[str, str], str]:
    """(app, action) → the label of that action in the app's workflow table (the first row that has it)."""
    for config in apps.get_app_configs():  # each table registers itself when its module is imported
        if config.name.startswith("jixiao.") and importlib.util.find_spec(f"{config.name}.workflow") is not None:
            importlib.import_module(f"{config.name}.workflow")
    found: dict[tuple[str, str], str] = {}
    for workflow in REGISTRY:
        app = workflow.module.split(".")[1] if workflow.module.count(".") >= 2 else ""
        for transition in workflow.transitions:
            found.setdefault((app, transition.action), transition.label)
    return found


def _named(prefix: str, action: str) -> tuple[str, str | None]:
    """(the module's name, the action's name or None) of an event code's two parts."""
    module, app = MODULES[prefix]
    workflow = _workflow_actions()
    label = OWN_ACTIONS.get((prefix, action)) or (workflow.get((app, action)) if app else None)
    for (head_prefix, head), (subject, words) in PREFIXED.items():
        if label is None and prefix == head_prefix and action.startswith(head):
            inner = workflow.get((app, action.removeprefix(head)))
            if inner:
                label, module = f"{words}{inner}", subject or module
    return module, label or ACTIONS.get(action)


def event_label(code: str) -> str:
    """The name of an event code, "项目库：提交审核" for "project.submit"; the code itself when it is not known."""
    prefix, _, action = str(code).partition(".")
    if prefix not in MODULES or not action:
        return str(code)
    module, label = _named(prefix, action)
    return f"{module}：{label}" if label else str(code)


def action_label(prefix: str, action: str) -> str:
    """The name of one action of a module ("提交审核" for "project", "submit"), for a timeline already inside that
    module; the code itself when it is not known."""
    label = _named(prefix, action)[1] if prefix in MODULES else None
    return label or action


def module_options() -> list[tuple[str, str]]:
    """(prefix, module name) of every event module, by prefix: the audit console's 事件类型 box suggests them (its
    filter matches codes starting with what is typed, so "auth" finds every 登录认证 event)."""
    return sorted((prefix, name) for prefix, (name, _app) in MODULES.items())


@cache
def object_type_options() -> list[tuple[str, str]]:
    """(object type, the model's Chinese name) of every Jixiao model, by code: the 对象类型 box suggests them."""
    found = {
        model._meta.label_lower: str(model._meta.verbose_name)
        for model in apps.get_models()
        if model.__module__.startswith("jixiao.")
    }
    found[get_user_model()._meta.label_lower] = str(get_user_model()._meta.verbose_name)
    return sorted(found.items())


def _model(object_type: str) -> Any:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_label(object_type: str) -> str:
    """The model's Chinese name ("文书" for "documents.officialdocument"); the code when it is not a model."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    prefix = str(object_type).partition(".")[0]  # not a model ("project.export" of a list export): its module
    return MODULES[prefix][0] if prefix in MODULES else str(object_type)


def _field(model: Any, code: Any) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(str(code))
    except FieldDoesNotExist:
        return None


def _field_name(field: Any, code: Any) -> str:
    return str(getattr(field, "verbose_name", "") or code)


Names = dict[tuple[Any, str], str]  # (related model, id) → the row's name, read for a whole page at once


def _value(field: Any, value: Any, model: Any = None, names: Names | None = None) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        if field is None:  # a group of the model's fields recorded together ("before": {...})
            parts = []
            for key, item in value.items():
                inner = _field(model, key)
                parts.append(f"{_field_name(inner, key)}：{_value(inner, item, names=names)}")
        else:  # a JSON field's own value (a rule's parameters): its keys as they are
            parts = [f"{key}：{_value(None, item)}" for key, item in value.items()]
        return "；".join(parts) or "（空）"
    if isinstance(value, list):
        return "、".join(_value(None, item, model, names) for item in value) or "（空）"
    if field is not None and getattr(field, "flatchoices", None):
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return str(label)
    if names and _is_foreign_key(field) and (field.related_model, str(value)) in names:
        # A foreign key is recorded as its id ("实施单位：（空） → 142"): the row's name, the id when it is gone.
        return names[(field.related_model, str(value))]
    try:
        moment = parse_datetime(value) if isinstance(value, str) and ISO_MOMENT.match(value) else None
    except ValueError:  # shaped like a moment, yet not one ("2026-13-45T…")
        moment = None
    if moment is not None:
        return f"{timezone.localtime(moment) if timezone.is_aware(moment) else moment:%Y-%m-%d %H:%M}"
    return str(value)


def _is_foreign_key(field: Any) -> bool:
    return field is not None and bool(getattr(field, "many_to_one", False))


ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _pairs(changes: Any) -> list[tuple[str, Any, Any]]:
    if not isinstance(changes, dict):
        return []
    return [
        (str(code), *([*pair, None, None][:2] if isinstance(pair, list | tuple) else (None, pair)))
        for code, pair in changes.items()
    ]


BATCH_IDS = "ids"


def change_rows(object_type: str, changes: Any, names: Names | None = None) -> list[tuple[str, str, str, str]]:
    """(field name, field code, old, new) of an event's `changes` ({field: [old, new]}), in Chinese where the model
    knows the field: its verbose name, choice labels, 是/否, （空） for nothing, minutes for moments, and the names
    of linked rows when `names` holds them (`with_change_rows`). A batch's list of ids is one row with no old
    value (old is "")."""
    model = _model(object_type)
    rows = []
    for code, old, new in _pairs(changes):
        field = _field(model, code)
        if code == BATCH_IDS and field is None and isinstance(changes[code], list):
            # A batch's ids (core.bulk: {"ids": [...], "status": [old, new]}): the records it moved, not a change
            # from its first id to its second (“ids：203 → 204”). No old value: pages show “name：new”.
            ids = changes[code]
            rows.append(("批量办理的记录ID", code, "", f"{'、'.join(str(i) for i in ids)}（共{len(ids)}条）"))
            continue
        before, after = _value(field, old, model, names), _value(field, new, model, names)
        if before == after == "（空）":
            continue  # nothing both ways (NULL and "" on a record's creation): no change a reader can see
        rows.append((_field_name(field, code), code, before, after))
    return rows


def with_change_rows(events: Iterable[Any]) -> list[Any]:
    """The events with `change_list`, their `change_rows` with linked rows named: one query per linked model for the
    whole page, not one per value."""
    events = list(events)
    wanted: dict[Any, set[str]] = {}
    for event in events:
        model = _model(event.object_type)
        for code, old, new in _pairs(event.changes):
            fields = [(_field(model, code), value) for value in (old, new)]
            groups = [value for _f, value in fields if _f is None and isinstance(value, dict)]
            fields += [(_field(model, key), item) for group in groups for key, item in group.items()]
            for field, value in fields:
                if _is_foreign_key(field) and str(value).isdigit():
                    wanted.setdefault(field.related_model, set()).add(str(value))
    names: Names = {}
    for related, ids in wanted.items():
        for pk, row in related._default_manager.in_bulk([int(i) for i in ids]).items():
            names[(related, str(pk))] = str(row)
    for event in events:
        event.change_list = change_rows(event.object_type, event.changes, names)
    return events


def with_actor_names(events: Iterable[Any]) -> list[Any]:
    """The events with `actor_label`: the person's name beside the login the trail records (刘芳（edu_unit）), read
    in one query for the page; the login alone when the user has no name or is gone."""
    events = list(events)
    ids = {event.actor_id for event in events if event.actor_id}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "display_name")) if ids else {}
    for event in events:
        name = names.get(event.actor_id) or ""
        event.actor_label = f"{name}（{event.actor_name}）" if name and name != event.actor_name else event.actor_name
    return events


def for_trail(events: Iterable[Any]) -> list[Any]:
    """A page of a record's 修改历史: changes in Chinese with linked rows named, and who did it by name."""
    return with_actor_names(with_change_rows(events))
