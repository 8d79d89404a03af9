"""Secrets Manager secrets holding generated keys, built from `resources.Resources.secrets`."""

from __future__ import annotations

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import nag
from infra.resources import SecretSpec


class Secrets(Construct):
    """One generated secret per spec, found by the environment variable that carries its ARN."""

    def __init__(
        self, scope: Construct, construct_id: str, *, specs: tuple[SecretSpec, ...]
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_env_var: dict[str, secretsmanager.Secret] = {}
        for spec in specs:
            secret = secretsmanager.Secret(
                self,
                spec.logical_id,
                description=spec.description,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=spec.length,
                    exclude_punctuation=True,
                    include_space=False,
                ),
            )
            nag.acknowledge(
                secret,
                "AwsSolutions-SMG4",
                (
                    "A key pair the deployer makes and stores (docs/deploy.md, Private media): "
                    "Secrets Manager cannot make one, and CloudFront must trust the new public "
                    "key before functions sign with it, so rotation is the documented manual "
                    "sequence (decisions §43). Only the roles of the functions that list it "
                    "can read it."
                )
                if spec.deployer_supplied
                else "A generated random key that never leaves AWS (only the roles of the "
                "functions that list it can read it). Rotating it without a dual-key verifier "
                "would break every signed value in flight; rotation is a manual, planned change.",
            )
            self.by_env_var[spec.env_var] = secret

    def for_env_var(self, env_var: str) -> secretsmanager.Secret:
        try:
            return self.by_env_var[env_var]
        except KeyError:
            known = ", ".join(sorted(self.by_env_var))
            raise ValueError(f"no secret is declared for {env_var} (known: {known})") from None
