from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hypothesis import given
from hypothesis import strategies as st

from privacy.vault import PseudonymVault, canonical_value

values = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20)


def test_same_value_gets_the_same_token_and_types_number_separately() -> None:
    vault = PseudonymVault()
    assert vault.pseudonym(entity_type="PERSON", value="Ann") == "<PERSON_1>"
    assert vault.pseudonym(entity_type="PERSON", value="Bob") == "<PERSON_2>"
    assert vault.pseudonym(entity_type="PERSON", value="Ann") == "<PERSON_1>"
    assert vault.pseudonym(entity_type="EMAIL_ADDRESS", value="a@b.com") == "<EMAIL_ADDRESS_1>"


def test_unmask_restores_only_this_vaults_tokens() -> None:
    vault = PseudonymVault()
    token = vault.pseudonym(entity_type="PERSON", value="Ann")
    assert vault.unmask(f"{token} met <PERSON_9>.") == "Ann met <PERSON_9>."


def test_repr_shows_no_values() -> None:
    vault = PseudonymVault()
    vault.pseudonym(entity_type="PERSON", value="Ann")
    assert "Ann" not in repr(vault)


@given(values)
def test_pseudonyms_are_consistent_within_a_vault(names: list[str]) -> None:
    vault = PseudonymVault()
    first = [vault.pseudonym(entity_type="PERSON", value=n) for n in names]
    again = [vault.pseudonym(entity_type="PERSON", value=n) for n in names]
    assert first == again
    assert len(set(first)) == len({canonical_value("PERSON", n) for n in names})
    assert all(
        canonical_value("PERSON", vault.original(t) or "") == canonical_value("PERSON", n)
        for t, n in zip(first, names, strict=True)
    )


@given(values, values)
def test_vaults_share_no_state(a_names: list[str], b_names: list[str]) -> None:
    a, b = PseudonymVault(), PseudonymVault()
    a_tokens = [a.pseudonym(entity_type="PERSON", value=n) for n in a_names]
    assert len(b) == 0
    assert all(b.original(t) is None for t in a_tokens)
    b_tokens = [b.pseudonym(entity_type="PERSON", value=n) for n in b_names]
    assert b_tokens[0] == "<PERSON_1>"
    assert all(a.original(t) in a_names for t in b_tokens if a.original(t) is not None)


def test_concurrent_vaults_do_not_leak_into_each_other() -> None:
    def request(tenant: str) -> tuple[PseudonymVault, list[str]]:
        vault = PseudonymVault()
        names = [f"{tenant}-customer-{i}" for i in range(300)]
        for _ in range(3):
            for name in names:
                vault.pseudonym(entity_type="PERSON", value=name)
        return vault, names

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(request, ["acme", "globex", "initech", "umbrella"]))
    for vault, names in results:
        assert len(vault) == len(names)
        restored = vault.unmask(" ".join(f"<PERSON_{i}>" for i in range(1, 301)))
        assert restored == " ".join(names)
