"""Requests as htmx sends them."""

# The header htmx adds to every request it makes: views answer with a fragment.
HTMX = {"HX-Request": "true"}
