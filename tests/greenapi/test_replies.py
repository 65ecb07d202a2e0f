"""HTTP status + body to a JSON value or the right error (no network: `Reply` objects)."""

import json

import pytest

from greenapi import (
    BadRequest,
    BadResponse,
    GreenAPIError,
    InstanceDeleted,
    InstanceExpired,
    InstanceNotAuthorized,
    InstanceNotReady,
    NotFound,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from greenapi.replies import Reply, interpret, parse_retry_after

EXPIRED = b"Instance account is expired. Renew your instance from personal area"
NGINX_504 = (
    b"<html><head><title>504 Gateway Time-out</title></head><body><center>"
    b"<h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>"
)
QUOTA_466 = {
    "invokeStatus": {
        "method": "checkwhatsapp",
        "used": 100,
        "total": 100,
        "status": "QUOTE_EXCEEDED",
        "description": "Monthly quota has been exceeded.",
    }
}


def _interpret(status: int, body: bytes | str, *, method: str = "qr", verb: str = "GET") -> object:
    raw = body.encode() if isinstance(body, str) else body
    return interpret(Reply(status=status, body=raw), method=method, verb=verb)


def _error(status: int, body: bytes | str, **kwargs: str) -> GreenAPIError:
    with pytest.raises(GreenAPIError) as caught:
        _interpret(status, body, **kwargs)
    return caught.value


def test_json_200_is_returned_and_null_is_none() -> None:
    assert _interpret(200, '{"stateInstance":"authorized"}') == {"stateInstance": "authorized"}
    assert _interpret(200, "null") is None


@pytest.mark.parametrize(
    ("status", "body", "expected", "retryable"),
    [
        (400, "instance in starting process try later", InstanceNotReady, True),
        (400, "instance account not authorized", InstanceNotAuthorized, False),
        (400, "Instance is deleted", InstanceDeleted, False),
        (400, "bad request data", BadRequest, False),
        (400, "something else entirely", BadRequest, False),
        (400, EXPIRED, InstanceExpired, False),
        (200, EXPIRED, InstanceExpired, False),
        (403, EXPIRED, InstanceExpired, False),
        (401, "", Unauthorized, False),
        (403, "<html><center><h1>403 Forbidden</h1></center></html>", Unauthorized, False),
        (404, "Instance not found", NotFound, False),
        (429, "Too Many Requests", RateLimited, True),
        (466, json.dumps(QUOTA_466), QuotaExceeded, False),
        (500, "File from url exceeded max upload size", Unavailable, True),
        (502, NGINX_504.replace(b"504", b"502"), Unavailable, True),
        (503, "", Unavailable, True),
        (504, NGINX_504, Unavailable, True),
        (200, "<html>maintenance</html>", BadResponse, False),
        (200, '{"idInstance": 1101', BadResponse, False),
        (200, "", BadResponse, False),
        (200, b"\xff\xfe\x00garbage", BadResponse, False),
        (301, "", BadResponse, False),
    ],
)
def test_status_and_text_map_to_the_documented_error(
    status: int, body: str | bytes, expected: type[GreenAPIError], retryable: bool
) -> None:
    error = _error(status, body)

    assert type(error) is expected
    assert error.retryable is retryable
    assert error.method == "qr"
    assert error.status == status
    assert error.message
    assert error.message[0].isupper()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (401, Unauthorized),
        (404, NotFound),
        (429, RateLimited),
        (466, QuotaExceeded),
        (400, BadRequest),
        (500, Unavailable),
        (503, Unavailable),
        (100, Unavailable),
        (7, BadResponse),
    ],
)
def test_error_code_inside_http_200_is_raised(code: int, expected: type[GreenAPIError]) -> None:
    body = json.dumps({"code": code, "description": "Some description"})

    error = _error(200, body, method="getInstances")

    assert type(error) is expected
    assert error.status == code


def test_code_body_without_description_or_with_string_code_is_data() -> None:
    # getAuthorizationCode's success has a string "code"; it is not an error.
    assert _interpret(200, '{"status": true, "code": "GAPI2015"}') == {
        "status": True,
        "code": "GAPI2015",
    }
    assert _interpret(200, '{"code": 404}') == {"code": 404}
    assert _interpret(200, '{"code": true, "description": "x"}') == {
        "code": True,
        "description": "x",
    }


def test_partner_unauthorized_names_the_partner_token_and_instance_names_the_instance() -> None:
    partner = _error(200, '{"code":401,"description":"Unauthorized"}', method="getInstances")
    instance = _error(401, "", method="getSettings")

    assert "partner token" in partner.message
    assert "instance token" in instance.message


def test_2022_getinstances_http_400_unauthorized_text_is_unauthorized() -> None:
    error = _error(400, "Unauthorized", method="getInstances")

    assert isinstance(error, Unauthorized)
    assert error.retryable is False


def test_2022_http_400_with_a_code_body_uses_the_code() -> None:
    body = '{"code": 100, "description": "Temporarily no free instances. Try after a while"}'

    error = _error(400, body, method="createInstance", verb="POST")

    assert isinstance(error, Unavailable)
    assert error.outcome_unknown is False
    assert "no free instances" in error.message


def test_post_server_errors_say_the_outcome_is_unknown_and_gets_do_not() -> None:
    post = _error(502, NGINX_504, method="createInstance", verb="POST")
    coded = _error(200, '{"code":500,"description":"x"}', method="createInstance", verb="POST")
    malformed = _error(200, '{"idInstance": 11', method="createInstance", verb="POST")
    get = _error(502, NGINX_504, method="getInstances")

    assert post.outcome_unknown
    assert coded.outcome_unknown
    assert malformed.outcome_unknown
    assert "check the result" in post.message
    assert get.outcome_unknown is False


def test_rejections_are_not_ambiguous_even_for_posts() -> None:
    for status, body in [(401, ""), (429, ""), (400, "bad request data"), (404, "")]:
        assert _error(status, body, method="createInstance", verb="POST").outcome_unknown is False


def test_html_gateway_pages_are_not_quoted_in_messages() -> None:
    error = _error(504, NGINX_504)

    assert "<" not in error.message
    assert "gateway" in error.message


def test_upstream_text_in_a_message_is_short_single_line_and_token_free() -> None:
    token = "a1" * 25
    text = f"oops\n\n/waInstance1101000001/qr/{token} and {token}" + " padding" * 100

    error = _error(400, text)

    assert token not in error.message
    assert token not in repr(error)
    assert "\n" not in error.message
    assert len(error.message) < 300


def test_quota_message_names_the_usage() -> None:
    error = _error(466, json.dumps(QUOTA_466), method="sendMessage")

    assert "checkwhatsapp: 100 of 100 used" in error.message


def test_rate_limited_carries_retry_after_seconds() -> None:
    reply = Reply(status=429, body=b"", retry_after="2")
    with pytest.raises(RateLimited) as caught:
        interpret(reply, method="qr", verb="GET")

    assert caught.value.retry_after == 2.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1", 1.0),
        ("0.5", 0.5),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_errors_raised_here_have_no_context_or_cause() -> None:
    for status, body in [(200, "{broken"), (200, "[" * 100_000), (400, "x"), (500, "")]:
        error = _error(status, body)
        assert error.__context__ is None
        assert error.__cause__ is None
