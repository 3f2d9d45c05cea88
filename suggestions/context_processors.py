from .selectors import calendar_missing_years

# What entering a year's official calendar takes in the admin (README "Official holiday
# calendar"): its rest and 调休 days, then the year itself.
CALENDAR_PERMISSIONS = ("suggestions.add_calendarday", "suggestions.add_calendaryear")


def can_enter_calendar(user) -> bool:
    """Staff who can fix a missing calendar: admin access and the rights to enter it."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perms(CALENDAR_PERMISSIONS)
    )


def calendar_warning(request):
    """Those who can enter it see, on every page, which upcoming years lack an official
    calendar, until the year is entered; nobody else is asked to do what they cannot."""
    if not can_enter_calendar(getattr(request, "user", None)):
        return {}
    return {"calendar_missing_years": calendar_missing_years()}
