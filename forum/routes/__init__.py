"""Thin Starlette endpoints per area: parse input, call a service, render."""
