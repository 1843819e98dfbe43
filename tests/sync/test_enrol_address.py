"""`hjdesk enrol` refuses a plain http:// hub address unless the hub is on this machine: over a
network the device token and every record would travel readable."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hjdesk.storage.errors import InvalidInput
from hjdesk.sync.client import check_hub_address
from tests.sync.helpers import Laptop, run_cli


@pytest.mark.parametrize(
    "url",
    ["https://hub.example:8443", "http://127.0.0.1:8443", "http://localhost:8443",
     "http://[::1]:8443", "http://127.0.0.2"],
)  # fmt: skip
def test_https_or_loopback_addresses_are_accepted(url: str) -> None:
    check_hub_address(url)


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5:8443", "http://hub.example:8443", "http://localhost.evil.example",
     "ftp://hub", "hub:8443", "https://", "http://"],
)  # fmt: skip
def test_other_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_hub_address(url)


def test_enrol_over_plain_http_to_another_machine_is_a_one_line_error(
    make_laptop: Callable[[str], Laptop],
) -> None:
    laptop = make_laptop("a")
    result = run_cli("enrol", "--home", str(laptop.home.root), "--hub", "http://10.0.0.5:8443",
                     "--code", "ABCD-EFGH-JKLM-NPQR")  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "plain http://" in line
    assert "https://" in line
