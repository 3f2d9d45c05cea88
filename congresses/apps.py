from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CongressesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "congresses"
    verbose_name = "人大"

    def ready(self):
        from . import rls

        # Once per migrate (and per test flush), after every app's tables exist.
        post_migrate.connect(rls.install, sender=self, dispatch_uid="congresses.rls.install")
