"""`fold`, the key the roll filter and the stored name search compare: case, accents and
punctuation ignored. Its ASCII shortcut must give exactly the general rule's answer, or names
stored by one would not be found by the other."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from hjdesk.services.patients import fold


def _general_rule(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum())


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_shortcut_agrees_with_the_general_rule(text: str) -> None:
    assert fold(text) == _general_rule(text)


@given(st.text())
def test_any_text_folds_by_the_general_rule(text: str) -> None:
    assert fold(text) == _general_rule(text)


def test_names_fold_to_their_letters_and_digits() -> None:
    assert fold("O'Brien-Núñez") == "obriennunez"
    assert fold("MCDONALD, Mary-Jane") == "mcdonaldmaryjane"
    assert fold("A1234BC") == "a1234bc"
    assert fold("Straße") == "strasse"
    assert fold("") == ""
    assert fold(" -'. ") == ""
