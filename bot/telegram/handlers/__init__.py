"""Thin handlers: parse the update, call plain functions, render the reply."""
