from django.urls import path

from . import views

app_name = "commitments"

# /inbox/ledger/ — the units' commitments ledger (staff and leaders read every unit's)
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("reply/<int:reply_pk>/new/", views.commitment_new, name="new"),
    path("reply/<int:reply_pk>/follow-up/", views.follow_up, name="follow_up"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("<int:pk>/", views.commitment_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.note, name="act"),
]
