"""Services: code that writes the mirror or calls Green API. Views call these, never the client."""
