"""The course: fourteen drops, their outline, the FAQ, and the loader that validates them."""
