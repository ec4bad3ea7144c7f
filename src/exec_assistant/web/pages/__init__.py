"""One module per page: its routes, each parsing the request, calling one service and
rendering one template."""
