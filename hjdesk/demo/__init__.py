"""The demo establishment: a deterministic synthetic prison, built through the services.

`build_demo` is the face the command line, the self-test and the benchmarks use. The modules inside
write each part of the history (clinics, encounters, ACCT, care plans, records) with the same rules
and services a nurse's form goes through; they re-declare no clinical constant.
"""

from hjdesk.demo.establishment import build_demo

__all__ = ["build_demo"]
