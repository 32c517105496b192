"""Each patch of tools/moto_server.py against moto's own behaviour.

Every test first shows what unpatched moto does (so a moto upgrade that changes it fails
here, loudly, and the patch can be dropped or revised), then what the patch makes it do.
Run by scripts/test.sh: `.venv/bin/python -m unittest discover -s tools -p 'test_*.py'`.
"""

import os
import unittest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.cognitoidp.models import CognitoIdpBackend  # noqa: E402

import moto_server  # noqa: E402

PATCHED = ("update_user_attributes", "admin_update_user_attributes", "sign_up")
ORG = "custom:organization_id"
OTHER_ORG = "00000000-0000-4000-8000-000000000002"
PASSWORD = "Passw0rd-Passw0rd!"


def error_code(call) -> str:
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "no error"


class CognitoAttributeRules(unittest.TestCase):
    """The pool and client of template.yaml: an immutable organization id, a public client
    that may write only email and name, and a platform client that may write the id."""

    def setUp(self):
        self.originals = {name: getattr(CognitoIdpBackend, name) for name in PATCHED}
        self.mock = mock_aws()
        self.mock.start()
        self.idp = boto3.client("cognito-idp")

    def tearDown(self):
        self.mock.stop()
        for name, method in self.originals.items():
            setattr(CognitoIdpBackend, name, method)

    def pool(self, admin_only: bool) -> tuple:
        pool = self.idp.create_user_pool(
            PoolName="users",
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": admin_only},
            Schema=[
                {"Name": "organization_id", "AttributeDataType": "String", "Mutable": False},
            ],
        )["UserPool"]["Id"]
        public = self.idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="api",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            WriteAttributes=["email", "name"],
        )["UserPoolClient"]["ClientId"]
        platform = self.idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="sign-up",
            WriteAttributes=["email", "name", ORG],
        )["UserPoolClient"]["ClientId"]
        return pool, public, platform

    def user_with_token(self, pool: str, client: str) -> str:
        self.idp.admin_create_user(
            UserPoolId=pool,
            Username="ada",
            UserAttributes=[{"Name": ORG, "Value": "00000000-0000-4000-8000-000000000001"}],
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(
            UserPoolId=pool, Username="ada", Password=PASSWORD, Permanent=True
        )
        return self.idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]["AccessToken"]

    def org_of(self, pool: str) -> str:
        attrs = self.idp.admin_get_user(UserPoolId=pool, Username="ada")["UserAttributes"]
        return next(a["Value"] for a in attrs if a["Name"] == ORG)

    def test_user_cannot_rewrite_its_organization(self):
        pool, public, _ = self.pool(admin_only=True)
        token = self.user_with_token(pool, public)
        rewrite = [{"Name": ORG, "Value": OTHER_ORG}]

        # Unpatched moto lets the user move itself into another organization.
        self.idp.update_user_attributes(AccessToken=token, UserAttributes=rewrite)
        self.assertEqual(self.org_of(pool), OTHER_ORG)

        moto_server.cognito_attribute_rules()
        self.idp.admin_update_user_attributes(
            UserPoolId=pool,
            Username="ada",
            UserAttributes=[{"Name": "name", "Value": "Ada"}],
        )
        code = error_code(
            lambda: self.idp.update_user_attributes(
                AccessToken=token,
                UserAttributes=[{"Name": ORG, "Value": "00000000-0000-4000-8000-000000000003"}],
            )
        )
        self.assertEqual(code, "NotAuthorizedException")
        self.assertEqual(self.org_of(pool), OTHER_ORG)
        # A writable attribute still goes through.
        self.idp.update_user_attributes(
            AccessToken=token, UserAttributes=[{"Name": "name", "Value": "Ada L."}]
        )

    def test_immutable_attribute_is_refused_even_to_an_administrator(self):
        pool, public, _ = self.pool(admin_only=True)
        self.user_with_token(pool, public)
        rewrite = [{"Name": ORG, "Value": OTHER_ORG}]

        self.idp.admin_update_user_attributes(
            UserPoolId=pool, Username="ada", UserAttributes=rewrite
        )
        self.assertEqual(self.org_of(pool), OTHER_ORG, "unpatched moto ignores Mutable: false")

        moto_server.cognito_attribute_rules()
        code = error_code(
            lambda: self.idp.admin_update_user_attributes(
                UserPoolId=pool,
                Username="ada",
                UserAttributes=[{"Name": ORG, "Value": "00000000-0000-4000-8000-000000000009"}],
            )
        )
        self.assertEqual(code, "InvalidParameterException")
        self.assertEqual(self.org_of(pool), OTHER_ORG)

    def test_sign_up_writes_only_the_clients_attributes(self):
        pool, public, platform = self.pool(admin_only=False)
        attrs = [{"Name": ORG, "Value": OTHER_ORG}]

        self.idp.sign_up(ClientId=public, Username="eve", Password=PASSWORD, UserAttributes=attrs)

        moto_server.cognito_attribute_rules()
        code = error_code(
            lambda: self.idp.sign_up(
                ClientId=public, Username="mallory", Password=PASSWORD, UserAttributes=attrs
            )
        )
        self.assertEqual(code, "NotAuthorizedException")
        self.idp.sign_up(
            ClientId=platform, Username="grace", Password=PASSWORD, UserAttributes=attrs
        )

    def test_sign_up_is_refused_when_only_administrators_create_users(self):
        pool, public, _ = self.pool(admin_only=True)
        self.idp.sign_up(ClientId=public, Username="eve", Password=PASSWORD)

        moto_server.cognito_attribute_rules()
        code = error_code(
            lambda: self.idp.sign_up(ClientId=public, Username="mallory", Password=PASSWORD)
        )
        self.assertEqual(code, "NotAuthorizedException")


if __name__ == "__main__":
    unittest.main()
