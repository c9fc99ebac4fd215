"""Evaluation of a trained model (`botcoach test`): NLU reports, story replay, cross-validation.

The modules write Rasa's result files under Rasa's names so that tools made for `rasa test`
output read ours: `nlu_eval` (intents and entities), `cross_validation`, `core_eval` (story
replay) with `failed_stories` (its files), on top of hand-written `metrics` and a `png` writer.
"""
