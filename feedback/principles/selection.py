"""When a candidate rule set replaces the current one: it must tell good from bad on the validation slice, and do
it better by balanced accuracy.

Both optimizers decide with :func:`rejection`: the adversarial loop for each iteration's candidate, GEPA for the
rule set its run ends with (:func:`feedback.principles.gepa_run.final_choice`). The guard comes first: a candidate
under which every scored validation row gets the same verdict (one class only) is a broken judge, so it never
replaces the rules, whatever its score. Then balanced accuracy (:mod:`feedback.principles.balanced`, an unscored
row a miss) must be strictly higher than the current rules'; a tie keeps the current rules.

The current rules themselves are not put through the guard: the starting rules are the user's, and they stay when
no candidate passes, broken or not (the report on the test rows shows how they judge).
"""

from __future__ import annotations

from feedback.principles.detector import SliceAgreement


def one_class_reason(agreement: SliceAgreement) -> str | None:
    """Why verdicts on a slice cannot tell good from bad; None when some rows are judged good and some bad.

    Edge cases: no readable verdict at all (every row unscored) is a reason too; unscored rows beside verdicts of
    one class do not make a second class.
    """
    if agreement.judged_good and agreement.judged_bad:
        return None
    if not agreement.judged_good and not agreement.judged_bad:
        return "no readable verdict on the validation slice"
    judged = "good" if agreement.judged_good else "bad"
    return f"one class only: every scored validation row judged {judged} ({agreement.n} rows)"


def rejection(candidate: SliceAgreement, current: SliceAgreement) -> str | None:
    """Why ``candidate`` must not replace ``current`` (both on the same validation slice); None when it replaces it.

    Edge cases:
        - One class only, or no readable verdict: refused whatever the balanced accuracy (:func:`one_class_reason`).
        - The slice lacks a label (balanced accuracy None): refused, since nothing on it tells a judge from a
          constant.
        - Equal balanced accuracy: refused (the current rules stay on a tie).
    """
    reason = one_class_reason(candidate)
    if reason is not None:
        return reason
    if candidate.balanced_accuracy is None:
        return "the validation slice lacks a label: balanced accuracy is undefined"
    if current.balanced_accuracy is not None and candidate.balanced_accuracy <= current.balanced_accuracy:
        return (
            f"balanced accuracy {candidate.balanced_accuracy:.3f} is not above the current rules' "
            f"{current.balanced_accuracy:.3f}"
        )
    return None
