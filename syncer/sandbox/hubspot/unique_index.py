"""Values that identify a record: a contact's email (and the additional emails a merge leaves),
and every hasUniqueValue property. Each maps its normalised value to the record holding it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from syncer.sandbox.hubspot.errors import (
    CONFLICT,
    ApiError,
    PropertyProblem,
    contact_exists,
    duplicate_ids,
    property_values_invalid,
)
from syncer.sandbox.hubspot.schema import ObjectTypeSpec

# (property name, normalised value) -> id of the record (or batch input) holding it
Claims = dict[tuple[str, str], int]
PENDING_CREATE = -1  # claim held by an earlier create in the same batch, not yet applied
ADDITIONAL_EMAILS = "hs_additional_emails"


class UniqueIndex:
    def __init__(
        self, spec: ObjectTypeSpec, names: Iterable[str], portal_id: int, violation_status: int
    ) -> None:
        self.spec = spec
        self.by_name: dict[str, dict[str, int]] = {name: {} for name in names}
        if spec.unique_email:
            self.by_name["email"] = {}
        self._portal_id = portal_id
        self._violation_status = violation_status

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def holder(self, name: str, value: str) -> int | None:
        return self.by_name[name].get(unique_key(name, value))

    def check(self, values: Mapping[str, str], own_id: int | None, claims: Claims) -> None:
        """Refuse a value another record (or an earlier input of the same batch) holds;
        on success the values are added to `claims` for the inputs that follow."""
        keys = [(n, unique_key(n, v)) for n, v in values.items() if v and n in self.by_name]
        for name, key in keys:
            holder = self.by_name[name].get(key, claims.get((name, key)))
            if holder == PENDING_CREATE:
                raise duplicate_ids([values[name]])
            if holder is not None and holder != own_id:
                raise self._violation(name, values[name], holder)
        for name_key in keys:
            claims[name_key] = own_id if own_id is not None else PENDING_CREATE

    def reindex(self, record_id: int, old: Mapping[str, str], new: Mapping[str, str]) -> None:
        for name, index in self.by_name.items():
            if name == "email" and (ADDITIONAL_EMAILS in old or ADDITIONAL_EMAILS in new):
                _index_all_emails(index, record_id, old, new)
                continue
            before, after = old.get(name), new.get(name)
            if before == after:
                continue
            if before:
                index.pop(unique_key(name, before), None)
            if after:
                index[unique_key(name, after)] = record_id

    def add(self, name: str, records: Iterable[tuple[int, Mapping[str, str]]]) -> None:
        """Start indexing a property that has just become unique."""
        if name in self.by_name:
            return
        index = self.by_name[name] = {}
        for record_id, properties in records:
            value = properties.get(name)
            if value:
                index[unique_key(name, value)] = record_id

    def drop(self, name: str) -> None:
        if not (name == "email" and self.spec.unique_email):
            self.by_name.pop(name, None)

    def _violation(self, name: str, value: str, holder: int) -> ApiError:
        if name == "email" and self.spec.unique_email:
            return contact_exists(holder)
        problem = PropertyProblem(
            name,
            "INVALID_PROPERTY_VALUE",
            f"Another {self.spec.type_word.lower()} ({holder}) already has that value: "
            f'{name} "{value}" must be unique',
        )
        error = property_values_invalid([problem], self._portal_id)
        error.status = self._violation_status
        if error.status == 409:
            error.category = CONFLICT
        return error


def _index_all_emails(
    index: dict[str, int], record_id: int, old: Mapping[str, str], new: Mapping[str, str]
) -> None:
    """A contact's additional emails (a merge leaves them) identify it as its email does:
    no other contact may take them."""
    before, after = _all_emails(old), _all_emails(new)
    for key in before - after:
        if index.get(key) == record_id:
            del index[key]
    for key in after:
        index[key] = record_id


def _all_emails(properties: Mapping[str, str]) -> set[str]:
    found = [properties.get("email", ""), *properties.get(ADDITIONAL_EMAILS, "").split(";")]
    return {unique_key("email", email) for email in found if email}


def unique_key(name: str, value: str) -> str:
    """Emails are unique case-insensitively; other unique values compare exactly."""
    return value.strip().lower() if name == "email" else value
