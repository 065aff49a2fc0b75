"""The instance reports its health."""

from fedi.context import health_status


async def test_health_answers_once_migrated(client, svc):
    """GET /health answers with the migration and worker state."""
    response = await client.get("/health")
    body = await response.get_json()
    assert body["migrated"] is True
    # Workers are not started in the test app; the status says so honestly.
    assert response.status_code == 503 and body["workers"] is False
    svc.jobs.start()
    try:
        assert (await health_status(svc))["workers"] is True
        response = await client.get("/health")
        assert response.status_code == 200
        assert (await response.get_json())["status"] == "ok"
    finally:
        await svc.jobs.stop()
