from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="confirm"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="progress"),
    path("jobs/<int:pk>/errors.xlsx", views.job_errors, name="errors"),
    path("export/suggestions/", views.export_suggestions, name="export_suggestions"),
    path("export/deputies/", views.export_deputies, name="export_deputies"),
    path("export/units/", views.export_units, name="export_units"),
]
