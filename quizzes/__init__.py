"""The quiz bank (items/) and spaced repetition through FSRS."""
