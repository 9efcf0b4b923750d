from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.core import todos
from jixiao.core.views_helpers import capability_required

# Stages not built yet: each page says what is coming, so nobody mistakes a placeholder for a feature.
STAGES: dict[str, tuple[str, str]] = {
    "monitoring": ("绩效运行监控", "预算执行与绩效目标“双监控”、预警与处置。"),
    "evaluations": ("绩效评价", "单位自评、财政抽评（再评价）、真实性核查与重点评价。"),
    "results": ("结果应用与整改", "评价结果与预算安排挂钩、整改通知书及“两书一函”。"),
    "rectification": ("问题整改", "整改通知、单位反馈、审核销号与逾期督办。"),
    "documents": ("文书与通报", "整改通知书、约谈通知书、提醒敦促函、意见书与结果通报。"),
    "disclosure": ("信息公开", "绩效目标、自评结果和评价报告的公开。"),
    "appraisals": ("绩效考核", "对部门、乡镇的预算绩效管理工作考核。"),
    "reports": ("统计分析", "全流程统计报表和年度工作总结报告。"),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"todos": todos.for_user(request.user)})


@capability_required("stage.view")
def stage(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in STAGES:
        raise Http404
    title, description = STAGES[slug]
    return render(request, "core/stage.html", {"title": title, "description": description})
