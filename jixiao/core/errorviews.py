"""Error pages in Chinese, without stack traces or internals (SECURITY E07).

A page of the public site (信息公开, no login, mounted at the `public` URL namespace) answers in that site's own
layout, with wording for a visitor and a link back to the site's first page: the internal page's “不在您的管理范围内”
and its “返回首页” (the login page) mean nothing to someone reading published information."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import NoReverseMatch, reverse

PUBLIC_MESSAGES = {
    400: "请求的地址有误，请返回公开网站首页重新查找。",
    403: "该页面不对外公开。",
    404: "您访问的页面不存在，或相关信息尚未公开、已撤回。",
    500: "网站处理时出现错误，请稍后重试。",
}


def _public_site_home(request: HttpRequest) -> str:
    """The public site's first page when the request is for the public site, else ""."""
    try:
        home = reverse("public:index")
    except NoReverseMatch:
        return ""
    return home if request.path.startswith(home) else ""


def _render(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    home = _public_site_home(request)
    if home:
        context = {"status": status, "title": title, "message": PUBLIC_MESSAGES.get(status, message), "home": home}
        template = loader.get_template("disclosure/public/error.html")
        return HttpResponse(template.render(context, request), status=status)
    template = loader.get_template("core/error.html")
    return HttpResponse(template.render({"status": status, "title": title, "message": message}, request), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400, "请求无效", "提交的内容有误，请返回检查后重试。")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403, "没有权限", "您当前的身份无权访问此页面。如需访问，请联系安全管理员授权。")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # An address the API does not have (a list-only endpoint's /5/, a mistyped name): JSON like every API
        # answer, in the words of the endpoints' own 404, not the HTML page a client cannot read.
        return JsonResponse({"detail": "未找到。"}, status=404, json_dumps_params={"ensure_ascii": False})
    return _render(request, 404, "页面不存在", "您访问的页面或数据不存在，或不在您的管理范围内。")


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, 500, "系统错误", "系统处理时出现错误，已记录。请稍后重试或联系系统管理员。")
