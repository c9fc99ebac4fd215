"""Natural-language understanding: a joint intent + entity model trained in seconds on CPU.

`interpreter.Interpreter` is the public object (train, parse, update, to_state/from_state);
`intent_message.parse_intent_message` handles `/intent{"entity": "value"}` without a model.
Nothing is imported here, so that reading `/intent` messages never loads torch.
"""
