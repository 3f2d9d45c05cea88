from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Excel导入导出"
    default_auto_field = "django.db.models.BigAutoField"
