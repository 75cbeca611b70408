"""The neutral vocabulary of cover requests and answers, after the UN/EDIFACT
code lists of the RECECO message: 4505 (credit cover request type) and 4507
(credit cover response type).

Requests: new, increase, reduce, cancel, prolong.
Answers: requested (sent, nothing heard yet), referred (still investigating),
approved, partial (partly approved), refused (not approved), reduced,
withdrawn (cancelled by the insurer), expired, superseded (replaced by a
later decision). The last three and "requested" have no 4507 code.
"""

REQUEST_KINDS = [
    ("new", "New Cover"),
    ("increase", "Increase"),
    ("reduce", "Reduction"),
    ("cancel", "Cancellation"),
    ("prolong", "Prolongation"),
]

ANSWERS = [
    ("requested", "Requested"),
    ("referred", "Referred"),
    ("approved", "Approved"),
    ("partial", "Partially Approved"),
    ("refused", "Refused"),
    ("reduced", "Reduced"),
    ("withdrawn", "Withdrawn"),
    ("expired", "Expired"),
    ("superseded", "Superseded"),
]

# 4505 credit cover request type code
REQUEST_CODES = {"new": "2", "increase": "3", "cancel": "6", "reduce": "7", "prolong": "8"}

# 4507 credit cover response type code
ANSWER_CODES = {
    "approved": "2",
    "refused": "3",
    "partial": "5",
    "referred": "6",
    "withdrawn": "8",
    "reduced": "9",
}
CONDITIONAL_APPROVAL = "4"

# Answers under which the insurer covers the decided amount.
COVERING = ("approved", "partial", "reduced")
# Answers still waiting for the insurer.
PENDING = ("requested", "referred")


def request_code(kind):
    return REQUEST_CODES.get(kind)


def answer_code(answer, conditions=""):
    """4507 code of an answer; an approval with conditions is 4."""
    if answer == "approved" and conditions:
        return CONDITIONAL_APPROVAL
    return ANSWER_CODES.get(answer)
