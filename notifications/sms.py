"""SMS beside the inbox and e-mail: the channel's backends and the outbox that sends through them.

A message is a row (`SmsMessage`) written in the same transaction as what it tells about (a
reminder's claim, the deputy's notice of a reply), only for users who opted in and gave a
mobile number. Sending follows the reminders' e-mail pattern: a lease taken with a conditional
update, one attempt, sent / retried with backoff / failed after MAX_ATTEMPTS, and a per-phone
rate limit (SMS_MAX_PER_PHONE_HOUR / _DAY) that defers a message instead of spending an attempt.

Backends (settings.SMS_BACKEND):
- `FileSmsBackend` (the default; `make run` and the tests): one JSON line per message in
  SMS_FILE_PATH; nothing leaves the machine.
- `AliyunSmsBackend`: Alibaba Cloud SMS `SendSms` over its RPC HTTP API (version 2017-05-25,
  signature version 1.0, HMAC-SHA1), standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from . import outbox
from .models import SmsMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = outbox.MAX_ATTEMPTS  # leases and backoff: notifications.outbox
# Mainland China mobile numbers, with an optional +86 / 0086 prefix.
MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")


# Message kinds: each has its own gateway template (settings.SMS_TEMPLATES).
KIND_REMINDER = "reminder"
KIND_REPLY = "reply"


def _short(text: str, limit: int = 20) -> str:
    # Providers cap a template variable's length (Alibaba Cloud: 35 characters).
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reminder_params(assignment) -> dict:
    """Template variables of a reminder: ${title} ${deadline}."""
    return {
        "title": _short(assignment.suggestion.title),
        "deadline": f"{assignment.deadline:%Y-%m-%d}",
    }


def reply_params(reply) -> dict:
    """Template variables of "your reply has arrived": ${title} ${unit}."""
    assignment = reply.assignment
    return {"title": _short(assignment.suggestion.title), "unit": _short(assignment.unit.name)}


class SmsError(Exception):
    """The gateway refused or could not be reached: the message is retried."""


def normalise_phone(phone: str) -> str:
    """The 11-digit mobile number in `phone` (spaces and dashes ignored), or "" if none."""
    found = MOBILE.match(re.sub(r"[\s-]", "", phone or ""))
    return found.group(1) if found else ""


# --- backends --------------------------------------------------------------------------------


class FileSmsBackend:
    """Development and tests: appends each message as a JSON line to SMS_FILE_PATH."""

    def send(self, *, phone: str, kind: str, params: dict, text: str) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        line = {"id": message_id, "phone": phone, "kind": kind, "params": params, "text": text}
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud's signature wants it: only A-Z a-z 0-9 - _ . ~ stay."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(*, params: dict, secret: str, method: str = "GET") -> str:
    """Signature version 1.0: HMAC-SHA1 with key `secret&` over
    `METHOD&%2F&percent(sorted canonical query)`, base64-encoded."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    """Alibaba Cloud SMS `SendSms` (dysmsapi, RPC style, GET with a signed query string).

    Settings: SMS_ALIYUN_ENDPOINT, SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME (签名)
    and SMS_TEMPLATES (notification kind → approved template code, e.g. SMS_123456789). The
    template's variables are the message's params (TemplateParam, JSON).
    """

    VERSION = "2017-05-25"
    REGION = "cn-hangzhou"
    TIMEOUT = 10

    def request_url(
        self, *, phone: str, kind: str, params: dict, nonce: str | None = None, now=None
    ) -> str:
        try:
            template = settings.SMS_TEMPLATES[kind]
        except KeyError:
            raise SmsError(f"no SMS template configured for {kind!r} (SMS_TEMPLATES)") from None
        now = now or datetime.now(tz=UTC)
        query = {
            "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.REGION,
            "SignName": settings.SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": self.VERSION,
        }
        signature = aliyun_signature(params=query, secret=settings.SMS_ACCESS_KEY_SECRET)
        canonical = "&".join(
            f"{percent_encode(k)}={percent_encode(query[k])}" for k in sorted(query)
        )
        endpoint = settings.SMS_ALIYUN_ENDPOINT.rstrip("/") + "/"
        return f"{endpoint}?Signature={percent_encode(signature)}&{canonical}"

    def send(self, *, phone: str, kind: str, params: dict, text: str) -> str:
        url = self.request_url(phone=phone, kind=kind, params=params)
        try:
            with urllib.request.urlopen(url, timeout=self.TIMEOUT) as response:
                body = response.read().decode()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as exc:
            raise SmsError(f"gateway unreachable: {exc}") from None
        try:
            answer = json.loads(body)
        except ValueError:
            raise SmsError(f"gateway answered no JSON: {body[:200]}") from None
        if answer.get("Code") != "OK":
            raise SmsError(f"{answer.get('Code')}: {answer.get('Message')}")
        return answer.get("BizId", "")


def get_backend():
    return import_string(settings.SMS_BACKEND)()


# --- the outbox ------------------------------------------------------------------------------


def sms_queue(
    *, users, kind: str, text: str, params: dict, delivery=None, now=None, congress_id=None
):
    """Outbox rows for the users who opted in with a mobile number, inside the caller's
    transaction; sent after commit. One row per reminder and user (unique), so a reminder
    claimed once texts each person once; a user named twice (a supervising leader who is also
    staff) gets one row, as `notify` gives one inbox row."""
    now = now or timezone.now()
    # A reminder's messages are its congress's; a notice's, the congress `notify` gives.
    congress_id = delivery.congress_id if delivery is not None else congress_id
    owned = {"congress_id": congress_id} if congress_id is not None else {}
    seen, rows = set(), []
    for user in users:
        phone = normalise_phone(user.phone) if user.sms_opt_in else ""
        if not phone or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            SmsMessage(
                recipient=user,
                phone=phone,
                kind=kind,
                text=text,
                params=params,
                delivery=delivery,
                next_attempt_at=now,
                created_at=now,
                **owned,
            )
        )
    if not rows:
        return []
    created = SmsMessage.objects.bulk_create(rows)
    ids = [m.pk for m in created if m.pk]
    if ids and delivery is None:
        # Notices go out on commit; reminders' messages are sent by the reminder run itself.
        transaction.on_commit(lambda: _queue_sending(ids))
    return created


def _queue_sending(ids: list[int]) -> None:
    from .tasks import send_sms

    for message_id in ids:
        try:
            send_sms.delay(message_id)
        except Exception as exc:  # the broker is down: the next reminder run sweeps them up
            logger.error("SMS %s not queued (broker unreachable?): %s", message_id, exc)


def _queue_retry(message_id: int, delay: timedelta) -> None:
    """The next attempt after the backoff; if the broker is down the reminder run's sweep
    picks the message up instead."""
    from .tasks import send_sms

    def queue():
        try:
            send_sms.apply_async((message_id,), countdown=delay.total_seconds())
        except Exception as exc:
            logger.error("SMS %s retry not queued (broker unreachable?): %s", message_id, exc)

    transaction.on_commit(queue)


def _rate_limited_until(phone: str, now: datetime) -> datetime | None:
    """When the phone may get its next message, if it has had its share (two counts). A phone
    is one person's whichever congress texts it: counted across congresses (the unscoped
    manager)."""
    sent = SmsMessage._base_manager.filter(phone=phone, state=SmsMessage.State.SENT)
    for window, limit in (
        (timedelta(hours=1), settings.SMS_MAX_PER_PHONE_HOUR),
        (timedelta(days=1), settings.SMS_MAX_PER_PHONE_DAY),
    ):
        recent = sent.filter(sent_at__gt=now - window).order_by("sent_at")
        if recent.count() >= limit:
            return recent.values_list("sent_at", flat=True)[0] + window
    return None


def sms_send(*, message_id: int, now: datetime | None = None) -> str:
    """One attempt: "sent", "deferred" (rate limit), "retry", "failed" or "skipped"."""
    now = now or timezone.now()
    if not outbox.take_lease(SmsMessage, pk=message_id, now=now):
        return "skipped"
    message = SmsMessage.objects.get(pk=message_id)
    until = _rate_limited_until(message.phone, now)
    if until is not None:
        SmsMessage.objects.filter(pk=message_id).update(
            sending_until=None, next_attempt_at=until, last_error="超过发送频率限制,已延后发送"
        )
        return "deferred"
    SmsMessage.objects.filter(pk=message_id).update(attempts=F("attempts") + 1)
    attempts = message.attempts + 1
    try:
        gateway_id = get_backend().send(
            phone=message.phone, kind=message.kind, params=message.params, text=message.text
        )
    except Exception as exc:
        delay = outbox.record_failure(
            SmsMessage, pk=message_id, attempts=attempts, exc=exc, now=now
        )
        if delay is None:
            return "failed"
        _queue_retry(message_id, delay)
        return "retry"
    SmsMessage.objects.filter(pk=message_id).update(
        state=SmsMessage.State.SENT,
        sent_at=now,
        sending_until=None,
        gateway_id=str(gateway_id)[:100],
        last_error="",
    )
    return "sent"


def sms_send_pending(*, now: datetime | None = None) -> dict:
    """Every pending message whose time has come (the reminder run calls this)."""
    now = now or timezone.now()
    outcomes: dict[str, int] = {}
    pending = SmsMessage.objects.filter(
        state=SmsMessage.State.PENDING, next_attempt_at__lte=now
    ).order_by("pk")
    for message_id in list(pending.values_list("pk", flat=True)):
        outcome = sms_send(message_id=message_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
