"""Error reports to Sentry: the real sentry-sdk, sending to an endpoint on loopback.

Every channel's scrubbing of one request full of secrets is checked in ``test_scrubbing.py``.
"""

import logging

import pytest
import sentry_sdk

from conftest import API_KEY, CARD_NUMBER, EMAIL{% if cookiecutter.use_database %}, INSERTED{% endif %}


def test_unhandled_exception_is_reported_once_and_client_errors_not(make_app, sentry_sink):
    dsn, events, _ = sentry_sink
    client = make_app(SENTRY_DSN=dsn).test_client()
    response = client.get("/fail")
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/api/items/999").status_code == 404
    assert client.get("/abort/429").status_code == 429
    sentry_sdk.flush(timeout=10)
    [event] = events
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_raised_on_purpose_is_reported(make_app, sentry_sink, status):
    dsn, events, _ = sentry_sink
    response = make_app(SENTRY_DSN=dsn).test_client().get(f"/abort/{status}")
    sentry_sdk.flush(timeout=10)
    [event] = events
    assert event["level"] == "error"
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]


def test_local_variables_that_look_secret_are_masked(make_app, sentry_sink):
    dsn, events, envelopes = sentry_sink
    app = make_app(SENTRY_DSN=dsn)

    def charge():
        api_key = API_KEY
        raise RuntimeError(f"the payment service refused a key of {len(api_key)} characters")

    app.add_url_rule("/charge", "charge", charge)
    app.test_client().get("/charge")
    sentry_sdk.flush(timeout=10)
    [event] = events
    [frame] = [
        frame
        for frame in event["exception"]["values"][-1]["stacktrace"]["frames"]
        if frame["function"] == "charge"
    ]
    # The frame's local variables were sent, with the secret one masked.
    assert frame["vars"]["api_key"] == "[Filtered]"
    assert API_KEY.encode() not in b"".join(envelopes)


def test_an_event_outside_a_request_is_scrubbed(make_app, sentry_sink):
    """A background job's error, logged by another logger than the app's: only Sentry's own
    scrubbing stands between it and the network."""
    dsn, events, envelopes = sentry_sink
    make_app(SENTRY_DSN=dsn)
    logging.getLogger("billing.nightly").error("card %s of %s was declined", CARD_NUMBER, EMAIL)
    sentry_sdk.flush(timeout=10)
    [event] = events
    # sentry-sdk sends the message and its arguments (newer releases the formatted line too):
    # each is scrubbed.
    logentry = event["logentry"]
    assert logentry["params"] == ["[Filtered]", "[Filtered]"]
    assert logentry.get("formatted", "card [Filtered] of [Filtered] was declined") == (
        "card [Filtered] of [Filtered] was declined"
    )
    assert "request_id" not in event.get("tags", {})
    sent = b"".join(envelopes)
    assert CARD_NUMBER.encode() not in sent and EMAIL.encode() not in sent


{% if cookiecutter.use_database -%}
def test_no_value_of_a_failing_insert_reaches_sentry(make_app, sentry_sink):
    dsn, events, envelopes = sentry_sink
    make_app(SENTRY_DSN=dsn).test_client().post("/store-text-id")
    sentry_sdk.flush(timeout=10)
    [event] = events
    [*_, error] = event["exception"]["values"]
    # SQLite's datatype mismatch, or PostgreSQL's invalid integer.
    assert error["type"] in {"IntegrityError", "DataError"}
    # The view's frame was there to leak it; its local variables were dropped.
    assert any(frame["function"] == "store_a_text_id" for frame in error["stacktrace"]["frames"])
    assert INSERTED.encode() not in b"".join(envelopes)


{% endif -%}
def test_start_up_says_where_events_go_but_not_the_key(make_app, sentry_sink, caplog):
    dsn, _, _ = sentry_sink
    assert "public@" in dsn
    make_app(SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="staging")
    assert "Sentry reporting is on: to 127.0.0.1, environment staging." in caplog.text
    assert "public@" not in caplog.text


def test_an_app_without_a_dsn_stops_an_earlier_apps_reports(make_app, sentry_sink, caplog):
    dsn, events, _ = sentry_sink
    make_app(SENTRY_DSN=dsn).test_client().get("/fail")
    sentry_sdk.flush(timeout=10)
    assert len(events) == 1
    make_app().test_client().get("/fail")
    sentry_sdk.flush(timeout=10)
    assert "Sentry reporting is off" in caplog.text
    assert len(events) == 1
