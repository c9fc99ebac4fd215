"""An interpreter as an archive holds it: JSON-able meta and named tensors (loaded with
weights_only=True, never pickled), and back. Older formats load; what they lack takes its default."""

from __future__ import annotations

from dataclasses import asdict

import torch

from core.nlu.intent_classifier import SparseIntentClassifier
from core.nlu.interpreter import Interpreter
from core.nlu.model import JointNLU, NLUModelConfig
from core.nlu.sentence_features import SentenceVocabulary
from core.nlu.sentence_network import SentenceNetwork

STATE_FORMAT = 4  # 4: the sentence network on large data; 3: `joint_intents`; 2: no classifier on large data


def interpreter_state(interpreter: Interpreter) -> tuple[dict, dict[str, torch.Tensor]]:
    """(JSON-able meta, tensors) for the archive: tensors load with weights_only=True."""
    tensors: dict[str, torch.Tensor] = {}
    if interpreter.model is not None:
        _, joint = interpreter.model.checkpoint()
        tensors.update({f"joint.{k}": v for k, v in joint.items()})
    if interpreter.classifier is not None:
        tensors.update({f"intent.{k}": v.detach().clone() for k, v in interpreter.classifier.state_dict().items()})
    network_config = None
    if interpreter.network is not None:
        network_config, network = interpreter.network.checkpoint()
        tensors.update({f"network.{k}": v for k, v in network.items()})
    meta = {
        "format": STATE_FORMAT,
        "config": asdict(interpreter.config),
        "has_joint": interpreter.model is not None,
        "has_classifier": interpreter.classifier is not None,
        "joint_intents": interpreter.joint_intents,
        "network": network_config,
        "sentence": interpreter.sentence.state(),
        "intents": list(interpreter.intents),
        "labels": [list(label) for label in interpreter.labels],
        "synonyms": dict(interpreter.synonyms),
        "regexes": [list(r) for r in interpreter.regexes],
        "lookups": [[name, list(elements)] for name, elements in interpreter.lookups],
        "replay": interpreter.replay,
        "taught": interpreter.taught,
    }
    return meta, tensors


def interpreter_from_state(meta: dict, tensors: dict[str, torch.Tensor]) -> Interpreter:
    """The interpreter `interpreter_state` described (formats 2-4 load)."""
    config = NLUModelConfig(**meta["config"])
    model = classifier = None
    if meta["has_joint"]:
        model = JointNLU.from_checkpoint(meta["config"], _prefixed(tensors, "joint."))
    if meta["has_classifier"]:
        own = _prefixed(tensors, "intent.")
        classifier = SparseIntentClassifier(*own["weight.weight"].shape)
        classifier.load_state_dict(own)
        classifier.eval()
    network = None
    if meta.get("network"):  # format 4, large data
        network = SentenceNetwork.from_checkpoint(meta["network"], _prefixed(tensors, "network."))
    return Interpreter(
        config,
        model,
        classifier,
        SentenceVocabulary.from_state(meta["sentence"]),
        list(meta["intents"]),
        [tuple(label) for label in meta["labels"]],
        dict(meta["synonyms"]),
        [(name, pattern) for name, pattern in meta["regexes"]],
        [(name, list(elements)) for name, elements in meta["lookups"]],
        list(meta["replay"]),
        joint_intents=meta.get("joint_intents", not meta["has_classifier"]),  # format 2: large data, joint only
        network=network,
        taught=list(meta.get("taught", [])),  # saved since online learning: a later session rehearses it
    )


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
