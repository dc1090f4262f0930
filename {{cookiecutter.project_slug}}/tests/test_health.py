import logging


def test_healthz_answers_ok_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_stays_put_when_the_api_moves(make_app):
    assert make_app(API_PREFIX="/v2").test_client().get("/healthz").status_code == 200


def test_healthz_logs_nothing(app, client, caplog):
    with caplog.at_level(logging.DEBUG, logger=app.logger.name):
        assert client.get("/healthz").status_code == 200
    assert caplog.records == []


def test_healthz_only_reads(client):
    assert client.post("/healthz").status_code == 405
