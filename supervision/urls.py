from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("topics/", views.topic_list, name="topics"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("topics/<int:pk>/close/", views.topic_close, name="topic_close"),
    path("topics/<int:pk>/actions/new/", views.topic_action, name="topic_action"),
    path("topics/<int:pk>/report/", views.topic_report, name="report"),
    path("topics/<int:pk>/report.docx", views.topic_report_docx, name="report_docx"),
    path("topics/<int:pk>/suggestions.xlsx", views.topic_export, name="export"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("milestone-files/<int:pk>/", views.milestone_file, name="milestone_file"),
    path("suggestions/<int:pk>/actions/new/", views.suggestion_action, name="suggestion_action"),
    path("acknowledgements/<int:pk>/", views.acknowledge, name="acknowledge"),
]
