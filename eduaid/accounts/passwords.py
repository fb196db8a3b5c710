from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLength(MinimumLengthValidator):
    """Django's length rule, with its message in our catalogue."""

    def get_error_message(self) -> str:
        return _("This password is too short: use at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }

    def get_help_text(self) -> str:
        return _("Use at least %(min_length)d characters.") % {"min_length": self.min_length}


class LettersAndDigitsValidator:
    """A password must mix letters and digits."""

    def validate(self, password: str, user: Any = None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError(
                _("The password must contain both letters and digits."),
                code="password_letters_and_digits",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain both letters and digits.")


def generate_password() -> str:
    """A temporary password that passes the policy: 12 characters, letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    while True:
        chars = [secrets.choice(alphabet + "23456789") for _ in range(12)]
        if any(c in string.digits for c in chars) and any(c.isalpha() for c in chars):
            return "".join(chars)
