"""The local Cognito signs in, refreshes and revokes as the real one does (local/cognito.py),
driven with boto3 as an app's SDK would."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.client import DEMO_PASSWORD, cognito, sign_in, sign_up
from tests.srp_client import N, SrpClient, srp_sign_in
from tests.support import Client, unique_handle


@pytest.fixture
def idp(info: dict[str, Any]) -> Any:
    return cognito(info)


@pytest.fixture
def new_user(info: dict[str, Any]):
    """A factory: a confirmed Cognito user's email (password DEMO_PASSWORD)."""

    def make(name: str = "srp") -> str:
        email = f"{unique_handle(name)}@photogram.test"
        sign_up(info, email)
        return email

    return make


def srp(info: dict[str, Any], idp: Any, email: str, password: str = DEMO_PASSWORD) -> Any:
    return srp_sign_in(idp, info["user_pool_id"], info["user_pool_client_id"], email, password)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def refresh(info: dict[str, Any], idp: Any, refresh_token: str, **extra: Any) -> dict[str, Any]:
    result = idp.get_tokens_from_refresh_token(
        ClientId=info["user_pool_client_id"], RefreshToken=refresh_token, **extra
    )
    return result["AuthenticationResult"]


def test_srp_with_the_right_password_signs_in_with_a_token_the_api_accepts(info, idp, new_user):
    email = new_user()

    tokens = srp(info, idp, email)["AuthenticationResult"]

    me = Client(info["api_url"], token=tokens["IdToken"])
    assert me.put("/me", json={"handle": unique_handle("srp")}).status_code == 200
    assert me.get("/me").status_code == 200
    assert set(tokens) >= {"IdToken", "AccessToken", "RefreshToken"}


def test_srp_with_a_wrong_password_is_not_authorized(info, idp, new_user):
    email = new_user()

    with pytest.raises(ClientError) as excinfo:
        srp(info, idp, email, password=DEMO_PASSWORD + "x")

    assert error_of(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_srp_proof_of_one_user_cannot_sign_in_another(info, idp, new_user):
    mallory, victim = new_user("mallory"), new_user("victim")
    client = SrpClient(info["user_pool_id"], mallory, DEMO_PASSWORD)
    challenge = idp.initiate_auth(
        ClientId=info["user_pool_client_id"],
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=client.auth_parameters(),
    )
    responses = client.answer(challenge["ChallengeParameters"])
    victim_id = idp.admin_get_user(UserPoolId=info["user_pool_id"], Username=victim)["Username"]

    with pytest.raises(ClientError) as excinfo:
        idp.respond_to_auth_challenge(
            ClientId=info["user_pool_client_id"],
            ChallengeName="PASSWORD_VERIFIER",
            Session=challenge["Session"],
            ChallengeResponses=dict(responses, USERNAME=victim_id),
        )

    assert error_of(excinfo)[0] == "NotAuthorizedException"


def test_srp_challenge_answers_once(info, idp, new_user):
    email = new_user()
    client = SrpClient(info["user_pool_id"], email, DEMO_PASSWORD)
    challenge = idp.initiate_auth(
        ClientId=info["user_pool_client_id"],
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=client.auth_parameters(),
    )
    answer = {
        "ClientId": info["user_pool_client_id"],
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": challenge["Session"],
        "ChallengeResponses": client.answer(challenge["ChallengeParameters"]),
    }
    idp.respond_to_auth_challenge(**answer)

    with pytest.raises(ClientError) as excinfo:
        idp.respond_to_auth_challenge(**answer)

    assert error_of(excinfo)[0] == "NotAuthorizedException"


@pytest.mark.parametrize("srp_a", ["0", format(N, "x"), format(2 * N, "x"), "not-hex"])
def test_an_srp_a_of_zero_mod_n_or_not_hex_is_refused(info, idp, new_user, srp_a):
    email = new_user()

    with pytest.raises(ClientError) as excinfo:
        idp.initiate_auth(
            ClientId=info["user_pool_client_id"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": email, "SRP_A": srp_a},
        )

    assert error_of(excinfo)[0] == "InvalidParameterException"


def test_get_tokens_from_refresh_token_gives_a_working_id_token(info, idp, new_user):
    email = new_user()
    first = srp(info, idp, email)["AuthenticationResult"]
    Client(info["api_url"], token=first["IdToken"]).put(
        "/me", json={"handle": unique_handle("refresh")}
    )

    renewed = refresh(info, idp, first["RefreshToken"])

    assert renewed["IdToken"] != first["IdToken"]
    assert renewed["TokenType"] == "Bearer" and renewed["ExpiresIn"] > 0
    # The app client does not rotate refresh tokens: none comes back.
    assert "RefreshToken" not in renewed
    assert Client(info["api_url"], token=renewed["IdToken"]).get("/me").status_code == 200
    assert idp.get_user(AccessToken=renewed["AccessToken"])["Username"]


def test_an_unknown_refresh_token_is_invalid(info, idp):
    with pytest.raises(ClientError) as excinfo:
        refresh(info, idp, "no-such-token")

    assert error_of(excinfo) == ("NotAuthorizedException", "Invalid Refresh Token")


def refresh_flows(info: dict[str, Any], idp: Any, token: str) -> dict[str, tuple[str, str]]:
    """How each way of refreshing answers `token`: {flow: (code, message)}."""
    calls = {
        "GetTokensFromRefreshToken": lambda: refresh(info, idp, token),
        "InitiateAuth": lambda: idp.initiate_auth(
            ClientId=info["user_pool_client_id"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": token},
        ),
        "AdminInitiateAuth": lambda: idp.admin_initiate_auth(
            UserPoolId=info["user_pool_id"],
            ClientId=info["user_pool_client_id"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": token},
        ),
    }
    answers = {}
    for flow, call in calls.items():
        try:
            call()
            answers[flow] = ("ok", "")
        except ClientError as exc:
            answers[flow] = (exc.response["Error"]["Code"], exc.response["Error"]["Message"])
    return answers


REVOKED = ("NotAuthorizedException", "Refresh Token has been revoked")


def test_a_revoked_refresh_token_is_refused_by_every_refresh(info, idp, new_user):
    tokens = srp(info, idp, new_user())["AuthenticationResult"]

    idp.revoke_token(ClientId=info["user_pool_client_id"], Token=tokens["RefreshToken"])

    assert refresh_flows(info, idp, tokens["RefreshToken"]) == {
        "GetTokensFromRefreshToken": REVOKED,
        "InitiateAuth": REVOKED,
        "AdminInitiateAuth": REVOKED,
    }


def test_revoking_ends_the_access_tokens_issued_from_that_refresh_token_only(info, idp, new_user):
    email = new_user()
    revoked, kept = srp(info, idp, email)["AuthenticationResult"], sign_in(info, email)

    idp.revoke_token(ClientId=info["user_pool_client_id"], Token=revoked["RefreshToken"])

    with pytest.raises(ClientError) as excinfo:
        idp.get_user(AccessToken=revoked["AccessToken"])
    assert error_of(excinfo)[0] == "NotAuthorizedException"
    assert idp.get_user(AccessToken=kept["AccessToken"])["Username"]
    assert refresh_flows(info, idp, kept["RefreshToken"])["GetTokensFromRefreshToken"][0] == "ok"


def test_an_access_token_cannot_be_revoked(info, idp, new_user):
    tokens = sign_in(info, new_user())

    with pytest.raises(ClientError) as excinfo:
        idp.revoke_token(ClientId=info["user_pool_client_id"], Token=tokens["AccessToken"])

    assert error_of(excinfo)[0] == "UnsupportedTokenTypeException"


def test_global_sign_out_revokes_every_refresh_token_of_the_user(info, idp, new_user):
    email = new_user()
    phone, tablet = sign_in(info, email), srp(info, idp, email)["AuthenticationResult"]

    idp.global_sign_out(AccessToken=phone["AccessToken"])

    for device in (phone, tablet):
        assert set(refresh_flows(info, idp, device["RefreshToken"]).values()) == {REVOKED}


def test_admin_user_global_sign_out_revokes_the_users_refresh_tokens(info, idp, new_user):
    email, other = new_user(), new_user("other")
    tokens, others = sign_in(info, email), sign_in(info, other)

    idp.admin_user_global_sign_out(UserPoolId=info["user_pool_id"], Username=email)

    assert set(refresh_flows(info, idp, tokens["RefreshToken"]).values()) == {REVOKED}
    assert refresh_flows(info, idp, others["RefreshToken"])["GetTokensFromRefreshToken"][0] == "ok"


def test_a_refresh_token_of_another_app_client_is_refused(info, idp, new_user):
    email = new_user()
    other = idp.create_user_pool_client(
        UserPoolId=info["user_pool_id"],
        ClientName="other-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    foreign = sign_in(dict(info, user_pool_client_id=other), email)["RefreshToken"]

    answers = refresh_flows(info, idp, foreign)

    invalid = ("NotAuthorizedException", "Invalid Refresh Token")
    assert answers["GetTokensFromRefreshToken"] == invalid
    assert answers["InitiateAuth"] == invalid


@pytest.mark.parametrize("grace_seconds", [0, 30])
def test_with_rotation_each_refresh_returns_a_new_refresh_token(info, idp, new_user, grace_seconds):
    email = new_user()
    rotating = idp.create_user_pool_client(
        UserPoolId=info["user_pool_id"],
        ClientName="rotating-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": grace_seconds},
    )["UserPoolClient"]["ClientId"]
    rotating_info = dict(info, user_pool_client_id=rotating)
    old = sign_in(rotating_info, email)["RefreshToken"]

    renewed = refresh(rotating_info, idp, old)

    assert renewed["RefreshToken"] != old
    assert refresh(rotating_info, idp, renewed["RefreshToken"])["IdToken"]
    if grace_seconds:
        # Within the grace period a retry with the old token still works.
        assert refresh(rotating_info, idp, old)["IdToken"]
    else:
        with pytest.raises(ClientError) as excinfo:
            refresh(rotating_info, idp, old)
        assert error_of(excinfo) == REVOKED


def test_the_local_app_client_allows_what_the_apps_use(info, idp):
    client = idp.describe_user_pool_client(
        UserPoolId=info["user_pool_id"], ClientId=info["user_pool_client_id"]
    )["UserPoolClient"]

    assert {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= set(client["ExplicitAuthFlows"])
    assert client["EnableTokenRevocation"] is True
