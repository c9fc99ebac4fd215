"""Does a model fit the project it is used on? A model trained for another bot (or before the
domain changed) predicts actions the project lacks, and its stories would be exported into a
project that cannot train on them; the person is told what differs before teaching starts."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.domain import Domain


@dataclass
class ModelFit:
    """Names the project's domain has and the model's lacks (`model_lacks`), and the reverse."""

    model_lacks: dict[str, list[str]] = field(default_factory=dict)
    project_lacks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def fits(self) -> bool:
        return not self.model_lacks and not self.project_lacks

    def describe(self) -> str:
        lines = []
        for title, missing in (("the model lacks", self.model_lacks), ("the project lacks", self.project_lacks)):
            for kind, names in missing.items():
                shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
                lines.append(f"{title} {kind}: {shown}")
        return "\n".join(lines)


def model_fit(model: Domain, project: Domain) -> ModelFit:
    fit = ModelFit()
    kinds = {
        "intents": (set(model.all_intent_names), set(project.all_intent_names)),
        "actions": (set(model.action_names), set(project.action_names)),
        "slots": (set(model.slots), set(project.slots)),
    }
    for kind, (in_model, in_project) in kinds.items():
        if lacking := sorted(in_project - in_model):
            fit.model_lacks[kind] = lacking
        if lacking := sorted(in_model - in_project):
            fit.project_lacks[kind] = lacking
    return fit
