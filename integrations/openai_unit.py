"""OpenAI (or any compatible server) as a unit: the key, the address and the model; listing models as its probe.
It offers no tools: it is the agent's planner, built by `model()` when a key is set."""

from __future__ import annotations

from pydantic import SecretStr

from integrations.openai_model import OpenAIModel
from integrations.unit import Probe, Section, Unit, reason, secret


class OpenAISettings(Section):
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    opsbot_model: str = "gpt-4o-mini"
    opsbot_model_timeout_seconds: float = 60.0


class OpenAIUnit(Unit[OpenAISettings]):
    name = "openai"
    section = OpenAISettings

    def configured(self, section: OpenAISettings) -> bool:
        return secret(section.openai_api_key) is not None

    def model(self, section: OpenAISettings) -> OpenAIModel | None:
        key = secret(section.openai_api_key)
        if key is None:
            return None
        return OpenAIModel(
            api_key=key,
            base_url=section.openai_base_url,
            model=section.opsbot_model,
            timeout=section.opsbot_model_timeout_seconds,
        )

    async def check(self, section: OpenAISettings) -> Probe:
        model = self.model(section)
        if model is None:
            return Probe(
                ok=True, off=True, line="planner: command grammar (OPENAI_API_KEY unset: set it for the AI agent)"
            )
        try:
            return Probe(ok=True, line=f"planner: AI agent, {await model.check()}")
        except Exception as exc:
            where = section.openai_base_url or "OpenAI"
            return Probe(ok=False, line=f"planner: AI agent, model server at {where} ({reason(exc)})", error=exc)
        finally:
            await model.close()


OPENAI = OpenAIUnit()
