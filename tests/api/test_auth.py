"""The local authorizer must refuse exactly what API Gateway's Cognito authorizer refuses."""

import time
from unittest import mock

import boto3
import moto.cognitoidp.models
import pytest

from local.client import DEMO_PASSWORD, sign_in, sign_up
from tests.support import error_code, unique_handle

PROTECTED = [
    ("GET", "/me"),
    ("PUT", "/me"),
    ("GET", "/users/someone"),
    ("POST", "/users/someone/follow"),
]


def call(anonymous, token, method="GET", path="/me"):
    headers = {} if token is None else {"Authorization": token}
    return anonymous.request(method, path, headers=headers)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_missing_token_is_401(anonymous, method, path):
    response = call(anonymous, None, method, path)

    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_a_valid_token_works_with_or_without_the_bearer_prefix(anonymous, make_user):
    alice = make_user("alice")

    assert call(anonymous, f"Bearer {alice.token}").status_code == 200
    assert call(anonymous, alice.token).status_code == 200


def test_an_expired_token_is_401_token_expired(anonymous, info):
    email = f"{unique_handle('old')}@photogram.test"
    sign_up(info, email)
    # moto stamps tokens with time.time(): issue this one two hours ago (valid one hour).
    with mock.patch.object(moto.cognitoidp.models.time, "time", return_value=time.time() - 7200):
        token = sign_in(info, email)["IdToken"]

    response = call(anonymous, f"Bearer {token}")

    assert response.status_code == 401
    assert error_code(response) == "token_expired"


def test_a_token_from_another_user_pool_is_401(anonymous, info):
    # Same moto, same signing key (moto shares one across pools): only iss/aud differ.
    idp = boto3.client(
        "cognito-idp", endpoint_url=info["aws_endpoint_url"], region_name=info["region"]
    )
    pool = idp.create_user_pool(PoolName=unique_handle("foreign"), UsernameAttributes=["email"])[
        "UserPool"
    ]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="foreign", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    foreign = dict(info, user_pool_id=pool["Id"], user_pool_client_id=client["ClientId"])
    email = f"{unique_handle('foreign')}@photogram.test"
    sign_up(foreign, email)
    token = sign_in(foreign, email)["IdToken"]

    response = call(anonymous, f"Bearer {token}")

    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_a_tampered_token_is_401(anonymous, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    header, _, signature = alice.token.split(".")
    bobs_payload = bob.token.split(".")[1]

    response = call(anonymous, f"Bearer {header}.{bobs_payload}.{signature}")

    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_an_access_token_is_not_an_id_token(anonymous, info):
    email = f"{unique_handle('acc')}@photogram.test"
    sign_up(info, email)
    access = sign_in(info, email, DEMO_PASSWORD)["AccessToken"]

    response = call(anonymous, f"Bearer {access}")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "junk", ["Bearer", "Bearer ", "Bearer abc", "Basic dXNlcjpwYXNz", "Bearer a.b.c"]
)
def test_junk_authorization_headers_are_401(anonymous, junk):
    response = call(anonymous, junk)

    assert response.status_code == 401
    assert error_code(response) == "unauthorized"


def test_the_caller_is_who_the_token_says_whatever_the_body_claims(make_user):
    alice, bob = make_user("alice"), make_user("bob")

    response = alice.put("/me", json={"user_id": bob.user_id, "bio": "pwned"})

    assert response.status_code == 422
    assert bob.me()["bio"] == ""
