"""The app factory builds an app without import-time side effects."""

from web import create_app


def test_healthz():
    client = create_app({"TESTING": True}).test_client()
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
