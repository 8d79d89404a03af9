"""The Cognito user pool and the mobile app's client, built from `resources.USER_POOL`."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra import nag
from infra.resources import UserPoolSpec

# The spec names flows as Cognito spells them; CDK takes one flag per flow.
_AUTH_FLOW_FLAGS = {
    "USER_PASSWORD_AUTH": "user_password",
    "USER_SRP_AUTH": "user_srp",
    "ADMIN_USER_PASSWORD_AUTH": "admin_user_password",
    "CUSTOM_AUTH": "custom",
    "USER_AUTH": "user",
}


class Auth(Construct):
    """Email sign-in with self sign-up, a strong password policy and one public client."""

    def __init__(
        self, scope: Construct, construct_id: str, *, spec: UserPoolSpec, stage: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            spec.logical_id,
            user_pool_name=f"{spec.local_name}-{stage}",
            # The username is the email address.
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            self_sign_up_enabled=True,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=spec.password_min_length,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            # The accounts outlive any stack, as the table does.
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional (TOTP only, no SMS): a consumer photo app cannot demand a second "
            "factor at sign-up; users can turn TOTP on, and passwords are 12+ characters with "
            "every character class.",
        )
        nag.acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "Essentials feature plan: Plus (threat protection) is billed per monthly active "
            "user, too costly for a free consumer app at launch; revisit with real abuse data.",
        )

        self.client = self.user_pool.add_client(
            "MobileClient",
            user_pool_client_name=spec.client_name,
            # A mobile app cannot keep a secret.
            generate_secret=False,
            auth_flows=_auth_flows(spec.auth_flows),
            # The app signs in with the API directly; no hosted UI, no OAuth redirects.
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=spec.enable_token_revocation,
            id_token_validity=Duration.minutes(spec.id_token_minutes),
            access_token_validity=Duration.minutes(spec.id_token_minutes),
            refresh_token_validity=Duration.days(spec.refresh_token_days),
        )


def _auth_flows(names: tuple[str, ...]) -> cognito.AuthFlow:
    """CDK's AuthFlow for the spec's flow names (refresh is always allowed by Cognito)."""
    unknown = sorted(set(names) - set(_AUTH_FLOW_FLAGS))
    if unknown:
        raise ValueError(f"unknown Cognito auth flows in the user pool spec: {unknown}")
    return cognito.AuthFlow(**{_AUTH_FLOW_FLAGS[name]: True for name in names})
