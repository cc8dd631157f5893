"""One validated settings object for the whole assistant.

Values come from the defaults below, then `ASSISTANT_*` environment variables
(or a `.env` file in the working directory), then CLI flags. Every field has a
description: the CLI's `--help` and the README table are made from them.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.schema import TYPED_LEAST, Thresholds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "news-assistant"


def bundled(name: Literal["prompts", "seeds"]) -> Path:
    """The prompts or the demo articles that ship with the code.

    In a wheel they are package data, `assistant/bundled/<name>` (in the checkout those
    are links to the top-level folders, which the wheel holds as real ones). In a
    checkout, and in the editable install `make setup` makes, they are the top-level
    `prompts/` and `seeds/` themselves: setuptools' editable import hook cannot serve
    folders without an `__init__.py`.
    """
    if installed():
        return Path(str(resources.files("assistant").joinpath("bundled", name)))
    return PROJECT_ROOT / name


def installed() -> bool:
    """True for a wheel install (the data ships inside it), False in a checkout (where
    `assistant/bundled/prompts` is a link to the top-level folder)."""
    prompts = Path(str(resources.files("assistant").joinpath("bundled", "prompts")))
    return prompts.is_dir() and not prompts.is_symlink()


def _xdg(variable: str, fallback: str) -> Path:
    """$variable/news-assistant, or ~/fallback/news-assistant when it is unset or relative
    (the XDG base directory rule)."""
    base = os.environ.get(variable, "")
    root = Path(base) if os.path.isabs(base) else Path.home() / fallback
    return root / APP_NAME


def user_data_dir() -> Path:
    """Where an installed assistant keeps what it writes: never inside site-packages."""
    return _xdg("XDG_DATA_HOME", ".local/share")


def user_cache_dir() -> Path:
    """Where the bundled models are assembled and exported once (rebuilt if deleted)."""
    return _xdg("XDG_CACHE_HOME", ".cache")


# a checkout answers from ./seeds into ./vectorstore, as the README's commands show; an
# installed package from its bundled demo articles into a per-user data folder
DEFAULT_SOURCE_DIR = bundled("seeds")
DEFAULT_PERSIST_DIR = (
    user_data_dir() / "vectorstore" if installed() else PROJECT_ROOT / "vectorstore"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", extra="ignore", validate_default=True
    )

    # --- corpus and store -------------------------------------------------
    source_dir: Path | None = Field(
        None,
        description="Folder of articles to answer from (.txt, .md, .html, .htm, .pdf); each "
        "folder has its own store. Unset: the folder ingested last, else the demo articles.",
    )
    persist_dir: Path = Field(
        DEFAULT_PERSIST_DIR,
        description="Where the on-disk Chroma store lives (ignored with a Chroma server).",
    )
    collection: str = Field(
        "articles",
        description="Prefix of the Chroma collections (one per folder: articles-<digest>).",
    )
    chroma_host: str | None = Field(
        None, description="Host of a Chroma server (`chroma run`); unset = on-disk store."
    )
    chroma_port: int = Field(8000, description="Port of the Chroma server.")
    chroma_ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    chroma_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for each answer of the Chroma server."
    )
    auto_ingest: bool = Field(True, description="Build the store on first question if it is empty.")
    max_file_mb: int = Field(
        50,
        ge=1,
        description="Larger article files are skipped with a warning (their text is held "
        "in memory while they are embedded), and one that grows past it after ingest is not "
        "read to quote it.",
    )

    # --- embeddings and chunking -------------------------------------------
    embed_backend: Literal["local", "openai"] = Field(
        "local", description="local: all-MiniLM-L6-v2 shipped on PyPI; openai: OpenAI API."
    )
    embed_model: str = Field(
        "",
        description="Local model path or OpenAI embedding model name "
        "(empty = bundled all-MiniLM-L6-v2, or text-embedding-3-small for openai).",
    )
    chunk_tokens: int = Field(
        200, ge=32, le=256, description="Max wordpieces per chunk (MiniLM reads 256)."
    )
    chunk_overlap: int = Field(
        1, ge=0, le=3, description="Sentences repeated between neighbouring chunks."
    )

    # --- retrieval -----------------------------------------------------------
    retrieval: Literal["hybrid", "vector", "bm25"] = Field(
        "hybrid", description="hybrid fuses dense vectors and BM25 by reciprocal rank."
    )
    top_k: int = Field(
        4,
        ge=1,
        le=20,
        description="Chunks retrieved per question; their sentences, ranked, are the "
        "evidence the model chooses from.",
    )
    candidates: int = Field(
        10, ge=1, le=200, description="Candidates each retriever contributes to the fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")

    # --- LLM ------------------------------------------------------------------
    llm_backend: Literal["auto", "local", "openai"] = Field(
        "auto",
        description="auto = local, unless an openai_base_url or openai_model is set for the "
        "assistant (an exported OPENAI_API_KEY alone sends nothing anywhere).",
    )
    local_model: Path | None = Field(
        None,
        description="A GGUF file for the local backend (default: bundled "
        "Qwen2.5-Coder-1.5B-Instruct).",
    )
    model_cache_dir: Path = Field(
        user_cache_dir(),
        description="Where the bundled GGUF is assembled once ($XDG_CACHE_HOME/news-assistant).",
    )
    local_engine: Literal["llama-cpp-python", "xllamacpp"] = Field(
        "llama-cpp-python",
        description="What runs the local model: llama-cpp-python (compiled by `make setup`) or "
        "xllamacpp (llama.cpp's server, a prebuilt wheel; answers of its own, "
        "benchmarks/engines.md).",
    )
    n_ctx: int = Field(4096, ge=512, description="Context window of the local model.")
    n_threads: int | None = Field(None, description="CPU threads for the local model.")
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="API key for the openai backend (env OPENAI_API_KEY).",
    )
    openai_base_url: str | None = Field(
        None,
        description="OpenAI-compatible server URL, e.g. http://127.0.0.1:8080/v1 (choosing it "
        "chooses the openai backend; with --llm-backend openai and no URL: OPENAI_BASE_URL, "
        "else OpenAI).",
    )
    openai_model: str = Field("gpt-4o-mini", description="Model name for the openai backend.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for the LLM server.")
    llm_max_retries: int = Field(2, ge=0, description="Retries on 429/5xx and dropped calls.")
    llm_max_wait: float = Field(
        30.0,
        ge=0,
        description="Most seconds spent waiting between retries (a longer Retry-After fails).",
    )
    max_answer_tokens: int = Field(
        120, ge=16, description="Cap on the tokens of the phrased answer."
    )
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")

    # --- answering -------------------------------------------------------------
    max_question_chars: int = Field(1000, ge=10, description="Longest question accepted.")
    min_relevance: float = Field(
        0.2,
        ge=-1,
        le=1,
        description="Abstain without asking the LLM when no chunk's cosine similarity "
        "to the question reaches this.",
    )
    evidence_sentences: int = Field(
        8, ge=1, le=9, description="Sentences of the top chunks the model chooses evidence from."
    )
    select_threshold: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Answer only when the model's probability for its best sentence reaches "
        "this (fitted on the eval's dev split).",
    )
    none_threshold: float = Field(
        0.125,
        ge=0,
        le=1,
        description="Abstain when the model's probability that no sentence answers exceeds "
        "this (fitted on the eval's dev split).",
    )
    coverage_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Answer only when this share of the question's names and numbers occurs "
        "in the evidence.",
    )
    typed_join_threshold: float = Field(
        TYPED_LEAST,
        ge=0,
        le=1,
        description="When the chosen sentence lacks what a when / how-many / who question asks "
        "for, add the likeliest other sentence of the same article that has it if the model "
        "gave it at least this.",
    )
    check_threshold: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Keep a phrased answer only when the model's probability that its cited "
        "sentence states it reaches this, else move its citation to another chosen sentence "
        "or abstain (0 = no such read: the default model's scores do not separate right "
        "from wrong answers, see answering/check.py).",
    )
    select_prompt: str = Field(
        "select", description="Prompt file in prompts/ that asks which sentence answers."
    )
    select_part_prompt: str = Field(
        "select_part",
        description="Prompt file in prompts/ that asks which sentence answers one part of "
        "a multi-part question.",
    )
    phrase_prompt: str = Field(
        "phrase", description="Prompt file in prompts/ that phrases the answer from the evidence."
    )
    condense_prompt: str = Field(
        "condense", description="Prompt file in prompts/ that rewrites follow-ups."
    )
    check_prompt: str = Field(
        "check",
        description="Prompt file in prompts/ that asks whether the cited sentence states the "
        "answer.",
    )
    check_role_prompt: str = Field(
        "check_role",
        description="Prompt file in prompts/ that asks which of the cited sentence's names "
        "answers a who / which / where question (empty = no such read: the claim's name "
        "need only be of the asked kind and in its quote).",
    )

    # --- UI ---------------------------------------------------------------------
    ui_host: str = Field(
        "127.0.0.1",
        description="Interface the web UI listens on; 0.0.0.0 opens it to the network.",
    )
    ui_port: int = Field(7860, ge=1, le=65535, description="Port of the web UI.")
    ui_auth: str | None = Field(
        None,
        pattern=r"^[^:]+:.+$",
        description="Login for the web UI as user:password (unset = no login).",
    )
    ui_concurrency: int = Field(
        1,
        ge=1,
        le=64,
        description="Answers the web UI generates at once; others wait in a queue "
        "(1 suits the local model, raise it for an LLM server).",
    )

    @field_validator("source_dir", "persist_dir", "model_cache_dir", "local_model")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @model_validator(mode="after")
    def _check_model_file(self) -> Settings:
        if self.local_model is not None and not self.local_model.is_file():
            raise ValueError(f"ASSISTANT_LOCAL_MODEL {self.local_model} is not a file")
        return self

    @property
    def folder(self) -> Path:
        """The article folder: `source_dir`, or the demo articles where it was left unset
        (the assistant first looks for the folder ingested last: `store.with_folder`)."""
        return self.source_dir if self.source_dir is not None else DEFAULT_SOURCE_DIR

    @property
    def api_key(self) -> str | None:
        """The API key itself (everywhere else it prints as **********)."""
        return self.openai_api_key.get_secret_value() if self.openai_api_key else None

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(
            self.select_threshold,
            self.none_threshold,
            self.coverage_threshold,
            self.typed_join_threshold,
        )

    @property
    def resolved_llm_backend(self) -> Literal["local", "openai"]:
        """The local model, unless the user chose a server: the backend itself, or a
        server URL or model name set for the assistant. Variables of the shell that
        other tools read too (OPENAI_API_KEY, OPENAI_BASE_URL) choose nothing."""
        if self.llm_backend != "auto":
            return self.llm_backend
        chosen = self.openai_base_url or "openai_model" in self.model_fields_set
        return "openai" if chosen else "local"


def describe_errors(exc: ValidationError) -> str:
    """What is wrong with the settings, without the values given (a key stays secret)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
    )


def load_settings() -> Settings:
    """Settings from the environment, or a `BadSettings` error that names what is wrong."""
    from assistant.errors import BadSettings

    try:
        return Settings()
    except ValidationError as exc:
        raise BadSettings(f"invalid settings: {describe_errors(exc)}") from None
