from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/edit/", views.round_edit, name="edit"),
    path("<int:pk>/ballot/", views.ballot, name="ballot"),
    path("<int:pk>/paper/", views.paper_ballot, name="paper"),
    path("<int:pk>/votes/", views.vote_counts, name="votes"),
    path("<int:pk>/<str:step>/", views.round_step, name="step"),
]

# /inbox/evaluation/ — a unit's own results
unit_patterns = [path("", views.unit_results, name="results")]
