"""The local AWS emulator: moto's server, with AWS rules moto leaves out added back.

The local world must refuse what AWS refuses. moto accepts any Glue UpdateTable, while AWS
Glue refuses one whose VersionId is not the table's current version (optimistic concurrency)
with ConcurrentModificationException; moto stores an S3 object or part whatever its
declared checksum (x-amz-checksum-crc32/-sha1/-sha256) or signed payload hash
(x-amz-content-sha256) says, while S3 refuses a mismatch (BadDigest,
XAmzContentSHA256Mismatch); moto accepts an EventBridge Scheduler UpdateSchedule without
the members AWS requires (the whole definition: ScheduleExpression, FlexibleTimeWindow, Target
with Arn and RoleArn), which AWS refuses with ValidationException; and moto's threaded server
applies concurrent DynamoDB writes to one item as unlocked read-modify-writes, so two UpdateItems
racing (an atomic counter's ADD, a conditional put) can lose one, where DynamoDB applies every
single-item write atomically. moto answers an object request whose versionId (query, or the
copy source's) is malformed with 404 NoSuchVersion, as if the version had been deleted; S3 refuses
it with 400 InvalidArgument "Invalid version id specified" (HEAD: a bare 400). This launcher adds
those checks and serializes DynamoDB requests, then runs moto_server with the same arguments.

One change is for speed, not rules: moto answers a Query on a table's key by sorting every item
of the table and comparing each one's partition key, so a Query's cost grows with the table
(DynamoDB reads the one partition). A thousand runs' items made each Query take long enough, under
the lock that serializes DynamoDB requests, to stall every other DynamoDB call. Here a Query on
the table's own key (not an index) reads only its partition; the answer is the same.
"""

import base64
import binascii
import hashlib
import re
import sys
import threading
from urllib.parse import parse_qs, unquote, urlparse

from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.models.table import Table as DynamoTable
from moto.glue import responses as glue_responses
from moto.glue.exceptions import GlueClientError
from moto.s3 import responses as s3_responses
from moto.s3.exceptions import InvalidVersion, S3ClientError
from moto.scheduler import responses as scheduler_responses
from moto.scheduler.exceptions import ValidationException as SchedulerValidationException
from moto.server import main


class ConcurrentModificationException(GlueClientError):
    def __init__(self, message: str) -> None:
        super().__init__("ConcurrentModificationException", message)


_update_table = glue_responses.GlueResponse.update_table


def _update_table_if_current(self):  # type: ignore[no-untyped-def]
    version = self.parameters.get("VersionId")
    if version is not None:
        table_input = self.parameters.get("TableInput") or {}
        table = self.glue_backend.get_table(
            self.parameters.get("DatabaseName"), table_input.get("Name")
        )
        current = str(table._current_version)
        if str(version) != current:
            raise ConcurrentModificationException(
                f"Update table failed due to concurrent modifications: VersionId {version} "
                f"is not the current version {current}"
            )
    return _update_table(self)


glue_responses.GlueResponse.update_table = _update_table_if_current

_CHECKSUMS = {
    "crc32": lambda body: binascii.crc32(body).to_bytes(4, "big"),
    "sha1": lambda body: hashlib.sha1(body).digest(),
    "sha256": lambda body: hashlib.sha256(body).digest(),
}
_HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _verify_payload(response) -> None:  # type: ignore[no-untyped-def]
    body = response.body if isinstance(response.body, bytes) else bytes(response.body or b"")
    declared = response.headers.get("x-amz-content-sha256") or ""
    if _HEX_SHA256.match(declared) and hashlib.sha256(body).hexdigest() != declared:
        raise S3ClientError(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
    for name, compute in _CHECKSUMS.items():
        value = response.headers.get(f"x-amz-checksum-{name}")
        if value and base64.b64encode(compute(body)).decode() != value:
            raise S3ClientError(
                "BadDigest",
                f"The {name.upper()} you specified did not match the calculated checksum.",
            )


def _verified(method):  # type: ignore[no-untyped-def]
    def wrapper(self):  # type: ignore[no-untyped-def]
        _verify_payload(self)
        return method(self)

    return wrapper


s3_responses.S3Response.upload_part = _verified(s3_responses.S3Response.upload_part)
s3_responses.S3Response.put_object = _verified(s3_responses.S3Response.put_object)


# The version ids this emulator issues (moto: a UUID; "null" names the unversioned object). Any
# other id is one S3 could not have issued: S3 answers 400 InvalidArgument, not NoSuchVersion.
_ISSUED_VERSION_ID = re.compile(r"^(null|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")


def _malformed_version_id(request, full_url):  # type: ignore[no-untyped-def]
    candidates = parse_qs(urlparse(full_url).query, keep_blank_values=True).get("versionId", [])
    copy_source = request.headers.get("x-amz-copy-source")
    if isinstance(copy_source, bytes):
        copy_source = copy_source.decode("utf-8")
    if copy_source:
        candidates += parse_qs(urlparse(unquote(copy_source)).query, keep_blank_values=True).get(
            "versionId", []
        )
    return next((v for v in candidates if not _ISSUED_VERSION_ID.match(v)), None)


_key_response = s3_responses.S3Response._key_response


def _key_response_valid_version(self, request, full_url):  # type: ignore[no-untyped-def]
    malformed = _malformed_version_id(request, full_url)
    if malformed is not None:
        if request.method == "HEAD":
            return 400, {}, ""
        raise InvalidVersion(malformed)
    return _key_response(self, request, full_url)


s3_responses.S3Response._key_response = _key_response_valid_version


_update_schedule = scheduler_responses.EventBridgeSchedulerResponse.update_schedule


def _update_schedule_whole(self):  # type: ignore[no-untyped-def]
    target = self._get_param("Target") or {}
    missing = [
        name
        for name, value in (
            ("ScheduleExpression", self._get_param("ScheduleExpression")),
            ("FlexibleTimeWindow", self._get_param("FlexibleTimeWindow")),
            ("Target", self._get_param("Target")),
            ("Target.Arn", target.get("Arn")),
            ("Target.RoleArn", target.get("RoleArn")),
        )
        if not value
    ]
    if missing:
        raise SchedulerValidationException(
            f"UpdateSchedule replaces the whole schedule; missing required members: {', '.join(missing)}"
        )
    return _update_schedule(self)


scheduler_responses.EventBridgeSchedulerResponse.update_schedule = _update_schedule_whole

_dynamodb_lock = threading.RLock()
_dynamodb_call_action = dynamodb_responses.DynamoHandler.call_action


def _dynamodb_call_action_atomic(self):  # type: ignore[no-untyped-def]
    with _dynamodb_lock:
        return _dynamodb_call_action(self)


dynamodb_responses.DynamoHandler.call_action = _dynamodb_call_action_atomic

_query_partition = threading.local()
_table_query = DynamoTable.query
_table_all_items = DynamoTable.all_items
# Positional index of `index_name` in Table.query(hash_key, range_comparison, range_objs, limit,
# exclusive_start_key, scan_index_forward, projection_expressions, index_name, ...).
_INDEX_NAME_ARG = 6


def _all_items_of_query_partition(self):  # type: ignore[no-untyped-def]
    hash_key = getattr(_query_partition, "hash_key", None)
    if hash_key is None:
        return _table_all_items(self)
    partition = self.items.get(hash_key)
    if partition is None:
        return []
    items = list(partition.values()) if self.range_key_attr else [partition]
    return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)


def _query_one_partition(self, hash_key, *args, **kwargs):  # type: ignore[no-untyped-def]
    index_name = args[_INDEX_NAME_ARG] if len(args) > _INDEX_NAME_ARG else kwargs.get("index_name")
    if index_name or hash_key is None:
        return _table_query(self, hash_key, *args, **kwargs)
    _query_partition.hash_key = hash_key
    try:
        return _table_query(self, hash_key, *args, **kwargs)
    finally:
        _query_partition.hash_key = None


DynamoTable.all_items = _all_items_of_query_partition
DynamoTable.query = _query_one_partition

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
