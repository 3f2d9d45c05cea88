from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_create, name="create"),
    path("bulk/", views.bulk, name="bulk"),
    path("export/", views.export, name="export"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<str:kind>/<int:pk>/decide/", views.request_decide, name="decide"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
    path("<int:pk>/edit/", views.suggestion_edit, name="edit"),
    path("<int:pk>/register/", views.suggestion_register, name="register"),
    path("<int:pk>/reject/", views.suggestion_reject, name="reject"),
    path("<int:pk>/merge/", views.suggestion_merge, name="merge"),
    path("<int:pk>/assign/", views.suggestion_assign, name="assign"),
    path("<int:pk>/key/", views.suggestion_key, name="key"),
    path("<int:pk>/close/", views.suggestion_close, name="close"),
    path("<int:pk>/replies/<int:reply_pk>/feedback/", views.feedback_entry, name="feedback"),
]
