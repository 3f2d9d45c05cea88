"""Refused actions, for every app: `message` is Chinese for the UI, `code` English for logs.

Here, below every app that acts (the congress is what every record belongs to), so that
switching congresses refuses with the same error as the workflow does without this app
reaching up into suggestions (suggestions.workflow re-exports them)."""


class WorkflowError(Exception):
    """A refused action. `message` is Chinese for the UI; `code` is English for logs."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self):
        return self.message


class NotPermitted(WorkflowError):
    """The actor may see the object but has no right to this action (HTTP 403)."""


class InvalidTransition(WorkflowError):
    """The action does not fit the object's current state or the rules (HTTP 409/400)."""
