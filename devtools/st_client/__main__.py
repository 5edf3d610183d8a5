"""`python -m devtools.st_client URL`: open a page as a light client, change widgets, print what each run sent."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from devtools.st_client.results import RerunResult
from devtools.st_client.session import StreamlitSession


def _summary(label: str, result: RerunResult) -> str:
    widgets = ", ".join(f"{w.key or w.label}={w.value!r}" for w in result.widgets if w.value is not None)
    return (f"{label}: {result.status} {result.seconds:.3f} s, {result.bytes:,} bytes in {result.messages} messages"
            f" ({result.cache_refs} cached refs); page={result.page!r} query={result.query_string!r}\n"
            f"  elements: {result.elements}\n  widgets: {widgets}\n"
            + "".join(f"  error: {e}\n" for e in result.errors)
            + "".join(f"  text: {t[:110]}\n" for t in result.texts[:12]))


async def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open a page of a running Streamlit app as a light client, "
                                                 "optionally change widgets, and print what each run sent.")
    parser.add_argument("url", help="base URL, e.g. http://127.0.0.1:8501")
    parser.add_argument("--page", default="", help="URL path of the page (default: the start page)")
    parser.add_argument("--query", default="", help="query string without '?'")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="change a widget (user key or label) after opening; repeatable")
    parser.add_argument("--repeat", type=int, default=1, help="open the page this many times (first is cold)")
    args = parser.parse_args(argv)
    failed = False
    async with StreamlitSession(args.url) as session:
        for n in range(args.repeat):
            result = await session.open(args.page, args.query)
            failed |= not result.ok
            print(_summary(f"open #{n + 1}", result))
        for change in args.set:
            name, _, value = change.partition("=")
            result = await session.set_widget(name, value)
            failed |= not result.ok
            print(_summary(f"set {name}", result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
