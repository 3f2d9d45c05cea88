"""Password rules with their messages in Chinese (Django's own length message is untranslated
in zh-hans for this wording)."""

from django.contrib.auth.password_validation import MinimumLengthValidator as Base
from django.core.exceptions import ValidationError


class MinimumLengthValidator(Base):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码长度太短。密码必须包含至少 {self.min_length} 个字符。",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return f"密码至少包含 {self.min_length} 个字符。"
