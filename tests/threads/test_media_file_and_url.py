"""One ``Media`` with a file and a URL in one crosspost: Threads takes the URL, the sandbox the bytes.

(The Mastodon side, which uploads the file, is in tests/mastodon/test_campaigns.py.)
"""

from __future__ import annotations

from pathlib import Path

import decentsocial as ds
from tests.images import png
from tests.servers._process import ContractServer
from tests.servers.threads import threads_connect, threads_user


def test_threads_links_the_url_while_the_sandbox_keeps_the_file(
    threads_server: ContractServer, tmp_path: Path
) -> None:
    image = tmp_path / "banner.png"
    image.write_bytes(png(3, 3))
    public = "https://cdn.example/banner.png"
    draft = ds.Draft(text="launch day", media=(ds.Media(path=image, url=public, alt_text="banner"),))
    with (
        threads_connect(threads_server, threads_user(threads_server)) as threads,
        ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as sandbox,
    ):
        result = ds.crosspost(draft, [threads, sandbox])
        result.raise_for_errors()
        on_threads = threads.get_post(result.outcomes[0].posts[0].id)
        on_sandbox = sandbox.get_post(result.outcomes[1].posts[0].id)
    (linked,) = on_threads.media
    assert linked.url == public
    (kept,) = on_sandbox.media
    assert kept.data == image.read_bytes()
    assert kept.url == public


def test_a_file_without_a_url_is_still_refused_by_threads_before_any_request(
    threads_server: ContractServer, tmp_path: Path
) -> None:
    image = tmp_path / "banner.png"
    image.write_bytes(png())
    with threads_connect(threads_server, threads_user(threads_server)) as threads:
        dry = ds.crosspost(ds.Draft(text="x", media=(ds.Media(path=image),)), [threads], dry_run=True)
    assert isinstance(dry.outcomes[0].error, ds.ContentRejected)
    assert "Media(url=" in str(dry.outcomes[0].error)
