"""The AI agent: an OpenAI-compatible model plans tool calls turn by turn; the runner gates and runs them."""
