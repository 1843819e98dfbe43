"""Interoperability: HJDesk's records as documents other NHS systems can read (FHIR R4, UK Core).

Sits beside hjdesk.reports (it carries the printed PDF inside the FHIR document) and above
hjdesk.services, whose read models it turns into FHIR resources. docs/fhir.md says what is sent.
"""

from hjdesk.interop.fhir_export import FhirExport, build_fhir_summary, save_fhir_summary

__all__ = ["FhirExport", "build_fhir_summary", "save_fhir_summary"]
