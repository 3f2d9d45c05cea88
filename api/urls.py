from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from commitments import api as commitment_api
from evaluation import api as evaluation_api
from supervision import api as supervision_api

from . import pages, plans, views

app_name = "api"

v1 = [
    path("suggestions/", views.SuggestionList.as_view(), name="suggestions"),
    path("suggestions/express/", views.SuggestionExpress.as_view(), name="express"),
    path("suggestions/<int:pk>/", views.SuggestionDetail.as_view(), name="suggestion"),
    path("suggestions/<int:pk>/submit/", views.SuggestionSubmit.as_view()),
    path("suggestions/<int:pk>/withdraw/", views.SuggestionWithdraw.as_view()),
    path("suggestions/<int:pk>/register/", views.SuggestionRegister.as_view()),
    path("suggestions/<int:pk>/reject/", views.SuggestionReject.as_view()),
    path("suggestions/<int:pk>/merge/", views.SuggestionMerge.as_view()),
    path("suggestions/<int:pk>/assign/", views.SuggestionAssign.as_view()),
    path("suggestions/<int:pk>/key/", views.SuggestionKey.as_view()),
    path("suggestions/<int:pk>/close/", views.SuggestionClose.as_view()),
    path("suggestions/<int:pk>/forward/", views.SuggestionForward.as_view()),
    path("assignments/", views.AssignmentList.as_view(), name="assignments"),
    path("assignments/<int:pk>/", views.AssignmentDetail.as_view(), name="assignment"),
    path("assignments/<int:pk>/accept/", views.AssignmentAccept.as_view()),
    path(
        "assignments/<int:pk>/reassignment-requests/",
        views.AssignmentRequestReassignment.as_view(),
    ),
    path("assignments/<int:pk>/extension-requests/", views.AssignmentRequestExtension.as_view()),
    path("assignments/<int:pk>/opinions/", views.AssignmentOpinion.as_view()),
    path("assignments/<int:pk>/opinion-waiver/", views.AssignmentOpinionWaiver.as_view()),
    path("assignments/<int:pk>/contacts/", views.AssignmentContact.as_view()),
    path("assignments/<int:pk>/replies/", views.AssignmentReply.as_view()),
    path("contacts/", views.ContactList.as_view(), name="contacts"),
    path("replies/", views.ReplyList.as_view(), name="replies"),
    path("replies/<int:pk>/", views.ReplyDetail.as_view(), name="reply"),
    path("replies/<int:pk>/follow-up/", views.ReplyFollowUp.as_view()),
    path("replies/<int:pk>/publish-day/", views.ReplyPublishDay.as_view()),
    path("reply-drafts/", views.ReplyDraftList.as_view(), name="reply_drafts"),
    path("reply-drafts/<int:pk>/", views.ReplyDraftDetail.as_view(), name="reply_draft"),
    path("reply-drafts/<int:pk>/sign/", views.ReplyDraftSign.as_view()),
    path("reply-drafts/<int:pk>/release/", views.ReplyDraftRelease.as_view()),
    path("reply-drafts/<int:pk>/return/", views.ReplyDraftReturn.as_view()),
    path("replies/<int:pk>/feedback/", views.ReplyFeedback.as_view()),
    path("feedback/", views.FeedbackList.as_view(), name="feedback"),
    path("deliveries/<int:pk>/feedback/", views.DeliveryFeedback.as_view()),
    path("co-signatures/<int:pk>/confirm/", views.CoSignatureConfirm.as_view()),
    path("co-signatures/<int:pk>/decline/", views.CoSignatureDecline.as_view()),
    path(
        "reassignment-requests/",
        views.ReassignmentRequestList.as_view(),
        name="reassignment_requests",
    ),
    path("reassignment-requests/<int:pk>/decide/", views.ReassignmentDecide.as_view()),
    path("extension-requests/", views.ExtensionRequestList.as_view(), name="extension_requests"),
    path("extension-requests/<int:pk>/decide/", views.ExtensionDecide.as_view()),
    path("deputies/", views.DeputyList.as_view(), name="deputies"),
    path("deputies/<int:pk>/", views.DeputyDetail.as_view(), name="deputy"),
    path("units/", views.UnitList.as_view(), name="units"),
    path("units/<int:pk>/", views.UnitDetail.as_view(), name="unit"),
    path("categories/", views.CategoryList.as_view(), name="categories"),
    path("plans/", plans.PlanList.as_view(), name="plans"),
    path("plans/<int:pk>/", plans.PlanDetail.as_view(), name="plan"),
    path("plans/<int:pk>/items/<int:item_pk>/units/", plans.PlanItemUnits.as_view()),
    path("plans/<int:pk>/publish/", plans.PlanPublish.as_view()),
    path("plans/<int:pk>/assign/", plans.PlanAssign.as_view()),
    path("plan-proposals/", plans.PlanProposalList.as_view(), name="plan_proposals"),
    path("plan-proposals/<int:pk>/answer/", plans.PlanProposalAnswer.as_view()),
    path("figures/", views.Figures.as_view(), name="figures"),
    path("figures/units/", views.UnitFigures.as_view(), name="unit_figures"),
    path("figures/lower/", views.LowerFigures.as_view(), name="lower_figures"),
    # Supervision (supervision/api.py, DESIGN.md §9)
    path("topics/", supervision_api.TopicList.as_view(), name="topics"),
    path("topics/<int:pk>/", supervision_api.TopicDetail.as_view(), name="topic"),
    path("topics/<int:pk>/milestones/", supervision_api.TopicMilestone.as_view()),
    path(
        "supervision-actions/",
        supervision_api.ActionList.as_view(),
        name="supervision_actions",
    ),
    path(
        "supervision-actions/<int:pk>/",
        supervision_api.ActionDetail.as_view(),
        name="supervision_action",
    ),
    path("acknowledgements/<int:pk>/acknowledge/", supervision_api.Acknowledge.as_view()),
    path("evaluation/rounds/", evaluation_api.RoundList.as_view(), name="evaluation_rounds"),
    path(
        "evaluation/rounds/<int:pk>/",
        evaluation_api.RoundDetail.as_view(),
        name="evaluation_round",
    ),
    path("evaluation/rounds/<int:pk>/ballot/", evaluation_api.RoundBallot.as_view()),
    path("commitments/", commitment_api.CommitmentList.as_view(), name="commitments"),
]

urlpatterns = [
    *[path("v1/" + str(p.pattern), p.callback, name=p.name) for p in v1],
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
]
