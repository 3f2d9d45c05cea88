"""Text messages beside the inbox and e-mail (notifications.sms): reminders and the deputy's
"your reply has arrived" go by SMS to users who opted in, once each, rate-limited, retried
and then marked failed on the reminders page. Tests use the file backend; the Alibaba Cloud
backend is checked against an HTTP server on loopback."""

import datetime as dt
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from notifications import reminders, sms
from notifications.models import ReminderDelivery, SmsMessage
from suggestions import workflow

NOW = timezone.now()


def outbox(settings) -> list[dict]:
    path = Path(settings.SMS_FILE_PATH)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def opt_in(user, phone="13800138000"):
    user.phone, user.sms_opt_in = phone, True
    user.save()


@pytest.fixture
def due_reminder(people, journey):
    """An assignment of `unit` a week before its deadline: one reminder stage due."""
    _s, assignment = journey.assigned(title="关于增设公交线路的建议")
    return assignment, assignment.deadline - dt.timedelta(7)


def test_a_reminder_is_texted_once_under_two_runs(people, due_reminder, settings):
    opt_in(people.unit_user)
    assignment, today = due_reminder
    reminders.reminders_send(today=today, now=NOW)
    second = reminders.reminders_send(today=today, now=NOW + dt.timedelta(minutes=5))

    sent = outbox(settings)
    assert [(m["phone"], m["kind"]) for m in sent] == [("13800138000", "reminder")]
    assert sent[0]["params"] == {
        "title": "关于增设公交线路的建议",
        "deadline": f"{assignment.deadline:%Y-%m-%d}",
    }
    assert "将于" in sent[0]["text"]
    assert second.sms == {}
    message = SmsMessage.objects.get()
    assert (message.state, message.attempts, message.recipient) == ("sent", 1, people.unit_user)


def test_users_who_did_not_opt_in_get_no_text(people, due_reminder, settings):
    people.unit_user.phone = "13800138000"  # a number, but no consent
    people.unit_user.save()
    assignment, today = due_reminder
    reminders.reminders_send(today=today, now=NOW)
    assert outbox(settings) == []
    assert not SmsMessage.objects.exists()


def test_a_landline_or_missing_number_gets_no_text(people, due_reminder, settings):
    opt_in(people.unit_user, phone="010-88886666")
    reminders.reminders_send(today=due_reminder[1], now=NOW)
    assert outbox(settings) == []


def test_the_deputy_is_texted_when_a_reply_reaches_them(people, journey, settings):
    opt_in(people.deputy_user, phone="+86 139-0013-9000")
    journey.replied(title="关于改善校园周边环境的建议")
    message = SmsMessage.objects.get()
    assert (message.recipient, message.kind, message.phone) == (
        people.deputy_user,
        "reply",
        "13900139000",
    )
    sms.sms_send_pending(now=timezone.now())
    [sent] = outbox(settings)
    assert sent["params"] == {"title": "关于改善校园周边环境的建议", "unit": "市交通运输局"}
    assert "已答复" in sent["text"]


def test_the_rate_limit_defers_instead_of_sending(people, journey, settings):
    settings.SMS_MAX_PER_PHONE_HOUR = 1
    opt_in(people.deputy_user)
    journey.replied()
    journey.replied()
    now = timezone.now()
    assert sms.sms_send_pending(now=now) == {"sent": 1, "deferred": 1}
    assert len(outbox(settings)) == 1
    waiting = SmsMessage.objects.get(state="pending")
    assert waiting.next_attempt_at == now + dt.timedelta(hours=1)
    assert waiting.attempts == 0 and "频率" in waiting.last_error
    assert sms.sms_send_pending(now=now + dt.timedelta(minutes=30)) == {}  # not yet due
    assert sms.sms_send_pending(now=now + dt.timedelta(minutes=61)) == {"sent": 1}
    assert len(outbox(settings)) == 2


# --- the Alibaba Cloud backend against a local server ------------------------------------------


class Gateway:
    """An HTTP server on loopback standing for the SMS API: records each request and answers
    with the JSON it is given."""

    def __init__(self, answer: dict):
        self.requests: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                raw_query = self.path.split("?", 1)[1]
                gateway.requests.append({"path": self.path, "raw": raw_query})
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def aliyun(settings):
    settings.SMS_BACKEND = "notifications.sms.AliyunSmsBackend"
    settings.SMS_ACCESS_KEY_ID = "testId"
    settings.SMS_ACCESS_KEY_SECRET = "testSecret"
    settings.SMS_SIGN_NAME = "市人大常委会"
    settings.SMS_TEMPLATES = {"reminder": "SMS_1001", "reply": "SMS_1002"}
    return settings


def expected_signature(raw_query: str, secret: str) -> str:
    """Alibaba Cloud's signature version 1.0, written out again independently of the code."""
    import base64
    import hashlib
    import hmac

    pairs = [p.split("=", 1) for p in raw_query.split("&")]
    params = {urllib.parse.unquote(k): urllib.parse.unquote(v) for k, v in pairs}
    params.pop("Signature")

    def enc(s):
        return urllib.parse.quote(s, safe="-_.~")

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    string_to_sign = "GET&%2F&" + enc(canonical)
    mac = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def test_the_signature_matches_the_providers_published_example():
    # The worked example of Alibaba Cloud's SMS API documentation (signature version 1.0).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sms.aliyun_signature(params=params, secret="testSecret") == (
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )


def test_the_gateway_receives_a_signed_send_sms_request(people, due_reminder, aliyun):
    opt_in(people.unit_user)
    assignment, today = due_reminder
    with Gateway({"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}) as gateway:
        aliyun.SMS_ALIYUN_ENDPOINT = gateway.url
        reminders.reminders_send(today=today, now=NOW)

    [request] = gateway.requests
    query = dict(urllib.parse.parse_qsl(request["raw"]))
    assert request["path"].startswith("/?Signature=")
    assert {k: query[k] for k in ("Action", "Version", "PhoneNumbers", "SignName")} == {
        "Action": "SendSms",
        "Version": "2017-05-25",
        "PhoneNumbers": "13800138000",
        "SignName": "市人大常委会",
    }
    assert (query["TemplateCode"], query["AccessKeyId"]) == ("SMS_1001", "testId")
    assert json.loads(query["TemplateParam"]) == {
        "title": "关于增设公交线路的建议",
        "deadline": f"{assignment.deadline:%Y-%m-%d}",
    }
    assert (query["SignatureMethod"], query["SignatureVersion"]) == ("HMAC-SHA1", "1.0")
    assert dt.datetime.strptime(query["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    assert query["Signature"] == expected_signature(request["raw"], "testSecret")
    message = SmsMessage.objects.get()
    assert (message.state, message.gateway_id) == ("sent", "900619746936498440^0")


def test_gateway_errors_are_retried_then_marked_failed_on_the_reminders_page(
    client, people, due_reminder, aliyun
):
    opt_in(people.unit_user)
    _assignment, today = due_reminder
    refusal = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控"}
    with Gateway(refusal) as gateway:
        aliyun.SMS_ALIYUN_ENDPOINT = gateway.url
        first = reminders.reminders_send(today=today, now=NOW)
        assert first.sms == {"retry": 1}
        message = SmsMessage.objects.get()
        assert (message.state, message.attempts) == ("pending", 1)
        assert message.next_attempt_at == NOW + dt.timedelta(minutes=1)
        # Not before its backoff; then each attempt until the last marks it failed.
        assert sms.sms_send(message_id=message.pk, now=NOW + dt.timedelta(seconds=30)) == (
            "skipped"
        )
        outcomes, now = [], NOW
        for _ in range(sms.MAX_ATTEMPTS - 1):
            now += dt.timedelta(hours=1)
            outcomes.append(sms.sms_send(message_id=message.pk, now=now))
    assert outcomes == ["retry", "retry", "retry", "failed"]
    assert len(gateway.requests) == sms.MAX_ATTEMPTS
    message.refresh_from_db()
    assert (message.state, message.attempts, message.next_attempt_at) == ("failed", 5, None)

    client.force_login(people.staff)
    page = client.get("/notifications/reminders/").content.decode()
    assert "138****8000 发送失败(5次)" in page
    assert "isv.BUSINESS_LIMIT_CONTROL: 触发号码天级流控" in page


def test_an_unreachable_gateway_is_a_retry_not_a_crash(people, due_reminder, aliyun):
    opt_in(people.unit_user)
    aliyun.SMS_ALIYUN_ENDPOINT = "http://127.0.0.1:9/"  # the discard port: nothing listens
    result = reminders.reminders_send(today=due_reminder[1], now=NOW)
    assert (result.claimed, result.sent, result.sms) == (1, 1, {"retry": 1})
    assert "unreachable" in SmsMessage.objects.get().last_error


# --- the user's own settings -----------------------------------------------------------------


def test_a_user_opts_in_with_a_mobile_number(client, people):
    client.force_login(people.unit_user)
    assert client.get("/accounts/sms/").status_code == 200
    response = client.post("/accounts/sms/", {"phone": "138 0013 8000", "sms_opt_in": "on"})
    assert response.status_code == 302
    people.unit_user.refresh_from_db()
    assert (people.unit_user.phone, people.unit_user.sms_opt_in) == ("13800138000", True)


@pytest.mark.parametrize(
    "data, error",
    [
        ({"phone": "12345", "sms_opt_in": "on"}, "请输入正确的11位手机号码"),
        ({"phone": "", "sms_opt_in": "on"}, "接收短信提醒需要填写手机号码"),
    ],
)
def test_bad_settings_are_refused_in_chinese(client, people, data, error):
    client.force_login(people.unit_user)
    response = client.post("/accounts/sms/", data)
    assert response.status_code == 200 and error in response.content.decode()
    people.unit_user.refresh_from_db()
    assert people.unit_user.sms_opt_in is False


def test_the_settings_page_needs_login(client, db):
    assert client.get("/accounts/sms/").status_code == 302


def test_a_supervising_leader_who_is_also_staff_is_texted_once(people, journey, settings):
    # Named twice in the escalation (as supervisor and as staff): one text, and the reminder
    # is still recorded and sent, not refused run after run by the once-per-recipient rule.
    people.leader.is_committee_staff = True
    people.leader.save()
    opt_in(people.leader)
    suggestion, assignment = journey.assigned()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    reminders.reminders_send(today=assignment.deadline + dt.timedelta(16), now=NOW)

    assert ReminderDelivery.objects.filter(kind="escalation").exists()
    assert [m["phone"] for m in outbox(settings)] == ["13800138000"]
    assert SmsMessage.objects.filter(recipient=people.leader).count() == 1
