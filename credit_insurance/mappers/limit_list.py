"""Rows of a file insurer's limit list → the neutral cover vocabulary.

A limit list is the insurer's statement of every buyer's limit at a date:
one row per buyer with its insurer buyer id, legal id (VAT or registry),
country, decision, amount, currency, effective date, expiry and conditions.
Column titles differ between insurers: each backend names its own, and
common titles are understood when it names none.
"""

import datetime
import hashlib
import re

from .decision import Decision

# Neutral key -> titles understood without configuration (compared normalised).
COLUMNS = {
    "buyer_ref": ("buyer id", "buyer", "buyer number", "insurer buyer id", "ehid", "company id"),
    "legal_id": ("legal id", "vat", "vat number", "registration number", "national id", "siren"),
    "country": ("country", "country code", "buyer country"),
    "policy": ("policy", "policy number", "policy id"),
    "decision": ("decision", "status", "decision type", "cover status"),
    "amount": ("amount", "limit", "credit limit", "decided amount", "approved amount"),
    "requested": ("requested amount", "requested"),
    "currency": ("currency", "currency code"),
    "decision_date": ("decision date",),
    "effective_date": ("effective date", "effective", "valid from"),
    "expiry_date": ("expiry date", "expiry", "valid until", "expires"),
    "conditions": ("conditions", "condition", "remarks"),
    "reference": ("decision id", "decision reference", "reference"),
    "cover_ref": ("cover id", "cover reference", "limit id"),
    "name": ("buyer name", "name", "company name"),
}
# A list can be read only with these (and a buyer id or a legal id).
REQUIRED = ("decision", "amount")

# What insurers write in the decision column -> neutral answer (4507 codes too).
DECISIONS = {
    "approved": "approved",
    "approval": "approved",
    "granted": "approved",
    "accepted": "approved",
    "2": "approved",
    "4": "approved",
    "partly": "partial",
    "partial": "partial",
    "partly approved": "partial",
    "partially approved": "partial",
    "5": "partial",
    "refused": "refused",
    "refusal": "refused",
    "declined": "refused",
    "not approved": "refused",
    "3": "refused",
    "reduced": "reduced",
    "reduction": "reduced",
    "9": "reduced",
    "withdrawn": "withdrawn",
    "withdrawal": "withdrawn",
    "cancelled": "withdrawn",
    "canceled": "withdrawn",
    "cancellation": "withdrawn",
    "8": "withdrawn",
    "expired": "expired",
    "referred": "referred",
    "pending": "referred",
    "under review": "referred",
    "still investigating": "referred",
    "6": "referred",
    "superseded": "superseded",
}
# Answers that cover nothing: their amount is 0 whatever the file says.
NOTHING = ("refused", "withdrawn", "expired", "referred")


def title(text):
    """A column title compared without case, spaces, underscores or dots."""
    return re.sub(r"[\s_.\-]+", " ", str(text or "")).strip().lower()


def key(text):
    """A legal or buyer id compared without separators and case."""
    return re.sub(r"[^0-9A-Za-z]", "", str(text or "")).upper()


def locate(table, configured, scan=10):
    """Finds the header among the first ``scan`` rows of ``table``: the
    first row holding the required columns. ``configured`` maps keys to the
    backend's own titles (which win over the common ones). Returns
    ``(header row index, {key: column})`` or ``(None, missing keys)``."""
    best_missing = None
    for index, row in enumerate(table[:scan]):
        titles = [title(cell) for cell in row]
        positions = {}
        for name, aliases in COLUMNS.items():
            wanted = [title(configured.get(name))] if configured.get(name) else []
            for candidate in (*wanted, *aliases):
                if candidate in titles:
                    positions[name] = titles.index(candidate)
                    break
        missing = [name for name in REQUIRED if name not in positions]
        if "buyer_ref" not in positions and "legal_id" not in positions:
            missing.append("buyer_ref")
        if not missing:
            return index, positions
        if best_missing is None or len(missing) < len(best_missing):
            best_missing = missing
    return None, best_missing or list(REQUIRED)


def answer(text):
    """The neutral answer of a decision cell, None when not understood."""
    return DECISIONS.get(title(text))


def parse_date(text, day_first=True):
    """A date cell: ISO (from a workbook or written so), else day/month/year
    (or month/day/year) with slashes, dots or dashes. None when empty;
    ValueError when not a date."""
    text = str(text or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?", text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    if not match:
        raise ValueError(text)
    first, second, year = (int(part) for part in match.groups())
    day, month = (first, second) if day_first else (second, first)
    return datetime.date(year, month, day)


def fingerprint(values):
    """The reference of a row without the insurer's decision id: the same
    row of a list imported again is the same decision."""
    text = "|".join(str(values.get(name) or "") for name in sorted(values))
    return "list:" + hashlib.sha1(text.encode()).hexdigest()[:20]


def decision(values, *, answer_code, amount, requested, currency, dates, raw):
    """The :class:`Decision` of a checked row."""
    decision_date, effective, expiry = (d.isoformat() if d else "" for d in dates)
    reference = values.get("reference") or fingerprint(
        {
            "buyer": values.get("buyer_ref") or values.get("legal_id"),
            "answer": answer_code,
            "amount": amount,
            "currency": currency,
            "decision_date": decision_date,
            "effective": effective,
            "expiry": expiry,
            "conditions": values.get("conditions"),
        }
    )
    return Decision(
        answer=answer_code,
        amount=0.0 if answer_code in NOTHING else amount,
        requested_amount=requested or 0.0,
        currency=currency,
        buyer_ref=values.get("buyer_ref") or "",
        # Without a cover id, the buyer's: a change is asked on the cover it names.
        insurer_cover_id=values.get("cover_ref") or values.get("buyer_ref") or "",
        reference=reference,
        decision_date=decision_date,
        effective_date=effective,
        expiry_date=expiry,
        conditions=values.get("conditions") or "",
        raw=raw,
    )
