"""Django's error handlers (congress/urls.py): the API's paths answer in the API's JSON error
shape (api.exceptions), every other page with the Chinese templates 400/403/404/500.html."""

from django.views import defaults

from api import exceptions as api_errors


def bad_request(request, exception):
    if api_errors.is_api_path(request.path):
        return api_errors.django_error(400, exception)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if api_errors.is_api_path(request.path):
        return api_errors.django_error(403, exception)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if api_errors.is_api_path(request.path):
        return api_errors.django_error(404, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if api_errors.is_api_path(request.path):
        return api_errors.django_error(500)
    return defaults.server_error(request)
