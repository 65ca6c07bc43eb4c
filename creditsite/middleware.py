"""Middleware of the site as a whole."""

from django.http import HttpResponseBadRequest

NUL = "\x00"


def has_nul(query_dict):
    return any(
        NUL in name or any(NUL in value for value in values) for name, values in query_dict.lists()
    )


class RefuseNulMiddleware:
    """Answer 400 to a request with a NUL character in its path, query, form, cookies or headers.

    No page needs one, and PostgreSQL refuses text containing it: without this, a NUL
    reaching a query (a search, a slug, a sign-in name, a session key, the user agent
    django-axes records) is a 500. Checked once here rather than in each form and view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path
            or has_nul(request.GET)
            or has_nul(request.POST)
            or any(NUL in name + value for name, value in request.COOKIES.items())
            or any(
                NUL in value
                for name, value in request.META.items()
                if name.startswith("HTTP_") and isinstance(value, str)
            )
        ):
            return HttpResponseBadRequest(
                "A request may not contain a NUL character.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
