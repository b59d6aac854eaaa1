"""Stage 2: sign-up, login and the current user."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.http import JsonResponse

from .. import serializers, tokens
from ..errors import ApiError
from ..http import authenticated, envelope, route
from ..models import User
from ..validation import text

MIN_PASSWORD = 8
# Hashed when an e-mail is unknown, so a login costs the same whether or not the account
# exists (no timing oracle for which e-mails are registered).
_DUMMY_HASH = make_password("not-a-real-password")


def _register(request):
    data = envelope(request, "user")
    email = text(data, "email", max_length=254)
    username = text(data, "username", max_length=150)
    password = data.get("password")
    if password is None or password == "":
        raise ApiError(422, "password", "can't be blank")
    if not isinstance(password, str):
        raise ApiError(422, "password", "must be a string")
    if len(password) < MIN_PASSWORD:
        raise ApiError(422, "password", f"is too short (minimum is {MIN_PASSWORD} characters)")
    if len(password) > 128:
        raise ApiError(422, "password", "is too long (maximum is 128 characters)")
    if "@" not in email:
        raise ApiError(422, "email", "is invalid")
    _refuse_taken(email, username)
    try:
        with transaction.atomic():
            account = User.objects.create(
                email=email, username=username, password=make_password(password)
            )
    except IntegrityError:
        # A concurrent sign-up took it between the check and the insert.
        _refuse_taken(email, username)
        raise
    return JsonResponse({"user": serializers.user(account, tokens.issue(account.id))}, status=201)


def _refuse_taken(email: str, username: str) -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise ApiError(409, "email", "has already been taken")
    if User.objects.filter(username=username).exists():
        raise ApiError(409, "username", "has already been taken")


def _login(request):
    data = envelope(request, "user")
    email = text(data, "email", max_length=254)
    password = data.get("password")
    if password is None or password == "":
        raise ApiError(422, "password", "can't be blank")
    if not isinstance(password, str):
        raise ApiError(422, "password", "must be a string")
    account = User.objects.filter(email__iexact=email).first()
    if not check_password(password, account.password if account else _DUMMY_HASH) or not account:
        raise ApiError(401, "credentials", "invalid")
    return JsonResponse({"user": serializers.user(account, tokens.issue(account.id))})


@authenticated
def _current(request, user):
    return JsonResponse({"user": serializers.user(user, tokens.issue(user.id))})


register = route(POST=_register)
login = route(POST=_login)
current = route(GET=_current)
