"""`Authorization: Token <key>` authentication for the API.

The token names both the user and the tenant it acts in; `request.auth` is the ApiToken.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from chatmedia.tenancy.models import ApiToken, hash_token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Token <key>'.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = (
            ApiToken.objects.select_related("membership__user", "membership__tenant")
            .filter(key_digest=hash_token(raw))
            .first()
        )
        if token is None or not token.membership.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return token.membership.user, token

    def authenticate_header(self, request):
        return self.keyword


def identity_of_request(request):
    """(tenant, user, "token" | "session") a plain Django request acts as by its API token or
    session, or None.

    For code outside DRF views (media serving, its audit log): the same rules as the API.
    """
    from rest_framework.request import Request

    from chatmedia.tenancy.scoping import tenant_for_session

    try:
        found = ApiTokenAuthentication().authenticate(Request(request))
    except exceptions.AuthenticationFailed:
        return None
    if found is not None:
        return found[1].membership.tenant, found[0], "token"
    tenant = tenant_for_session(request.user, request.session)
    return (tenant, request.user, "session") if tenant is not None else None
