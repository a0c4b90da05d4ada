"""Import path for `uvicorn app.asgi:app` (several workers): settings from the environment."""

from app.main import create_app

app = create_app()
