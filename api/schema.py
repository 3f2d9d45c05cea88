"""OpenAPI generation: every operation documents the error body of api.exceptions."""

from drf_spectacular.openapi import AutoSchema

from .serializers import ErrorBodySerializer

ERRORS = {
    "400": "输入不正确(field 指出字段)",
    "401": "未登录或令牌无效",
    "403": "无权进行此操作",
    "404": "对象不存在,或无权查看",
    "409": "当前状态不允许此操作",
    "429": "请求过于频繁",
}
WRITE_ONLY = {"409"}


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERRORS.items():
            if code in responses or (code in WRITE_ONLY and self.method == "GET"):
                continue
            response = self._get_response_for_code(ErrorBodySerializer, code, direction=direction)
            response["description"] = description
            responses[code] = response
        return responses
