"""Every inbox row, reminder, text message and reminder claim made before congresses had a
column fell to the default congress (0004); here each takes its parent's congress: the
suggestion's (or its assignment's suggestion's, a plan's), else its recipient's. On a
single-congress deployment every row stays where it is."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def _of(model, path: str, ref: str):
    return Subquery(model.objects.filter(pk=OuterRef(ref)).values(path)[:1])


def fill_congress(apps, schema_editor):
    Suggestion = apps.get_model("suggestions", "Suggestion")
    Assignment = apps.get_model("suggestions", "Assignment")
    User = apps.get_model("accounts", "User")
    Plan = apps.get_model("planning", "AssignmentPlan")
    Notification = apps.get_model("notifications", "Notification")
    ReminderDelivery = apps.get_model("notifications", "ReminderDelivery")
    SmsMessage = apps.get_model("notifications", "SmsMessage")
    ReminderClaim = apps.get_model("notifications", "ReminderClaim")

    ReminderDelivery.objects.update(
        congress_id=_of(Assignment, "suggestion__congress_id", "assignment_id")
    )
    Notification.objects.filter(suggestion__isnull=False).update(
        congress_id=_of(Suggestion, "congress_id", "suggestion_id")
    )
    Notification.objects.filter(suggestion__isnull=True, assignment__isnull=False).update(
        congress_id=_of(Assignment, "suggestion__congress_id", "assignment_id")
    )
    Notification.objects.filter(suggestion__isnull=True, assignment__isnull=True).update(
        congress_id=_of(User, "congress_id", "recipient_id")
    )
    SmsMessage.objects.filter(delivery__isnull=False).update(
        congress_id=_of(ReminderDelivery, "congress_id", "delivery_id")
    )
    SmsMessage.objects.filter(delivery__isnull=True).update(
        congress_id=_of(User, "congress_id", "recipient_id")
    )
    ReminderClaim.objects.filter(suggestion__isnull=False).update(
        congress_id=_of(Suggestion, "congress_id", "suggestion_id")
    )
    # "plan:<id>:unit:<id>": the plan's congress (a handful of rows, read in Python).
    plans = dict(Plan.objects.values_list("pk", "congress_id"))
    for claim in ReminderClaim.objects.filter(suggestion__isnull=True, key__startswith="plan:"):
        plan_id = claim.key.split(":")[1]
        if plan_id.isdigit() and int(plan_id) in plans:
            ReminderClaim.objects.filter(pk=claim.pk).update(congress_id=plans[int(plan_id)])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_congress"),
        ("accounts", "0005_user_congress"),
        ("planning", "0002_congress"),
        ("suggestions", "0019_suggestion_congress"),
    ]

    operations = [migrations.RunPython(fill_congress, migrations.RunPython.noop)]
