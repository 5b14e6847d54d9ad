"""The Mini App: its pages and JSON API, served beside /healthz (see ``routes``)."""
