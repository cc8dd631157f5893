"""A GGUF's own chat template, rendered in Python: the prompt text the model was tuned on.

Why: the embedded llama.cpp server (`embedded.ServerChat`) is sent raw prompt text,
because the engine must know where each prompt's fixed head ends to read it the same
way every time. So the prompt is rendered here, as llama-cpp-python's
`Jinja2ChatFormatter` renders it (the same Jinja environment, the template and the
BOS/EOS texts read from the GGUF's metadata), and the two engines see the same text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from assistant.errors import LLMUnavailable, ModelFileError
from assistant.schema import Message


def _tojson(x: Any, ensure_ascii: bool = False, indent: int | None = None, **kw: Any) -> str:
    """Transformers' chat-template `tojson` (non-ASCII kept as is)."""
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, **kw)


def _raise(message: str) -> None:
    raise LLMUnavailable(f"The model's chat template refused the messages: {message}")


_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # GGUF types
_STRING, _ARRAY = 8, 9
_WANTED = {"tokenizer.chat_template", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"}


class _Header:
    """Reads a GGUF header's key/value pairs in order (the tensors after them are not read)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle

    def number(self, kind: int) -> int:
        size = _SIZES[kind]
        return int.from_bytes(self.handle.read(size), "little", signed=kind in (1, 3, 5, 11))

    def string(self) -> str:
        return self.handle.read(self.number(10)).decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool) -> Any:
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            inner, count = self.number(4), self.number(10)
            if inner == _STRING:
                items = [self.string() for _ in range(count)]
                return items if keep else None
            self.handle.seek(_SIZES[inner] * count, 1)
            return None
        return self.number(kind)


def gguf_metadata(path: Path) -> dict[str, str]:
    """The chat template and the BOS/EOS token texts from a GGUF's header."""
    try:
        with path.open("rb") as handle:
            if handle.read(4) != b"GGUF":
                raise ValueError("no GGUF magic number")
            header = _Header(handle)
            header.number(4)  # version
            header.number(10)  # tensor count
            values: dict[str, Any] = {}
            for _ in range(header.number(10)):
                key = header.string()
                kind = header.number(4)
                value = header.value(kind, keep=key == "tokenizer.ggml.tokens")
                if key in _WANTED or key == "tokenizer.ggml.tokens":
                    values[key] = value
    except (ValueError, OSError, KeyError, UnicodeDecodeError) as exc:
        raise ModelFileError(
            f"Cannot read {path}: it is not a complete GGUF file ({exc})."
        ) from None
    found = {"template": values.get("tokenizer.chat_template") or ""}
    tokens = values.get("tokenizer.ggml.tokens") or []
    for name in ("bos", "eos"):
        index = values.get(f"tokenizer.ggml.{name}_token_id")
        if isinstance(index, int) and 0 <= index < len(tokens):
            found[name] = tokens[index]
    return found


@dataclass
class ChatTemplate:
    template: str
    bos: str = ""
    eos: str = ""

    @classmethod
    def from_gguf(cls, path: Path) -> ChatTemplate:
        meta = gguf_metadata(path)
        if not meta.get("template"):
            raise LLMUnavailable(f"{path.name} has no chat template in its GGUF metadata.")
        return cls(meta["template"], meta.get("bos", ""), meta.get("eos", ""))

    def __post_init__(self) -> None:
        import jinja2
        import jinja2.ext
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        class IgnoreGenerationTags(jinja2.ext.Extension):
            """Pass-through for Hugging Face's ``{% generation %}`` tag."""

            tags = {"generation"}

            def parse(self, parser: Any) -> Any:
                parser.stream.skip(1)
                return parser.parse_statements(("name:endgeneration",), drop_needle=True)

        environment = ImmutableSandboxedEnvironment(
            loader=jinja2.BaseLoader(),
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=[IgnoreGenerationTags, jinja2.ext.loopcontrols],
        )
        environment.filters["tojson"] = _tojson
        self._compiled = environment.from_string(self.template)

    def render(self, messages: list[Message]) -> str:
        """The prompt for `messages`, ending where the assistant's reply begins."""
        return self._compiled.render(
            messages=messages,
            eos_token=self.eos,
            bos_token=self.bos,
            raise_exception=_raise,
            add_generation_prompt=True,
            strftime_now=lambda f: datetime.now().strftime(f),
        )
