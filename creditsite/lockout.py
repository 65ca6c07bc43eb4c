"""Sign-in lock-outs: per username and address, and per address across usernames."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class AddressAndUsernameHandler(AxesDatabaseHandler):
    """django-axes' database handler, holding an address to a failure limit of its own.

    AXES_LOCKOUT_PARAMETERS counts failures from the address (any username) and for the
    username from the address; django-axes would compare the larger count, always the
    address's, with one limit. get_failures() is what both its lock-out checks call (before
    the password is checked, and after a failure), so it is overridden to hold the address
    to LOGIN_ADDRESS_FAILURE_LIMIT and the username to AXES_FAILURE_LIMIT.
    """

    def get_failures(self, request, credentials=None):
        by_address, by_username = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_username, get_failure_limit(request, credentials))
        return by_username
