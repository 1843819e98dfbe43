"""Diabetes and hypertension review pages: the 9 care processes (NICE QS209) with HbA1c against
its NG28 target and the next foot review (NG19); clinic BP against the NG136 target for age, and a
postural drop."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from hjdesk.clinical import ltc
from hjdesk.clinical.ltc import FootRisk
from hjdesk.services.common import local_today
from hjdesk.ui.encounter.ltc_page import SMOKING, ConditionPage, unit
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.widgets.fields import Combo, NumberField, YesNo, clean, paint

FOOT = tuple((r.value, r.value.title()) for r in FootRisk)


class DiabetesPage(ConditionPage):
    """The 9 care processes (NICE QS209), HbA1c target (NG28) and foot risk (NG19)."""

    NUMBERS = (
        ("HBA1C", "&HbA1c", True),
        ("BP_SYSTOLIC", "BP systolic", False),
        ("BP_DIASTOLIC", "BP diastolic", False),
        ("CHOLESTEROL", "Total &cholesterol", True),
        ("CREATININE", "Serum c&reatinine", True),
        ("UACR", "&Urine albumin:creatinine ratio", True),
        ("BMI", "&BMI", True),
    )

    def __init__(self) -> None:
        super().__init__("Diabetes review: 9 care processes")
        self.numbers: dict[str, NumberField] = {}
        for code, label, decimals in self.NUMBERS:
            name = f"{label.replace('&', '')} ({unit(code)})"
            self.numbers[code] = self.add(
                code, f"{label} ({unit(code)})", NumberField(name, decimals=decimals)
            )
        self.hypo = self.add(
            "on_hypoglycaemic_drug",
            "On a drug that can cause h&ypoglycaemia",
            YesNo("On a drug that can cause hypoglycaemia"),
        )
        self.foot = self.add("FOOT_RISK", "&Foot risk (foot examination)", Combo(FOOT, "Foot risk"))
        self.smoking = self.add(
            "SMOKING_STATUS", "&Smoking status", Combo(SMOKING, "Smoking status")
        )
        self.retinal = self.add("RETINAL_SCREENING", "Re&tinal screening", QLineEdit())
        self.retinal.setPlaceholderText("e.g. attended, no retinopathy")
        self.retinal.setMaxLength(60)
        self.result = self.note()
        self.result.setAccessibleName("Diabetes review result")
        self.changed.connect(self.refresh)
        self.refresh()

    def recorded(self) -> int:
        done = {code for code, field in self.numbers.items() if field.text().strip()}
        processes = [
            "HBA1C" in done,
            {"BP_SYSTOLIC", "BP_DIASTOLIC"} <= done,
            "CHOLESTEROL" in done,
            "CREATININE" in done,
            "UACR" in done,
            self.foot.value() is not None,
            "BMI" in done,
            self.smoking.value() is not None,
            bool(self.retinal.text().strip()),
        ]
        return sum(processes)

    def refresh(self) -> None:
        lines = [f"{self.recorded()} of 9 care processes recorded today."]
        level = None
        try:
            hba1c = self.numbers["HBA1C"].value()
        except ValueError:
            hba1c = None
        if hba1c is not None:
            try:
                found = ltc.hba1c_assessment(float(hba1c), self.hypo.value() is True, False)
            except ValueError as exc:
                lines.append(f"HbA1c: {exc}.")
            else:
                words = found.band.value.lower().replace("_", " ")
                lines.append(
                    f"HbA1c {hba1c:g} mmol/mol, target {found.target.target_mmol_mol}: {words}."
                )
                level = {"AT_OR_BELOW_TARGET": "GREEN", "ABOVE_TARGET": "AMBER"}.get(
                    found.band.value, "RED"
                )
        foot = self.foot.value()
        if foot is not None:
            due = ltc.next_foot_review(FootRisk(foot), local_today())
            what = "refer to the foot service by" if foot == "ACTIVE" else "next foot review by"
            lines.append(f"Foot risk {foot.lower()}: {what} {due:%d %b %Y}.")
            if foot == "ACTIVE":
                level = "RED"
        self.result.setText("\n".join(lines))
        paint(self.result, level)

    def contribute(self, parts: FormParts) -> None:
        try:
            for code, field in self.numbers.items():
                parts.measure(code, field.value())
        except ValueError:
            parts.problems.append("Diabetes review: results must be numbers.")
        parts.measure("FOOT_RISK", self.foot.value())
        parts.measure("SMOKING_STATUS", self.smoking.value())
        parts.measure("RETINAL_SCREENING", clean(self.retinal.text()) or None)
        if self.hypo.value() is not None:
            parts.data["on_hypoglycaemic_drug"] = bool(self.hypo.value())


class HypertensionPage(ConditionPage):
    """Clinic BP against the NG136 target for age; lying and standing BP for a postural drop."""

    def __init__(self) -> None:
        super().__init__("Hypertension review")
        self.systolic = self.add(
            "BP_SYSTOLIC", "Clinic BP s&ystolic (mmHg)", NumberField("Clinic BP systolic")
        )
        self.diastolic = self.add(
            "BP_DIASTOLIC", "Clinic BP &diastolic (mmHg)", NumberField("Clinic BP diastolic")
        )
        self.lying = self.add(
            "lying_systolic", "&Lying systolic (mmHg)", NumberField("Lying systolic")
        )
        self.standing = self.add(
            "standing_systolic", "S&tanding systolic (mmHg)", NumberField("Standing systolic")
        )
        self.notes = self.add("adherence", "Medicines and &adherence", QLineEdit())
        self.result = self.note()
        self.result.setAccessibleName("Hypertension review result")
        self.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        lines: list[str] = []
        level = None
        try:
            s, d = self.systolic.value(), self.diastolic.value()
            lying, standing = self.lying.value(), self.standing.value()
        except ValueError:
            return
        if s is not None and d is not None and self.age is not None:
            try:
                ok = ltc.bp_at_target(int(s), int(d), self.age, ltc.BpSetting.CLINIC)
            except ValueError as exc:
                lines.append(f"{exc}.")
            else:
                target = ltc.bp_target(self.age, ltc.BpSetting.CLINIC)
                verdict = "at target" if ok else "ABOVE target"
                lines.append(
                    f"Clinic BP {s}/{d}: {verdict} (below "
                    f"{target.systolic_below}/{target.diastolic_below} at age {self.age})."
                )
                level = "GREEN" if ok else "AMBER"
        if lying is not None and standing is not None:
            try:
                drop = ltc.postural_drop_needs_medication_review(int(lying), int(standing))
            except ValueError as exc:
                lines.append(f"{exc}.")
            else:
                if drop:
                    lines.append(
                        f"Systolic drop of {int(lying) - int(standing)} mmHg: review medicines."
                    )
                    level = "AMBER"
        self.result.setText("\n".join(lines))
        paint(self.result, level)

    def contribute(self, parts: FormParts) -> None:
        try:
            parts.measure("BP_SYSTOLIC", self.systolic.value())
            parts.measure("BP_DIASTOLIC", self.diastolic.value())
            lying, standing = self.lying.value(), self.standing.value()
        except ValueError:
            parts.problems.append("Hypertension review: pressures must be numbers.")
            return
        if lying is not None:
            parts.data["lying_systolic"] = int(lying)
        if standing is not None:
            parts.data["standing_systolic"] = int(standing)
        parts.data.setdefault("ltc", {}).update(self.texts(("adherence",)))
