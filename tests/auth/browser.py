"""What a user does in a browser on a sign-in page: open it, click a button, follow the redirect.

Works on the two consent pages the local servers serve: the Mastodon-API
server's account picker (buttons ``username``) and the Threads contract
server's consent page ("Continue as @name" / Cancel). ``choice`` is the
account to continue as, or ``"deny"``. Also a command, for ``$BROWSER`` in
tests of the real ``decentsocial login`` command (webbrowser runs
``python -m tests.auth.browser URL``; the choice comes from
``DECENTSOCIAL_TEST_BROWSER_CHOICE``)::

    BROWSER="python -m tests.auth.browser %s"
"""

from __future__ import annotations

import os
import sys
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import httpx


class ConsentForm(HTMLParser):
    """The page's form: its action, hidden fields and buttons ``(name, value, label)``."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str, str]] = []
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self.buttons.append((*self._button, data.strip()))
            self._button = None


def click(url: str, choice: str) -> httpx.Response:
    """Open ``url``, click the button for ``choice`` (an account, or ``"deny"``), follow redirects."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    with httpx.Client(follow_redirects=True, timeout=15) as browser:
        page = browser.get(url)
        page.raise_for_status()
        form = ConsentForm()
        form.feed(page.text)
        for name, value, label in form.buttons:
            wanted = (
                (choice == "deny" and name == "decision")
                or (name == "username" and value == choice)
                or (name == "user_id" and label.endswith("@" + choice))
            )
            if wanted:
                return browser.post(origin + form.action, data={**form.fields, name: value})
        if choice == "deny" and "redirect_uri" in form.fields:
            # The Mastodon-API test server has no Deny button: send what Mastodon's Deny sends.
            target = form.fields["redirect_uri"]
            query = urlencode({"error": "access_denied", "state": form.fields.get("state", "")})
            return browser.get(f"{target}{'&' if '?' in target else '?'}{query}")
        raise AssertionError(f"no button for {choice!r} on the page: {form.buttons}")


def main() -> None:
    click(sys.argv[1], os.environ.get("DECENTSOCIAL_TEST_BROWSER_CHOICE", "alice"))


if __name__ == "__main__":
    main()
