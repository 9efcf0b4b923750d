"""批量开通账号 (系统管理员) and 批量授权 (安全管理员) from Excel workbooks, all or nothing.

The initial passwords of a 批量开通 exist only in the response to the upload: the page lists them and carries the
初始密码清单 workbook inline (a `data:` link), so nothing holding them is stored on the server, in the session or
in the database (docs/security.md).
"""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from jixiao.accounts import exports, selectors, services
from jixiao.accounts.forms import WorkbookUploadForm
from jixiao.accounts.imports import parse_grant_workbook, parse_user_workbook
from jixiao.core.spreadsheets import XLSX_CONTENT_TYPE
from jixiao.core.views_helpers import capability_required, import_errors_download, workbook_import, xlsx_response

USER_ERRORS_KEY = "jixiao_user_import_errors"
GRANT_ERRORS_KEY = "jixiao_membership_import_errors"


@capability_required("users.manage")
def user_import(request: HttpRequest) -> HttpResponse:
    def apply(rows: list[Any]) -> HttpResponse:
        created = services.users_import(actor=request.user, rows=rows)
        content = base64.b64encode(exports.initial_password_workbook(created)).decode("ascii")
        context = {
            "accounts": created,
            "download": f"data:{XLSX_CONTENT_TYPE};base64,{content}",
            "filename": f"初始密码清单-{timezone.localtime():%Y%m%d-%H%M}.xlsx",
        }
        return render(request, "accounts/user_import_done.html", context)

    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    return workbook_import(
        request,
        form,
        template="accounts/user_import.html",
        errors_key=USER_ERRORS_KEY,
        parse=parse_user_workbook,
        apply=apply,
        check=lambda rows: services.users_import_errors(actor=request.user, rows=rows),
    )


@capability_required("users.manage")
def user_import_errors(request: HttpRequest) -> HttpResponse:
    return import_errors_download(request, USER_ERRORS_KEY, "批量开通账号错误报告.xlsx")


@capability_required("users.manage")
def user_import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(exports.user_import_template(), "批量开通账号模板.xlsx")


@capability_required("roles.grant")
def membership_import(request: HttpRequest) -> HttpResponse:
    def apply(rows: list[Any]) -> HttpResponse:
        result = services.memberships_import(actor=request.user, rows=rows)
        text = f"批量授权成功：新授权{result['granted']}项"
        if result["existing"]:
            text += f"，{result['existing']}项已有相同授权未重复授予"
        messages.success(request, text)
        return redirect("accounts:membership_list")

    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    return workbook_import(
        request,
        form,
        template="accounts/membership_import.html",
        errors_key=GRANT_ERRORS_KEY,
        parse=parse_grant_workbook,
        apply=apply,
        check=lambda rows: services.memberships_import_errors(actor=request.user, rows=rows),
    )


@capability_required("roles.grant")
def membership_import_errors(request: HttpRequest) -> HttpResponse:
    return import_errors_download(request, GRANT_ERRORS_KEY, "批量授权错误报告.xlsx")


@capability_required("roles.grant")
def membership_import_template(request: HttpRequest) -> HttpResponse:
    region = request.user.active_membership.region  # type: ignore[union-attr]
    sections = selectors.sections_for_admin(actor=request.user)
    content = exports.grant_import_template(default_region=region, sections=sections)
    return xlsx_response(content, "批量授权模板.xlsx")
