"""The one error type that carries a message meant for the learner."""

from __future__ import annotations


class InputError(ValueError):
    """Text a learner typed could not be used.

    Attributes:
        user_message: A short, plain-text explanation that says what is accepted;
            safe to send back to the chat as it is (it never echoes the input).
    """

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message
