# The two commands of README.md: `make demo` and `make test`.
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test lint

demo:
	scripts/bootstrap
	uv run eduaid demo

test:
	scripts/bootstrap --browser
	uv run pytest -q

lint:
	scripts/bootstrap
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy eduaid
