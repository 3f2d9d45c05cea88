"""/plans/ — 预交办 plans (staff; leaders read). The units' page lives under /inbox/plans/."""

from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/items/<int:item_pk>/units/", views.plan_item_units, name="item_units"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.plan_item_remove, name="item_remove"),
    path("<int:pk>/publish/", views.plan_publish, name="publish"),
    path("<int:pk>/assign/", views.plan_assign, name="assign"),
]
