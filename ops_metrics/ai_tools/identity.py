"""Directory resolution: vendor identities (logins, user ids) to emails.

Tools that identify people by a login or an id are resolved through a directory: the vendor's own
(OpenAI's users list, the chat assistant's users endpoint) or the company's people directory
(`GET /directory/v1/people`, an HR/IdP export with each person's linked tool identities, no
auth). An identity that cannot be resolved is kept with its raw identifier and a NULL email,
never dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ops_metrics.ingestion.api_extractor import APIExtractor
from ops_metrics.ingestion.pagination import OffsetPagination, Pagination
from ops_metrics.sources import SIMULATOR_BASE_URL, SourcesResource

DIRECTORY_URL_ENV = "OPS_METRICS_DIRECTORY_URL"
DIRECTORY_PATH = "/directory/v1/people"
DIRECTORY_PAGE_SIZE = 500


def collect(
    extractor: APIExtractor,
    url: str,
    pagination: Pagination,
    items: Callable[[Any], list[dict[str, Any]]],
    key: str,
    params: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Page through a people list into {identity (lower-cased) -> email}; people without the
    identity or an email are skipped (their usage then stays unresolved)."""
    directory: dict[str, str] = {}
    for page in extractor.paginate("GET", url, pagination, items, params):
        for person in page:
            identity, email = person.get(key), person.get("email")
            if identity and email:
                directory[str(identity).strip().lower()] = str(email)
    return directory


def org_directory(extractor: APIExtractor, sources: SourcesResource, key: str) -> dict[str, str]:
    """The company people directory as {`key` (e.g. github_login) -> email}.

    Simulated mode reads the simulator's directory. Live mode needs OPS_METRICS_DIRECTORY_URL;
    without it identities stay unresolved (kept, NULL email, counted) and this says so once per
    run instead of failing the tool's load.
    """
    if not sources.simulated and not os.environ.get(DIRECTORY_URL_ENV, "").strip():
        extractor.log.warning(
            "%s: %s is not set, so %s identities stay unresolved (NULL engineer_email)",
            extractor.source,
            DIRECTORY_URL_ENV,
            key,
        )
        return {}
    # A client of its own: the directory is another host, and must not see the vendor's key.
    client = sources.client(DIRECTORY_URL_ENV, SIMULATOR_BASE_URL)
    people = APIExtractor(f"{extractor.source}/directory", client, extractor.retry, extractor.log)
    people.stats = extractor.stats  # directory calls count in the tool's request stats
    pagination = OffsetPagination(
        "offset", "limit", DIRECTORY_PAGE_SIZE, total=lambda body: body.get("total")
    )
    with client:
        return collect(people, DIRECTORY_PATH, pagination, lambda body: body["items"], key)
