"""Evaluation harness: score the assistant on the hand-written questions in questions.yaml.

It exists so that a change to prompts, retrieval or the model shows up as numbers
(fact recall, citations, abstentions, retrieval, latency) compared with a committed
baseline, per split, instead of as impressions from a few questions.

- `metrics`: the question and result models and the pure scoring functions.
- `runner`: the command line, loading questions and asking the assistant.
- `report`: tables, JSON and Markdown reports, baseline comparison and the gate.

Run it with `python -m evals` or `assistant eval` (see evals/README.md).
"""
