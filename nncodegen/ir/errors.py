"""The error every part of the compiler raises for a bad model: one line naming the node, tensor or field."""


class GraphError(ValueError):
    """A malformed graph or model; the message names the node or tensor."""
