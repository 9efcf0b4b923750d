"""Error pages in Chinese, without stack traces or internals (SECURITY E07)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader


def _render(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    template = loader.get_template("core/error.html")
    return HttpResponse(template.render({"status": status, "title": title, "message": message}, request), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400, "请求无效", "提交的内容有误，请返回检查后重试。")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403, "没有权限", "您当前的身份无权访问此页面。如需访问，请联系安全管理员授权。")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404, "页面不存在", "您访问的页面或数据不存在，或不在您的管理范围内。")


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, 500, "系统错误", "系统处理时出现错误，已记录。请稍后重试或联系系统管理员。")
