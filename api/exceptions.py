"""One error shape for every refused request:

    {"errors": [{"field": "title" | null, "code": "required", "message": "中文说明"}]}

Validation errors name their field (dotted for nested input: "units.0.role"); workflow
refusals carry the workflow's own code and message: 403 for NotPermitted, 409 for
InvalidTransition. A body over Django's size limits is 400 `request_too_large`. What Django
itself answers under /api/ (no such URL, a server error) takes the same shape through the
error handlers in congress/urls.py (`django_error`).
"""

import logging
import math

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from suggestions import workflow

# Our own wording: DRF's defaults are partly English (CSRF) or vague.
MESSAGES = {
    "not_authenticated": "未登录或未提供接口令牌",
    "permission_denied": "您没有执行该操作的权限",
    "not_found": "未找到该对象,或您无权查看",
    "parse_error": "请求内容格式不正确",
    "unsupported_media_type": "不支持的请求内容类型,请使用 application/json",
    "not_acceptable": "无法提供所要求的响应格式",
    "csrf_failed": "CSRF 校验失败,请刷新页面后重试",
    "bad_request": "请求无效",
    "server_error": "服务器内部错误,请稍后重试;问题已记录",
}

logger = logging.getLogger(__name__)

# Pages that live under /api/ but are HTML: their errors stay pages.
HTML_PAGES = ("/api/tokens/", "/api/docs/")


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") and not path.startswith(HTML_PAGES)


def _error(field, code, message) -> dict:
    return {"field": field, "code": str(code), "message": str(message)}


def _flatten(detail, field=None) -> list[dict]:
    """ValidationError detail (nested dicts and lists) → one entry per message."""
    if isinstance(detail, dict):
        errors = []
        for name, value in detail.items():
            name = None if name == "non_field_errors" else str(name)
            errors += _flatten(
                value, name if field is None else f"{field}.{name}" if name else field
            )
        return errors
    if isinstance(detail, list):
        errors = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                errors += _flatten(value, f"{field}.{index}" if field else str(index))
            else:
                errors += _flatten(value, field)
        return errors
    return [_error(field, getattr(detail, "code", "invalid"), detail)]


def _too_large(exc) -> str:
    if isinstance(exc, TooManyFieldsSent):
        return f"请求字段过多(上限 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个)"
    if isinstance(exc, TooManyFilesSent):
        return f"上传文件过多(上限 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个)"
    return f"请求内容过大(上限 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB)"


def _throttled_instead(context) -> exceptions.Throttled | None:
    """DRF checks throttles after authentication and permissions, so a refused request was
    never counted and an anonymous flood never met the anonymous rate: count it here, and
    answer 429 rather than 401 once the rate is spent."""
    view, request = context.get("view"), context.get("request")
    if view is None or request is None:
        return None
    try:
        view.check_throttles(request)
    except exceptions.Throttled as throttled:
        return throttled
    return None


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        request = context.get("request")
        logger.warning("refused %s: %s", request.path if request else "?", exc)
        body = {"errors": [_error(None, "request_too_large", _too_large(exc))]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        exc = _throttled_instead(context) or exc
    if isinstance(exc, workflow.WorkflowError):
        set_rollback()
        code = (
            status.HTTP_403_FORBIDDEN
            if isinstance(exc, workflow.NotPermitted)
            else status.HTTP_409_CONFLICT
        )
        return Response({"errors": [_error(None, exc.code, exc.message)]}, status=code)

    # Django's own exceptions (from suggestions.access) become DRF's, so their codes are known.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handling and logging
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    else:
        errors = [_one(exc, context)]
    response.data = {"errors": errors}
    return response


def _one(exc, context) -> dict:
    detail = getattr(exc, "detail", "")
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.Throttled):
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        message = (
            f"请求过于频繁,请在 {wait} 秒后重试" if wait is not None else "请求过于频繁,请稍后重试"
        )
        return _error(None, "throttled", message)
    if isinstance(exc, exceptions.MethodNotAllowed):
        request = context.get("request")
        method = request.method if request is not None else ""
        return _error(None, "method_not_allowed", f"该地址不支持 {method} 请求")
    if code == "permission_denied" and str(detail).startswith("CSRF Failed"):
        code = "csrf_failed"
    if isinstance(exc, exceptions.AuthenticationFailed) and code == "authentication_failed":
        return _error(None, code, "身份验证失败")
    return _error(None, code, MESSAGES.get(code, str(detail)))


_DJANGO_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    500: "server_error",
}


def django_error(status_code: int, exception=None) -> JsonResponse:
    """What Django answers itself under /api/ (no URL matched, a body over the limits outside
    a view, an unhandled exception), in the API's shape. Django has already logged it
    (django.request, django.security), a server error with its traceback."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        error = _error(None, "request_too_large", _too_large(exception))
    else:
        code = _DJANGO_CODES[status_code]
        error = _error(None, code, MESSAGES[code])
    return JsonResponse(
        {"errors": [error]}, status=status_code, json_dumps_params={"ensure_ascii": False}
    )
