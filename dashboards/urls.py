from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("key/", views.key_board, name="key"),
    path("lower/", views.lower, name="lower"),
    path("lower/<slug:code>/", views.lower_detail, name="lower_detail"),
    path("report/", views.report_page, name="report"),
    path("report.docx", views.report_docx, name="report_docx"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
]
