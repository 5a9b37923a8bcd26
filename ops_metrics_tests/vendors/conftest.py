"""The documented-examples server the vendor tests run adapters against (docs_server.py), with
the company people directory the examples' `expect.directory` entries assume."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ops_metrics_tests.vendors import docs_server
from ops_metrics_tests.vendors._examples import FIXTURES, directory_fixture


@pytest.fixture(scope="module")
def server() -> Iterator[docs_server.DocsServer]:
    running = docs_server.serve([*FIXTURES, directory_fixture(FIXTURES)])
    yield running
    running.shutdown()
    running.server_close()
