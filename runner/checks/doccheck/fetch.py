"""doc-check, fetching: the article's address in the asked locale, and its bytes.

support.microsoft.com and learn.microsoft.com put the locale first in the path (`/tr-tr/office/...`,
`/tr-tr/troubleshoot/...`), so a check in another language is another address; the request also asks
for the language (Accept-Language), for sites that pick it from the header. A MicrosoftDocs
Markdown file given by its GitHub page is fetched raw (download_url). A page that cannot be fetched
is DocCheckError: no verdict, never a "missing" for every quote.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from ... import __version__
from ...core.errors import UsageError

FETCH_TIMEOUT = (10, 30)  # connect, read (seconds)
MAX_BYTES = 5_000_000
LOCALE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
# support.microsoft.com paths start with the locale (/en-us/office/...); bare languages whose usual
# region is not the language itself (ja -> ja-jp), for `--locale ja`
DEFAULT_REGION = {"en": "us", "ja": "jp", "zh": "cn", "ko": "kr", "sv": "se", "da": "dk", "cs": "cz", "el": "gr",
                  "he": "il", "uk": "ua", "nb": "no", "sl": "si", "et": "ee", "ar": "sa", "hi": "in", "vi": "vn",
                  "sr": "latn-rs", "ca": "es", "eu": "es", "gl": "es", "kk": "kz", "ms": "my", "fa": "ir"}


class DocCheckError(Exception):
    """The document could not be read (network, HTTP error, not a document): no verdict."""


def normalize_locale(value: str) -> str:
    """`tr`, `tr-TR` or `tr_tr` -> `tr-tr` (support.microsoft.com's spelling); UsageError otherwise."""
    text = value.strip().replace("_", "-").lower()
    if not LOCALE_RE.match(text):
        raise UsageError(f"--locale {value!r}: write a locale such as en-US or tr-TR (or a language: tr)")
    if "-" not in text:
        text = f"{text}-{DEFAULT_REGION.get(text, text)}"
    return text


def localized_url(url: str, locale: str | None) -> str:
    """The article's address in `locale`: the first path segment is the locale on support.microsoft.com
    (`/tr-tr/office/...`); it is replaced where present, inserted on Microsoft's support and learn
    sites, and any other address is left as it is (the request's Accept-Language still asks)."""
    if not locale:
        return url
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if len(segments) > 1 and LOCALE_RE.match(segments[1].lower()) and "-" in segments[1]:
        segments[1] = locale
    elif parts.hostname in ("support.microsoft.com", "support.office.com", "learn.microsoft.com"):
        segments.insert(1, locale)
    else:
        return url
    return urlunsplit(parts._replace(path="/".join(segments)))


GITHUB_BLOB = re.compile(r"^https://github\.com/([^/]+)/([^/]+)/blob/(.+)$")


def download_url(url: str) -> str:
    """Where the article's text is: a MicrosoftDocs Markdown file's GitHub page
    (`github.com/OWNER/REPO/blob/BRANCH/PATH.md`) is fetched raw from raw.githubusercontent.com, the
    Markdown itself rather than GitHub's page around it; every other address as it is."""
    found = GITHUB_BLOB.match(url.split("#")[0])
    if found is None:
        return url
    path = found.group(3).split("?")[0]
    return f"https://raw.githubusercontent.com/{found.group(1)}/{found.group(2)}/{path}"


def accept_language(locale: str | None) -> str:
    if not locale:
        return "en-US,en;q=0.8"
    language = locale.split("-")[0]
    return f"{locale},{language};q=0.9,en;q=0.5"


def fetch(url: str, locale: str | None) -> tuple[str, str, bytes]:
    """GET the article (redirects followed, proxies from the environment): (final URL, type, body)."""
    import requests

    headers = {"User-Agent": f"m365-replay/{__version__} doc-check", "Accept-Language": accept_language(locale),
               "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.5"}
    try:
        with requests.get(download_url(url), headers=headers, timeout=FETCH_TIMEOUT, stream=True) as response:
            if response.status_code in (404, 410):
                raise DocCheckError(f"the article is gone: HTTP {response.status_code} at {response.url}")
            if response.status_code >= 400:
                raise DocCheckError(f"HTTP {response.status_code} {response.reason} at {response.url}")
            body = response.raw.read(MAX_BYTES + 1, decode_content=True)
            if len(body) > MAX_BYTES:
                raise DocCheckError(f"{response.url} is larger than {MAX_BYTES // 1_000_000} MB: not an article")
            return response.url, response.headers.get("Content-Type", ""), body
    except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL):
        raise DocCheckError(f"{url!r} is not an http(s) address; `source:` is the article's URL") from None
    except requests.RequestException as exc:
        raise DocCheckError(f"could not fetch {url}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    """The cause in a few words (requests' messages nest the whole connection pool's repr)."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^'\")]+)|(Read timed out|Connection refused|Name or service not known)",
                      text)
    return (found.group(1) or found.group(2)) if found else type(exc).__name__
