from .selectors import calendar_missing_years


def calendar_warning(request):
    """Staff and admins see, on every page, which upcoming years lack an official calendar."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or not (user.is_committee_staff or user.is_superuser):
        return {}
    return {"calendar_missing_years": calendar_missing_years()}
