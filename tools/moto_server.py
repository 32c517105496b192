"""Runs moto on loopback for the local stack and the tests.

Prints the endpoint URL on the first line, then serves until standard input closes, so the
server never outlives the process that started it (even if that process is killed).
"""

import argparse
import copy
import sys
import threading

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
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.server import ThreadedMotoServer


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
                    streams[table_name] = len(table.stream_shard.items)
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
            for table_name, length in streams.items():
                del self.get_table(table_name).stream_shard.items[length:]
            if isinstance(e, (MockValidationException, MultipleTransactionsException)):
                raise
            failed = [(None, None, None)] * len(transact_items)
            failed[index] = (type(e).__name__, str(e), None)
            raise TransactionCanceledException(failed) from e

    DynamoDBBackend.transact_write_items = transact_write_items


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


def apply_patches() -> None:
    """Every patch above; what the local stack and the tests run."""
    serialize_dynamodb()
    atomic_transactions()
    cognito_unknown_user_errors()
    cognito_attribute_rules()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    apply_patches()

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
