import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congress.settings")

app = Celery("congress")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# kombu's filesystem transport needs its folders before the first publish or poll.
_options = app.conf.broker_transport_options or {}
for _key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
    if _options.get(_key):
        os.makedirs(_options[_key], exist_ok=True)
