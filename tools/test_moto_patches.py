"""Each patch of tools/moto_server.py against moto's own behaviour.

Every test first shows what unpatched moto does (so a moto upgrade that changes it fails
here, loudly, and the patch can be dropped or revised), then what the patch makes it do.
Run by scripts/test.sh: `.venv/bin/python -m unittest discover -s tools -p 'test_*.py'`.
"""

import copy
import logging
import tracemalloc
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
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.dynamodb.models.table import StreamRecord, StreamShard, Table  # noqa: E402
from moto.dynamodbstreams.models import (  # noqa: E402
    DynamoDBStreamsBackend,
    dynamodbstreams_backends,
)
from moto.server import ThreadedMotoServer  # noqa: E402
from moto.sns.models import Topic, sns_backends  # noqa: E402

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


class ServerTestCase(unittest.TestCase):
    """Tests that read streams as the local stack does: through moto's own server, with the
    platform's table made afresh for each test."""

    @classmethod
    def setUpClass(cls):
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.endpoint = f"http://{host}:{port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def clients(self):
        self.db = boto3.client("dynamodb", endpoint_url=self.endpoint)
        self.streams = boto3.client("dynamodbstreams", endpoint_url=self.endpoint)

    def fresh_table(self) -> str:
        """The platform's table, made anew; its stream's ARN (and `self.shard`)."""
        if TABLE in self.db.list_tables()["TableNames"]:
            self.db.delete_table(TableName=TABLE)
        stream_arn = platform_table(self.db)
        self.shard = self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"][
            "Shards"][0]["ShardId"]
        return stream_arn


class AtomicTransactions(ServerTestCase):
    """A table with a stream, as template.yaml declares it, and the pattern the local stack's
    stream pump follows: an iterator taken, then transactions, then the iterator read."""

    def setUp(self):
        self.original = DynamoDBBackend.transact_write_items
        self.clients()
        self.stream_arn = self.fresh_table()
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


def platform_table(db, name=TABLE) -> str:
    """A table shaped like template.yaml's: pk/sk, two GSIs, a stream; its stream ARN."""
    attributes = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]
    return db.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        GlobalSecondaryIndexes=[
            {
                "IndexName": f"gsi{n}",
                "KeySchema": [
                    {"AttributeName": f"gsi{n}pk", "KeyType": "HASH"},
                    {"AttributeName": f"gsi{n}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for n in (1, 2)
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]


def s(value):
    return {"S": value}


class IndexedQueries(unittest.TestCase):
    """Queries of the table and of its GSIs, with writes that move items between index
    partitions, answered by unpatched moto (a scan of every item) and by the patch (the
    partition only): the answers must be the same, and the patch must read less."""

    PATCHED = ((Table, "query"), (Table, "put_item"), (Table, "delete_item"),
               (DynamoDBBackend, "update_item"), (DynamoDBBackend, "transact_write_items"))

    def setUp(self):
        self.originals = [(cls, name, getattr(cls, name)) for cls, name in self.PATCHED]
        self.mock = mock_aws()
        self.mock.start()
        self.db = boto3.client("dynamodb")
        platform_table(self.db)

    def tearDown(self):
        self.mock.stop()
        for cls, name, method in self.originals:
            setattr(cls, name, method)

    def fresh(self):
        self.db.delete_table(TableName=TABLE)
        platform_table(self.db)

    def seed(self, n):
        """n items over 10 organizations: each in its org's gsi1 partition, every third in
        a gsi2 partition too (the fast path: batches of 25)."""
        items = []
        for i in range(n):
            item = {"pk": s(f"OFFER#{i:05}"), "sk": s("A"), "gsi1pk": s(f"ORG#{i % 10}"),
                    "gsi1sk": s(f"T#{i:05}")}
            if i % 3 == 0:
                item.update(gsi2pk=s(f"SUP#{i % 7}"), gsi2sk=s(f"T#{i:05}"))
            items.append({"PutRequest": {"Item": item}})
        for start in range(0, n, 25):
            self.db.batch_write_item(RequestItems={TABLE: items[start:start + 25]})

    def session(self):
        """Writes that move items between partitions, and the queries after each."""
        answers = []

        def ask():
            for kwargs in (
                {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("OFFER#00003")}},
                {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                 "ExpressionAttributeValues": {":p": s("ORG#3")}},
                {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p AND begins_with(gsi1sk, :t)",
                 "ExpressionAttributeValues": {":p": s("ORG#3"), ":t": s("T#001")},
                 "ScanIndexForward": False},
                {"IndexName": "gsi2", "KeyConditionExpression": "gsi2pk = :p",
                 "ExpressionAttributeValues": {":p": s("SUP#3")}, "Limit": 4},
                {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :p",
                 "ExpressionAttributeValues": {":p": s("ORG#NEW")}},
            ):
                pages, start = [], None
                while True:
                    extra = {"ExclusiveStartKey": start} if start else {}
                    out = self.db.query(TableName=TABLE, **kwargs, **extra)
                    pages.append((out["Items"], out.get("LastEvaluatedKey")))
                    start = out.get("LastEvaluatedKey")
                    if not start:
                        break
                answers.append(pages)

        self.seed(300)
        ask()
        key = {"pk": s("OFFER#00003"), "sk": s("A")}
        self.db.update_item(TableName=TABLE, Key=key, UpdateExpression="SET gsi1pk = :p",
                            ExpressionAttributeValues={":p": s("ORG#NEW")})
        ask()
        self.db.delete_item(TableName=TABLE, Key={"pk": s("OFFER#00013"), "sk": s("A")})
        self.db.put_item(TableName=TABLE, Item={"pk": s("OFFER#00023"), "sk": s("A")})
        self.db.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": s("OFFER#99999"), "sk": s("A"),
                                                  "gsi1pk": s("ORG#3"), "gsi1sk": s("T#00100")}}},
            {"Update": {"TableName": TABLE, "Key": {"pk": s("OFFER#00033"), "sk": s("A")},
                        "UpdateExpression": "REMOVE gsi1pk"}},
        ])
        # Cancelled: neither write may show in an index.
        error_code(lambda: self.db.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": s("OFFER#88888"), "sk": s("A"),
                                                  "gsi1pk": s("ORG#3"), "gsi1sk": s("T#0")}}},
            {"Update": {"TableName": TABLE, "Key": {"pk": s("OFFER#00043"), "sk": s("A")},
                        "UpdateExpression": "SET gsi1pk = :p",
                        "ExpressionAttributeValues": {":p": s("ORG#NEW")}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": key,
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ]))
        ask()
        return answers

    def test_queries_answer_as_unpatched_moto(self):
        unpatched = self.session()
        self.fresh()
        moto_server.atomic_transactions()
        moto_server.indexed_queries()
        self.assertEqual(self.session(), unpatched)
        # The moved, removed and added items are where they should be.
        org_new = [i["pk"]["S"] for i in unpatched[-1][0][0]]
        self.assertEqual(org_new, ["OFFER#00003"])

    def test_a_query_examines_its_partition_only(self):
        self.seed(10_000)
        examined = []
        all_items = Table.all_items

        def counting(table):
            items = all_items(table)
            examined.append(len(items))
            return items

        Table.all_items = counting
        try:
            query = {"TableName": TABLE, "IndexName": "gsi1",
                     "KeyConditionExpression": "gsi1pk = :p",
                     "ExpressionAttributeValues": {":p": s("ORG#3")}, "Limit": 10}
            self.assertEqual(len(self.db.query(**query)["Items"]), 10)
            # Unpatched moto walks every item of the table for one page of ten.
            self.assertEqual(examined, [10_000])
            moto_server.indexed_queries()
            examined.clear()
            before = moto_server.EXAMINED["items"]
            self.assertEqual(len(self.db.query(**query)["Items"]), 10)  # builds the index
            self.assertEqual(len(self.db.query(**query)["Items"]), 10)
            partition = self.db.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                                      ExpressionAttributeValues={":p": s("OFFER#00003")})
            self.assertEqual(len(partition["Items"]), 1)
            # One walk to build the index, then the partition's 1,000 items per GSI query,
            # and the one item of the table partition.
            self.assertEqual(examined, [10_000])
            self.assertEqual(moto_server.EXAMINED["items"] - before, 1_000 + 1_000 + 1)
        finally:
            Table.all_items = all_items


class TrimmedStreams(ServerTestCase):
    """A table's stream over more than its retention: unpatched moto keeps every record,
    the patch trims the old ones and a reader behind the horizon reads from it."""

    def setUp(self):
        self.originals = (StreamShard.add, StreamShard.get)
        self.clients()
        self.stream_arn = self.fresh_table()

    def tearDown(self):
        StreamShard.add, StreamShard.get = self.originals

    def write(self, n, prefix):
        for i in range(n):
            self.db.put_item(TableName=TABLE, Item={"pk": s(f"{prefix}#{i}"), "sk": s("A")})

    def read(self, **position):
        iterator = self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self.shard, **position)["ShardIterator"]
        records = self.streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]

    def test_records_past_the_retention_are_trimmed(self):
        self.write(3, "OLD")
        self.assertEqual(self.read(ShardIteratorType="TRIM_HORIZON"), ["OLD#0", "OLD#1", "OLD#2"])

        now = [1_000.0]
        moto_server.trimmed_streams(retention_seconds=60, clock=lambda: now[0])
        self.write(2, "DAY1")
        first = self.read(ShardIteratorType="TRIM_HORIZON")
        # Records from before the patch carry no time: they go with the next timed record.
        self.assertEqual(first, ["OLD#0", "OLD#1", "OLD#2", "DAY1#0", "DAY1#1"])
        seen = self.streams.get_records(ShardIterator=self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self.shard,
            ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]
        behind = seen[3]["dynamodb"]["SequenceNumber"]

        now[0] += 61
        self.write(1, "DAY2")
        self.assertEqual(self.read(ShardIteratorType="TRIM_HORIZON"), ["DAY2#0"])
        # A reader left behind the horizon reads from it, the numbers of kept records intact.
        self.assertEqual(
            self.read(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=behind),
            ["DAY2#0"])
        kept = self.streams.get_records(ShardIterator=self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self.shard,
            ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"][0]
        self.assertEqual(int(kept["dynamodb"]["SequenceNumber"]), int(behind) + 2)


class CompactStreamRecords(ServerTestCase):
    """Records of a stream with both images, read through GetRecords: the same with and
    without the patch, and much smaller kept."""

    PATCHED = ("__init__", "to_json", "__getattr__")

    def setUp(self):
        self.originals = {n: StreamRecord.__dict__.get(n) for n in self.PATCHED}
        self.clients()

    def tearDown(self):
        for name, method in self.originals.items():
            if method is None:
                if name in StreamRecord.__dict__:
                    delattr(StreamRecord, name)
            else:
                setattr(StreamRecord, name, method)

    NESTED = {"M": {"client": {"M": {f"field{i}": s("x" * 40) for i in range(40)}},
                    "visits": {"L": [{"M": {"at": s("2030-01-15T09:00:00Z")}}] * 10}}}

    def records(self, table):
        """Puts then updates 50 offers with nested attributes in a new table, and reads its
        stream: the records, without what differs from run to run."""
        stream_arn = platform_table(self.db, name=table)
        for i in range(50):
            key = {"pk": s(f"OFFER#{i}"), "sk": s("A")}
            self.db.put_item(TableName=table, Item={**key, "offer": self.NESTED})
            self.db.update_item(TableName=table, Key=key, UpdateExpression="SET v = :v",
                                ExpressionAttributeValues={":v": s("2")})
        shard = self.streams.describe_stream(StreamArn=stream_arn)["StreamDescription"][
            "Shards"][0]["ShardId"]
        iterator = self.streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out = self.streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        for r in out:
            del r["eventID"], r["dynamodb"]["ApproximateCreationDateTime"]
            # moto's size is its JSON with the time in it, whose length varies.
            del r["dynamodb"]["SequenceNumber"], r["dynamodb"]["SizeBytes"]
        return out

    def held(self):
        """Memory 100 records of an update of such an offer hold (both images)."""
        table = Table("held", DEFAULT_ACCOUNT_ID, "us-east-1",
                      schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                      attr=[{"AttributeName": "pk", "AttributeType": "S"}],
                      streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        old = table.put_item({"pk": s("OFFER#1"), "offer": self.NESTED})
        new = table.put_item({"pk": s("OFFER#1"), "offer": self.NESTED, "v": s("2")})
        tracemalloc.start()
        kept = [StreamRecord(table, "NEW_AND_OLD_IMAGES", "MODIFY", old, new, n)
                for n in range(100)]
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.assertEqual(len(kept), 100)
        return held

    def test_records_are_kept_packed_and_read_the_same(self):
        plain, plain_bytes = self.records("offers"), self.held()
        self.assertEqual(len(plain), 100)
        moto_server.compact_stream_records()
        self.assertEqual(self.records("offers2"), self.normalized(plain, "offers", "offers2"))
        packed_bytes = self.held()
        self.assertLess(packed_bytes * 5, plain_bytes, (packed_bytes, plain_bytes))

    @staticmethod
    def normalized(records, table, other):
        """The records as the same writes to `other` give them (the ARNs name the table)."""
        import json
        return json.loads(json.dumps(records, default=str).replace(f"/{table}/", f"/{other}/"))


class ExpiringShardIterators(ServerTestCase):
    """A reader polling a stream as the local stack's pump does: unpatched moto keeps every
    iterator it returned; the patch forgets them after their lifetime."""

    def setUp(self):
        self.original = DynamoDBStreamsBackend.__init__
        self.clients()
        self.stream_arn = self.fresh_table()

    def tearDown(self):
        DynamoDBStreamsBackend.__init__ = self.original
        self.backend().reset()

    def backend(self):
        return dynamodbstreams_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def iterator(self):
        return self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=self.shard, ShardIteratorType="LATEST"
        )["ShardIterator"]

    def poll(self, times):
        for _ in range(times):
            self.streams.get_records(ShardIterator=self.iterator())

    def test_iterators_expire(self):
        self.backend().reset()
        self.poll(50)
        # Unpatched moto: two iterators kept per poll, for as long as it runs.
        self.assertEqual(len(self.backend().shard_iterators), 100)

        now = [1_000.0]
        moto_server.expiring_shard_iterators(lifetime_seconds=60, clock=lambda: now[0])
        self.backend().reset()
        held = self.iterator()
        self.poll(50)
        self.assertEqual(len(self.backend().shard_iterators), 101)
        now[0] += 61
        self.poll(1)
        self.assertEqual(len(self.backend().shard_iterators), 2, "the expired ones are gone")
        self.assertEqual(
            error_code(lambda: self.streams.get_records(ShardIterator=held)),
            "ExpiredIteratorException",
        )


class BoundedTopicHistory(unittest.TestCase):
    """Publishing to a topic: unpatched moto remembers every message, the patch the last few,
    and subscribers still get every one."""

    def setUp(self):
        self.original = Topic.__init__
        self.mock = mock_aws()
        self.mock.start()
        self.sns = boto3.client("sns")
        self.sqs = boto3.client("sqs")

    def tearDown(self):
        self.mock.stop()
        Topic.__init__ = self.original

    def publish(self, name, n):
        arn = self.sns.create_topic(Name=name)["TopicArn"]
        queue = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.sns.subscribe(TopicArn=arn, Protocol="sqs",
                           Endpoint=f"arn:aws:sqs:us-east-1:{DEFAULT_ACCOUNT_ID}:{name}")
        for i in range(n):
            self.sns.publish(TopicArn=arn, Message=f"m{i}")
        topic = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].topics[arn]
        delivered = int(self.sqs.get_queue_attributes(
            QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"])
        return topic.sent_notifications, delivered

    def test_a_topic_remembers_only_its_last_messages(self):
        kept, delivered = self.publish("before", 30)
        self.assertEqual((len(kept), delivered), (30, 30))
        moto_server.bounded_topic_history(kept=10)
        kept, delivered = self.publish("after", 30)
        self.assertEqual((len(kept), delivered), (10, 30))
        self.assertEqual(kept[-1][1], "m29")


if __name__ == "__main__":
    unittest.main()
