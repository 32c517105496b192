"""Each patch of tools/moto_server.py against moto's own behaviour.

Every test first shows what unpatched moto does (so a moto upgrade that changes it fails
here, loudly, and the patch can be dropped or revised), then what the patch makes it do.
Run by scripts/test.sh: `.venv/bin/python -m unittest discover -s tools -p 'test_*.py'`.
"""

import copy
import logging
import os
import unittest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.cognitoidp.models import CognitoIdpBackend  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

import moto_server  # noqa: E402

# The server's request log would bury the test output.
logging.getLogger("werkzeug").setLevel(logging.ERROR)

PATCHED = ("update_user_attributes", "admin_update_user_attributes", "sign_up")
TABLE = "platform"
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


class AtomicTransactions(unittest.TestCase):
    """A table with a stream, as template.yaml declares it, and the pattern the local stack's
    stream pump follows: an iterator taken, then transactions, then the iterator read."""

    @classmethod
    def setUpClass(cls):
        # Streams as the local stack reads them: through moto's server.
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.endpoint = f"http://{host}:{port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.original = DynamoDBBackend.transact_write_items
        self.db = boto3.client("dynamodb", endpoint_url=self.endpoint)
        self.streams = boto3.client("dynamodbstreams", endpoint_url=self.endpoint)
        if TABLE in self.db.list_tables()["TableNames"]:
            self.db.delete_table(TableName=TABLE)
        arn = self.db.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        self.stream_arn = arn
        self.put("OFFER#1", version="1")

    def tearDown(self):
        DynamoDBBackend.transact_write_items = self.original

    def put(self, pk, **attrs):
        item = {"pk": {"S": pk}, "sk": {"S": "A"}}
        item.update({k: {"S": v} for k, v in attrs.items()})
        self.db.put_item(TableName=TABLE, Item=item)

    def held_iterator(self):
        shard = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"][
            "Shards"
        ][0]["ShardId"]
        return self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard, ShardIteratorType="LATEST"
        )["ShardIterator"]

    def inserted(self, iterator):
        records = self.streams.get_records(ShardIterator=iterator)["Records"]
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]

    def cancelled(self, pk):
        """A write of `pk` with a check on the offer that fails: DynamoDB cancels it."""
        return error_code(
            lambda: self.db.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": TABLE,
                             "Item": {"pk": {"S": pk}, "sk": {"S": "A"}}}},
                    {"ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "OFFER#1"}, "sk": {"S": "A"}},
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": {":v": {"S": "9"}},
                    }},
                ]
            )
        )

    def committed(self, pk):
        self.db.transact_write_items(
            TransactItems=[{"Put": {"TableName": TABLE,
                                    "Item": {"pk": {"S": pk}, "sk": {"S": "A"}}}}]
        )

    def test_a_cancelled_transaction_leaves_no_stream_record(self):
        iterator = self.held_iterator()
        self.assertEqual(self.cancelled("PHANTOM#1"), "TransactionCanceledException")
        self.committed("REAL#1")
        # Unpatched moto: the held iterator reads the cancelled write, never the committed one.
        self.assertEqual(self.inserted(iterator), ["PHANTOM#1"])

        moto_server.atomic_transactions()
        iterator = self.held_iterator()
        self.assertEqual(self.cancelled("PHANTOM#2"), "TransactionCanceledException")
        self.committed("REAL#2")
        self.assertEqual(self.inserted(iterator), ["REAL#2"])
        item = self.db.get_item(TableName=TABLE, Key={"pk": {"S": "PHANTOM#2"}, "sk": {"S": "A"}})
        self.assertNotIn("Item", item)

    def test_a_transaction_costs_what_it_touches(self):
        for n in range(200):
            self.put(f"ITEM#{n}")
        copied = []
        deepcopy = copy.deepcopy

        def counting(x, memo=None):
            if isinstance(x, Table):
                copied.append(x.name)
            return deepcopy(x, memo)

        copy.deepcopy = counting
        try:
            self.cancelled("PHANTOM#1")
            self.committed("REAL#1")
            # Unpatched moto copies the table once per operation naming it, whatever its size.
            self.assertGreaterEqual(len(copied), 2)
            copied.clear()
            moto_server.atomic_transactions()
            self.cancelled("PHANTOM#2")
            self.committed("REAL#2")
            self.assertEqual(copied, [], "a transaction copies only the items it writes")
        finally:
            copy.deepcopy = deepcopy

    def test_a_write_that_fails_part_way_is_undone_in_place(self):
        moto_server.atomic_transactions()
        iterator = self.held_iterator()
        code = error_code(
            lambda: self.db.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": TABLE,
                             "Item": {"pk": {"S": "NEW#1"}, "sk": {"S": "A"}}}},
                    {"Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "OFFER#1"}, "sk": {"S": "A"}},
                        # A string cannot be added to: only the update finds out.
                        "UpdateExpression": "SET version = version + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }},
                ]
            )
        )
        self.assertIn(code, ("ValidationException", "TransactionCanceledException"))
        item = self.db.get_item(TableName=TABLE, Key={"pk": {"S": "NEW#1"}, "sk": {"S": "A"}})
        self.assertNotIn("Item", item, "the first write was undone")
        self.assertEqual(self.inserted(iterator), [], "and left no stream record")
        self.committed("REAL#1")
        self.assertEqual(self.inserted(iterator), ["REAL#1"])


if __name__ == "__main__":
    unittest.main()
