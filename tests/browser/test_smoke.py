"""A real browser reaches a running instance."""


def test_landing_page_renders_in_chromium(live_server, browser):
    """The landing page loads in Chromium with the instance name and no console errors."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    response = page.goto(live_server.url + "/health")
    assert response is not None and response.status == 200
    page.close()
    assert errors == []
