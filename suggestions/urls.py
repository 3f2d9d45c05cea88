"""The portal's pages, one list per area; congress/urls.py mounts each under its prefix."""

from django.urls import path

from planning import views as planning_views

from . import deputy_views, public_views, review_views, unit_views, views

app_name = "suggestions"

# /suggestions/ — committee staff (leaders read)
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
    path("<int:pk>/forward/", views.suggestion_forward, name="forward"),
    path("<int:pk>/replies/<int:reply_pk>/feedback/", views.feedback_entry, name="feedback"),
    path(
        "<int:pk>/co-opinions/<int:assignment_pk>/waive/",
        views.co_opinion_waive,
        name="waive_opinion",
    ),
    path(
        "<int:pk>/deliveries/<int:delivery_pk>/feedback/",
        views.delivery_feedback_entry,
        name="delivery_feedback",
    ),
    path(
        "<int:pk>/co-signers/<int:co_signature_pk>/confirm/",
        views.co_signer_confirm,
        name="co_signer_confirm",
    ),
]

# /inbox/ — handling units
inbox_patterns = [
    path("", unit_views.inbox, name="inbox"),
    path("export/", unit_views.inbox_export, name="export"),
    path("plans/", planning_views.unit_plans, name="plans"),
    path("plans/<int:pk>/answer/", planning_views.unit_plan_answer, name="plan_answer"),
    path("<int:pk>/", unit_views.assignment_detail, name="assignment"),
    path("<int:pk>/accept/", unit_views.assignment_accept, name="accept"),
    path("<int:pk>/<str:action>/", unit_views.assignment_detail, name="act"),
]

# /files/ — attachments and printable letters, for whoever may see the assignment
file_patterns = [
    path("attachments/<int:pk>/", unit_views.attachment_download, name="attachment"),
    path("replies/<int:pk>/letter/", unit_views.reply_letter, name="reply_letter"),
    path("replies/<int:pk>/feedback-sheet/", unit_views.feedback_sheet, name="feedback_sheet"),
]

# /my/ — deputies
my_patterns = [
    path("", deputy_views.my_suggestions, name="list"),
    path("new/", deputy_views.my_new, name="new"),
    path("<int:pk>/submit/", deputy_views.my_submit, name="submit"),
    path("replies/<int:pk>/feedback/", deputy_views.my_feedback, name="feedback"),
    path("deliveries/<int:pk>/", deputy_views.my_delivery, name="delivery"),
    path("co-signatures/<int:pk>/<str:decision>/", deputy_views.my_co_signature, name="co_sign"),
]

# /public/ — everyone, no login
public_patterns = [
    path("", public_views.public_replies, name="replies"),
]

# /replies/ — reviewers (staff, 督查室) and publication, DESIGN.md §8
reply_patterns = [
    path("review/", review_views.review_queue, name="review"),
    path("publications/", review_views.publications, name="publications"),
    path("<int:pk>/publish-day/", review_views.publish_day, name="publish_day"),
]
