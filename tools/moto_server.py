"""Runs moto on loopback for the local stack and the tests.

Prints the endpoint URL on the first line, then serves until standard input closes, so the
server never outlives the process that started it (even if that process is killed).
"""

import argparse
import collections
import copy
import inspect
import os
import pickle
import sys
import threading
import time

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpBackend
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamRecord, StreamShard, Table
from moto.dynamodb.responses import DynamoHandler
from moto.core.exceptions import JsonRESTError
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.server import ThreadedMotoServer
from moto.sns.models import Topic


def serialize_dynamodb() -> None:
    """Make moto's DynamoDB transactions isolated, as DynamoDB's are.

    moto applies a transaction's writes one by one and, on a failed condition, restores a copy
    of the whole table taken when the transaction began. Under concurrent requests that copy
    erases other requests' committed writes (and their stream records), and readers can see a
    transaction half applied. Running every DynamoDB and DynamoDB Streams call under one lock
    gives the serializable behaviour the platform's optimistic concurrency relies on.
    """
    lock = threading.RLock()
    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        original = handler.call_action

        def call_action(self, _original=original):
            with lock:
                return _original(self)

        handler.call_action = call_action


def _decide(backend, transact_items):
    """The checks of a transaction, nothing written: the operations to apply, and one
    (code, message, item) per operation as DynamoDB's cancellation reasons report them."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen = set()
    plan, reasons = [], []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        original = None
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            if op_type == "Put":
                table = backend.get_table(table_name)
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            target = (str(table_name), str(dict(sorted(key.items()))))
            if target in seen:
                raise MultipleTransactionsException()
            seen.add(target)
            current = backend.get_item(table_name, key)
            condition = op.get("ConditionExpression")
            if condition is not None:
                check = get_filter_expression(
                    condition,
                    op.get("ExpressionAttributeNames"),
                    op.get("ExpressionAttributeValues"),
                )
                if not check.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original)
            plan.append((op_type, op, table_name, key))
            reasons.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            raise
        except ConditionalCheckFailed as e:
            reasons.append(("ConditionalCheckFailed", str(e.message), original))
        except Exception as e:  # noqa: BLE001 reported as the operation's reason, as moto does
            reasons.append((type(e).__name__, str(e), original))
    return plan, reasons


def _restore(backend, table, key, previous) -> None:
    """Puts an item back as it was, in place and without a stream record."""
    hash_key, range_key = backend.get_keys_value(table, key)
    if range_key is not None:
        if previous is None:
            table.items[hash_key].pop(range_key, None)
        else:
            table.items[hash_key][range_key] = previous
    elif previous is None:
        table.items.pop(hash_key, None)
    else:
        table.items[hash_key] = previous
    _reindex(table, hash_key, range_key)


def atomic_transactions() -> None:
    """TransactWriteItems as DynamoDB runs it: all or nothing, a cancelled transaction leaves no
    trace, and a transaction costs what it touches.

    moto copies every table a transaction names (items and stream records, deeply) before
    writing, applies the writes one by one, and on a failed condition swaps the copies in. That
    costs the whole table on every transaction; and a stream iterator handed out earlier keeps
    reading the discarded shard, which holds the cancelled writes' records (a phantom event),
    while the restored shard gives the next committed write the phantom's sequence number (so a
    reader past the phantom skips it: a lost event).

    Here every condition is checked before anything is written; the writes are applied only when
    all pass, and if one fails part-way (an update expression invalid for the item) an undo log
    of the touched items and the stream's length puts the tables back in place. The tables are
    never replaced, so iterators stay valid. Serialized by `serialize_dynamodb`'s lock.
    """

    def transact_write_items(self, transact_items):
        plan, reasons = _decide(self, transact_items)
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        undo, streams = [], {}
        try:
            for index, (op_type, op, table_name, key) in enumerate(plan):
                table = self.get_table(table_name)
                if table.stream_shard is not None and table_name not in streams:
                    shard = table.stream_shard
                    streams[table_name] = shard.starting_sequence_number + len(shard.items)
                if op_type == "ConditionCheck":
                    continue
                undo.append((table, key, copy.deepcopy(self.get_item(table_name, key))))
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], expression_attribute_names=names,
                                  expression_attribute_values=values)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, expression_attribute_names=names,
                                     expression_attribute_values=values)
                else:
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                     expression_attribute_names=names,
                                     expression_attribute_values=values)
        except Exception as e:
            for table, key, previous in reversed(undo):
                _restore(self, table, key, previous)
            for table_name, end in streams.items():
                shard = self.get_table(table_name).stream_shard
                del shard.items[end - shard.starting_sequence_number:]
            if isinstance(e, (MockValidationException, MultipleTransactionsException)):
                raise
            failed = [(None, None, None)] * len(transact_items)
            failed[index] = (type(e).__name__, str(e), None)
            raise TransactionCanceledException(failed) from e

    DynamoDBBackend.transact_write_items = transact_write_items


# Items each Query handed to moto's filters, summed (the tests' deterministic cost figure).
EXAMINED = {"items": 0}


def _gsi_hash_attribute(index):
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    return hashes[0] if len(hashes) == 1 else None


class _GsiIndex:
    """A table's items by global secondary index and partition key value."""

    def __init__(self, table):
        self.partitions = {}  # index name -> {partition value -> {primary key -> item}}
        self.entries = {}  # primary key -> [(index name, partition value)]
        for item in table.all_items():
            self.add(table, item)

    def add(self, table, item):
        key = (item.hash_key, item.range_key)
        for index in table.global_indexes or []:
            attribute = _gsi_hash_attribute(index)
            value = item.attrs.get(attribute) if attribute else None
            if value is None:
                continue
            self.partitions.setdefault(index.name, {}).setdefault(value, {})[key] = item
            self.entries.setdefault(key, []).append((index.name, value))

    def remove(self, key):
        for name, value in self.entries.pop(key, []):
            partition = self.partitions[name][value]
            partition.pop(key, None)
            if not partition:
                del self.partitions[name][value]


def _reindex(table, hash_key, range_key) -> None:
    """Brings the index up to date with the item now at this key (or its absence)."""
    index = table.__dict__.get("_gsi_index")
    if index is None:
        return
    key = (hash_key, range_key)
    index.remove(key)
    partition = table.items.get(hash_key)
    if table.range_key_attr is None:
        item = partition
    else:
        item = partition.get(range_key) if partition else None
    if item is not None:
        index.add(table, item)


def _candidates(table, hash_key, index_name, hash_key_conditions):
    """The items a Query can match, from the partition it names; None when the query is of a
    shape kept to moto's own scan (several partition attributes, an unknown index)."""
    local = {i.name for i in table.indexes or []}
    if index_name is None or index_name in local:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    index = next((i for i in table.global_indexes or [] if i.name == index_name), None)
    attribute = _gsi_hash_attribute(index) if index is not None else None
    if attribute is None:
        return None
    value = dict(hash_key_conditions or []).get(attribute, hash_key)
    if value is None:
        return None
    if "_gsi_index" not in table.__dict__:
        table._gsi_index = _GsiIndex(table)
    return list(table._gsi_index.partitions.get(index_name, {}).get(value, {}).values())


def indexed_queries() -> None:
    """Query reads the partition it names, as DynamoDB does.

    moto answers every Query, on the table or on an index, by walking every item of the table,
    so a query costs the table's size: a create offer took 36 ms on an empty table and 0.7 s
    with 1,300 items. Here a table query starts from its partition's items and a global
    secondary index query from an index of the table's items by that index's partition key,
    built on the index's first query and kept up to date by every write (put, update, delete,
    a transaction's undo). moto's own code then filters, sorts and pages those candidates
    exactly as before. Serialized by `serialize_dynamodb`'s lock.
    """
    original_query = Table.query
    signature = inspect.signature(original_query)

    def query(self, *args, **kwargs):
        given = signature.bind(self, *args, **kwargs).arguments
        candidates = _candidates(
            self, given.get("hash_key"), given.get("index_name"),
            given.get("hash_key_conditions"),
        )
        if candidates is None:
            EXAMINED["items"] += sum(1 for _ in self.all_items())
            return original_query(self, *args, **kwargs)
        EXAMINED["items"] += len(candidates)
        # The only place moto's query reads the table; shadowed for this call.
        self.all_items = lambda: candidates
        try:
            return original_query(self, *args, **kwargs)
        finally:
            del self.all_items

    original_put = Table.put_item

    def put_item(self, item_attrs, *args, **kwargs):
        item = original_put(self, item_attrs, *args, **kwargs)
        _reindex(self, item.hash_key, item.range_key)
        return item

    original_delete = Table.delete_item

    def delete_item(self, hash_key, range_key):
        item = original_delete(self, hash_key, range_key)
        _reindex(self, hash_key, range_key)
        return item

    original_update = DynamoDBBackend.update_item

    def update_item(self, table_name, key, *args, **kwargs):
        # An update changes the item in place, index attributes included.
        item = original_update(self, table_name, key, *args, **kwargs)
        _reindex(self.get_table(table_name), item.hash_key, item.range_key)
        return item

    Table.query = query
    Table.put_item = put_item
    Table.delete_item = delete_item
    DynamoDBBackend.update_item = update_item


# DynamoDB keeps a stream's records for 24 hours.
STREAM_RETENTION_SECONDS = 24 * 60 * 60


def trimmed_streams(retention_seconds: float = STREAM_RETENTION_SECONDS, clock=time.time) -> None:
    """Stream records older than the retention period are trimmed, as DynamoDB trims them.

    moto keeps every stream record of a table for as long as it runs (two images of the item
    each), so a local stack's memory grows with every write it has ever served. Here each
    record notes when it was added, and an add drops the records past the retention from the
    front of the shard, advancing the shard's first sequence number so the numbers of the
    records kept do not change. A reader positioned before the trim horizon reads from the
    horizon, as Lambda does after DynamoDB's TrimmedDataAccessException.
    """
    original_add = StreamShard.add
    original_get = StreamShard.get

    def add(self, old, new):
        original_add(self, old, new)
        now = clock()
        if self.items:
            self.items[-1].added_at = now
        horizon = now - retention_seconds
        # Records are in time order; one added before the patch has no time and goes with
        # the first timed record after it that is past the horizon.
        trimmed = 0
        for position, record in enumerate(self.items):
            added_at = getattr(record, "added_at", None)
            if added_at is None:
                continue
            if added_at >= horizon:
                break
            trimmed = position + 1
        if trimmed:
            del self.items[:trimmed]
            self.starting_sequence_number += trimmed

    def get(self, start, quantity):
        return original_get(self, max(start, self.starting_sequence_number), quantity)

    StreamShard.add = add
    StreamShard.get = get


def compact_stream_records() -> None:
    """A stream record is kept as the bytes of its pickled JSON form, read back when asked for.

    moto keeps each record as nested Python dictionaries of the item's old and new images
    (about 50 KB for an offer with its client and visits); within the 24 hours DynamoDB keeps
    them, a local stack serving 1,000 offer lifecycles held 0.5 GB of them. Pickled, the same
    record is about 2 KB. `to_json()` (what GetRecords and moto's own readers call) and the
    `record` attribute return an equal, fresh dictionary.
    """
    original_init = StreamRecord.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.__dict__["packed"] = pickle.dumps(self.__dict__.pop("record"), protocol=5)

    def to_json(self):
        return pickle.loads(self.packed)

    def __getattr__(self, name):
        # Only reached for attributes not set on the instance: `record`, once packed.
        if name == "record" and "packed" in self.__dict__:
            return pickle.loads(self.__dict__["packed"])
        raise AttributeError(name)

    StreamRecord.__init__ = __init__
    StreamRecord.to_json = to_json
    StreamRecord.__getattr__ = __getattr__


# A shard iterator is valid for 15 minutes after it is returned.
SHARD_ITERATOR_LIFETIME_SECONDS = 15 * 60


class ExpiredIteratorException(JsonRESTError):
    code = 400

    def __init__(self):
        super().__init__("ExpiredIteratorException", "The shard iterator has expired.")


class _ExpiringIterators(dict):
    """Shard iterators by ARN, forgotten once past their lifetime (checked at each insert,
    oldest first, so it costs what expires)."""

    def __init__(self, lifetime_seconds, clock):
        super().__init__()
        self.lifetime_seconds = lifetime_seconds
        self.clock = clock
        self.issued = collections.deque()

    def __setitem__(self, arn, iterator):
        now = self.clock()
        while self.issued and self.issued[0][0] < now - self.lifetime_seconds:
            _, old = self.issued.popleft()
            self.pop(old, None)
        super().__setitem__(arn, iterator)
        self.issued.append((now, arn))

    def __getitem__(self, arn):
        try:
            return super().__getitem__(arn)
        except KeyError:
            raise ExpiredIteratorException() from None


def expiring_shard_iterators(
    lifetime_seconds: float = SHARD_ITERATOR_LIFETIME_SECONDS, clock=time.time
) -> None:
    """Shard iterators expire after 15 minutes, as DynamoDB Streams' do.

    moto keeps every iterator it ever returned (a 630-character id and its model, about 2 KB),
    and every GetShardIterator and every GetRecords returns a new one, so a reader polling a
    stream grows moto by tens of iterators a second: gigabytes a day for the local stack's
    pumps. Here iterators past their lifetime are dropped, and using one answers
    ExpiredIteratorException, as DynamoDB Streams does.
    """
    original_init = DynamoDBStreamsBackend.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.shard_iterators = _ExpiringIterators(lifetime_seconds, clock)

    DynamoDBStreamsBackend.__init__ = __init__


# What a topic remembers of what it published (moto's test inspection list).
SENT_NOTIFICATIONS_KEPT = 100


def bounded_topic_history(kept: int = SENT_NOTIFICATIONS_KEPT) -> None:
    """A topic remembers only its last `kept` published messages.

    moto appends every message a topic publishes to `Topic.sent_notifications`, an inspection
    list for tests that use moto as a library, and never drops one: a local stack's topics
    hold every event it ever published (the 12 topics carry one message per recipient of
    every event). Nothing here reads that list; SNS itself keeps nothing once delivered. The
    list becomes a deque of the last `kept`, still iterable and indexable.
    """
    original_init = Topic.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.sent_notifications = collections.deque(self.sent_notifications, maxlen=kept)

    Topic.__init__ = __init__


def cognito_unknown_user_errors() -> None:
    """ConfirmForgotPassword for an unknown user: Cognito answers UserNotFoundException (or a
    code mismatch when user-existence errors are prevented); moto claims the app client does
    not exist. Answer as Cognito does, so the API's error handling is exercised as deployed.
    """
    original = CognitoIdpBackend.confirm_forgot_password

    def confirm_forgot_password(self, client_id, username, password, confirmation_code):
        for pool in self.user_pools.values():
            if client_id in pool.clients and not pool._get_user(username):
                raise UserNotFoundError(username)
        return original(self, client_id, username, password, confirmation_code)

    CognitoIdpBackend.confirm_forgot_password = confirm_forgot_password


def _immutable(pool, attributes) -> list:
    schema = pool.schema_attributes
    return [a["Name"] for a in attributes if a["Name"] in schema and not schema[a["Name"]].mutable]


def _unwritable(client, attributes) -> list:
    # Without WriteAttributes, Cognito lets a client write every mutable attribute.
    allowed = client.extended_config.get("WriteAttributes")
    if allowed is None:
        return []
    return [a["Name"] for a in attributes if a["Name"] not in allowed]


def cognito_attribute_rules() -> None:
    """Who may write which user attribute, as Cognito enforces it and moto does not: a client
    writes only its WriteAttributes (UpdateUserAttributes with a user's access token, SignUp);
    an immutable attribute is set at creation and never changed, not even by an administrator;
    SignUp is refused when only administrators may create users. Without this the local stack
    would hide a user rewriting custom:organization_id with their own token
    (docs/security.md, T1).
    """
    update = CognitoIdpBackend.update_user_attributes
    admin_update = CognitoIdpBackend.admin_update_user_attributes
    sign_up = CognitoIdpBackend.sign_up

    def update_user_attributes(self, access_token, attributes):
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _ = pool.access_tokens[access_token]
                client = pool.clients.get(client_id)
                if client is not None and _unwritable(client, attributes):
                    raise NotAuthorizedError(
                        "A client attempted to write unauthorized attribute"
                    )
                if _immutable(pool, attributes):
                    raise InvalidParameterException(
                        "Invalid user attributes: cannot modify an immutable attribute"
                    )
        return update(self, access_token, attributes)

    def admin_update_user_attributes(self, user_pool_id, username, attributes):
        if _immutable(self.describe_user_pool(user_pool_id), attributes):
            raise InvalidParameterException(
                "Invalid user attributes: cannot modify an immutable attribute"
            )
        return admin_update(self, user_pool_id, username, attributes)

    def sign_up_checked(self, client_id, username, password, attributes):
        for pool in self.user_pools.values():
            client = pool.clients.get(client_id)
            if client is None:
                continue
            config = pool.extended_config.get("AdminCreateUserConfig") or {}
            if config.get("AllowAdminCreateUserOnly"):
                raise NotAuthorizedError("SignUp is not permitted for this user pool")
            if _unwritable(client, attributes or []):
                raise NotAuthorizedError("A client attempted to write unauthorized attribute")
        return sign_up(self, client_id, username, password, attributes)

    CognitoIdpBackend.update_user_attributes = update_user_attributes
    CognitoIdpBackend.admin_update_user_attributes = admin_update_user_attributes
    CognitoIdpBackend.sign_up = sign_up_checked


PATCHES = (
    serialize_dynamodb,
    atomic_transactions,
    indexed_queries,
    trimmed_streams,
    compact_stream_records,
    expiring_shard_iterators,
    bounded_topic_history,
    cognito_unknown_user_errors,
    cognito_attribute_rules,
)


def apply_patches(without=()) -> None:
    """Every patch above (what the local stack and the tests run), except those named in
    `without` (a benchmark's "before": `MOTO_PATCHES_WITHOUT=indexed_queries`)."""
    unknown = set(without) - {p.__name__ for p in PATCHES}
    if unknown:
        raise SystemExit(f"unknown patches: {sorted(unknown)}")
    for patch in PATCHES:
        if patch.__name__ not in without:
            patch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    without = os.environ.get("MOTO_PATCHES_WITHOUT", "")
    apply_patches([name for name in without.split(",") if name])

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    server.stop()


if __name__ == "__main__":
    main()
